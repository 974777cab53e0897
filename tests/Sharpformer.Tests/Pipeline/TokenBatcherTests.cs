using Sharpformer.Training;

namespace Sharpformer.Tests.Pipeline;

public sealed class TokenBatcherTests
{
    private static List<Example> RandomExamples(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(i =>
            new Example(Enumerable.Repeat(10 + i % 50, rng.Next(1, 30)).ToArray(), Enumerable.Repeat(7, rng.Next(1, 30)).ToArray())).ToList();
    }

    [Fact]
    public void Every_example_appears_once_per_epoch_and_batches_respect_the_budget()
    {
        var examples = RandomExamples(500, 1);
        var batcher = new TokenBatcher(examples, maxTokens: 200, maxSentences: 0, padId: 0, bosId: 1, eosId: 2, seed: 3);
        int sentences = 0;
        foreach (var (_, b) in batcher.Epoch(0))
        {
            sentences += b.Batch;
            Assert.True(b.Batch * Math.Max(b.SourceLength, b.TargetLength) <= 200, $"batch {b.Batch}×{b.SourceLength}/{b.TargetLength} exceeds 200 tokens");
        }
        Assert.Equal(500, sentences);
        int targetTokens = batcher.Epoch(1).Sum(x => x.Batch.TargetTokens);
        Assert.Equal(examples.Sum(e => e.Target.Length + 1), targetTokens);   // every target plus its EOS
    }

    [Fact]
    public void Batches_pad_sources_with_eos_and_shift_targets()
    {
        var examples = new List<Example> { new([5, 6, 7], [8, 9]), new([5], [8, 9, 10]) };
        var batcher = new TokenBatcher(examples, 1000, 0, 0, 1, 2, seed: 1);
        var b = batcher.InOrder().Single();
        var rows = Enumerable.Range(0, b.Batch).Select(i => (
            Src: b.Source.Skip(i * b.SourceLength).Take(b.SourceLength).ToArray(),
            In: b.TargetIn.Skip(i * b.TargetLength).Take(b.TargetLength).ToArray(),
            Out: b.TargetOut.Skip(i * b.TargetLength).Take(b.TargetLength).ToArray())).ToList();
        var first = rows.Single(r => r.Src[0] == 5 && r.Src[1] == 6);
        Assert.Equal([5, 6, 7, 2], first.Src);
        Assert.Equal([1, 8, 9, 0], first.In);
        Assert.Equal([8, 9, 2, 0], first.Out);
        var second = rows.Single(r => r.Src[1] == 2);
        Assert.Equal([5, 2, 0, 0], second.Src);
        Assert.Equal([1, 8, 9, 10], second.In);
        Assert.Equal([8, 9, 10, 2], second.Out);
    }

    [Fact]
    public void Epoch_order_is_seeded_differs_between_epochs_and_resumes_at_a_position()
    {
        var examples = RandomExamples(400, 2);
        var a = new TokenBatcher(examples, 150, 0, 0, 1, 2, seed: 9);
        var b = new TokenBatcher(examples, 150, 0, 0, 1, 2, seed: 9);
        Assert.Equal(a.EpochOrder(3), b.EpochOrder(3));
        Assert.NotEqual(a.EpochOrder(0), a.EpochOrder(1));
        var full = a.Epoch(2).Select(x => x.Batch.Source).ToList();
        var resumed = a.Epoch(2, start: 5).Select(x => x.Batch.Source).ToList();
        Assert.Equal(full.Skip(5), resumed);
        Assert.Equal(Enumerable.Range(0, a.BatchCount), a.EpochOrder(4).Order());
    }

    [Fact]
    public void Max_sentences_caps_the_batch()
    {
        var examples = RandomExamples(100, 3);
        var batcher = new TokenBatcher(examples, 100000, maxSentences: 8, 0, 1, 2, seed: 1);
        Assert.All(batcher.InOrder(), b => Assert.True(b.Batch <= 8));
        Assert.Equal(13, batcher.BatchCount);
    }
}
