using Sharpformer.Kernels;

namespace Sharpformer.Tests.Kernels;

public class ComputePoolTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1000)]
    public void EveryIndex_RunsExactlyOnce(int count)
    {
        var hits = new int[count];
        for (int round = 0; round < 50; round++)
            ComputePool.For(count, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(50, h));
    }

    [Fact]
    public void NestedCalls_RunInlineOnTheSameThread()
    {
        var outerThreads = new int[8];
        var innerMismatch = 0;
        var innerHits = new int[8 * 16];
        ComputePool.For(8, i =>
        {
            outerThreads[i] = Environment.CurrentManagedThreadId;
            Assert.True(ComputePool.IsInsideLoop);
            ComputePool.For(16, j =>
            {
                if (Environment.CurrentManagedThreadId != outerThreads[i]) Interlocked.Increment(ref innerMismatch);
                Interlocked.Increment(ref innerHits[i * 16 + j]);
            });
        });
        Assert.Equal(0, innerMismatch);
        Assert.All(innerHits, h => Assert.Equal(1, h));
        Assert.False(ComputePool.IsInsideLoop);
    }

    [Fact]
    public void Exception_PropagatesToCaller_AndPoolStaysUsable()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            ComputePool.For(100, i => { if (i == 37) throw new InvalidOperationException("index 37"); }));
        Assert.Equal("index 37", e.Message);
        int sum = 0;
        ComputePool.For(100, i => Interlocked.Add(ref sum, i));
        Assert.Equal(4950, sum);
    }

    [Fact]
    public void StructTask_RunsWithoutDelegates()
    {
        var task = new SquareTask { Output = new long[500] };
        ComputePool.For(500, ref task);
        for (int i = 0; i < 500; i++) Assert.Equal((long)i * i, task.Output[i]);
    }

    [Fact]
    public void ConcurrentCallersFromSeveralThreads_AllComplete()
    {
        var totals = new long[4];
        Parallel.For(0, 4, caller =>
        {
            for (int round = 0; round < 200; round++)
                ComputePool.For(64, i => Interlocked.Add(ref totals[caller], i));
        });
        Assert.All(totals, t => Assert.Equal(200L * 2016, t));
    }

    [Fact]
    public void BackToBackLoopsOfGrowingSize_NeverRunAnIndexTwice()
    {
        // A loop followed at once by a larger one is where a worker leaving the first could take an
        // index of the second under the first one's claim; hammer that pattern from several callers.
        int duplicates = 0, missing = 0;
        Parallel.For(0, 3, caller =>
        {
            for (int round = 0; round < 3000; round++)
            {
                int count = 1 + round % 7 * 3;
                var hits = new int[count];
                ComputePool.For(count, i => { if (Interlocked.Increment(ref hits[i]) > 1) Interlocked.Increment(ref duplicates); });
                foreach (int h in hits) if (h == 0) Interlocked.Increment(ref missing);
            }
        });
        Assert.Equal(0, duplicates);
        Assert.Equal(0, missing);
    }

    [Fact]
    public void Threads_RejectsZero() => Assert.Throws<ArgumentOutOfRangeException>(() => ComputePool.Threads = 0);

    private struct SquareTask : IComputeTask
    {
        public long[] Output;
        public void Run(int index) => Output[index] = (long)index * index;
    }
}
