using System.Diagnostics;
using Sharpformer.Kernels;

namespace Sharpformer.Benchmarks;

/// <summary>
/// Times <see cref="Gemm"/> on the shapes of <see cref="GemmBenchmarkOptions"/>: for each shape and
/// thread count, a few warm-up calls, then <see cref="GemmBenchmarkOptions.Repeats"/> samples whose
/// median time per call gives GFLOP/s. The machine may be shared, so medians, not minima or means.
/// </summary>
public static class GemmBenchmark
{
    public static GemmBenchmarkReport Run(GemmBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Repeats < 1) throw new UserInputException($"GEMM benchmark: repeats must be at least 1 (got {options.Repeats}).");
        if (options.Shapes.Count == 0) throw new UserInputException("GEMM benchmark: no shapes to measure.");
        if (options.ThreadCounts.Count == 0 || options.ThreadCounts.Any(t => t < 1))
            throw new UserInputException("GEMM benchmark: thread counts must be at least 1.");
        var kernel = options.Kernel ?? Gemm.Kernel;
        if (!GemmKernelSelector.IsSupported(kernel))
            throw new UserInputException($"GEMM benchmark: this CPU cannot run the {kernel} kernel.");

        var results = new List<GemmBenchmarkResult>();
        int savedThreads = ComputePool.Threads;
        try
        {
            foreach (var shape in options.Shapes)
            {
                var operands = new Operands(shape);
                foreach (int threads in options.ThreadCounts)
                {
                    ComputePool.Threads = threads;
                    var seconds = Measure(() => operands.Multiply(kernel, threads), options);
                    results.Add(new GemmBenchmarkResult(shape, threads, seconds));
                }
            }
        }
        finally
        {
            ComputePool.Threads = savedThreads;
        }
        return new GemmBenchmarkReport(GemmBenchmarkMachine.Describe(), kernel, options.Repeats, results);
    }

    /// <summary>Median seconds per call over the requested samples.</summary>
    private static double Measure(Action call, GemmBenchmarkOptions options)
    {
        long warmupStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < options.WarmupCalls || Stopwatch.GetElapsedTime(warmupStart).TotalSeconds < options.WarmupSeconds; i++) call();
        var samples = new double[options.Repeats];
        for (int s = 0; s < samples.Length; s++)
        {
            int calls = 0;
            long start = Stopwatch.GetTimestamp();
            double elapsed;
            do
            {
                call();
                calls++;
                elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            } while (elapsed < options.SampleSeconds);
            samples[s] = elapsed / calls;
        }
        Array.Sort(samples);
        return samples.Length % 2 == 1 ? samples[samples.Length / 2] : 0.5 * (samples[samples.Length / 2 - 1] + samples[samples.Length / 2]);
    }

    /// <summary>Random operands for one shape; batched shapes get one independent slice per item.</summary>
    private sealed class Operands
    {
        private readonly GemmShape _shape;
        private readonly float[] _a, _b, _c;
        private readonly int _lda, _ldb, _ldc, _aSize, _bSize, _cSize;

        public Operands(GemmShape shape)
        {
            _shape = shape;
            _lda = shape.TransA ? shape.M : shape.K;
            _ldb = shape.TransB ? shape.K : shape.N;
            _ldc = shape.N;
            _aSize = shape.M * shape.K;
            _bSize = shape.K * shape.N;
            _cSize = shape.M * shape.N;
            var random = new Random(1234);
            _a = Fill(new float[(long)_aSize * shape.Batch], random);
            _b = Fill(new float[(long)_bSize * shape.Batch], random);
            _c = new float[(long)_cSize * shape.Batch];
        }

        private static float[] Fill(float[] values, Random random)
        {
            for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
            return values;
        }

        public void Multiply(GemmKernelKind kernel, int threads)
        {
            var s = _shape;
            if (s.Batch == 1)
            {
                Gemm.Sgemm(kernel, threads, s.TransA, s.TransB, s.M, s.N, s.K, 1f, _a, _lda, _b, _ldb, 0f, _c, _ldc);
                return;
            }
            // Independent small products, as attention runs them: one pool task per item, each product inline.
            var items = new BatchItem(this, kernel);
            ComputePool.For(s.Batch, ref items);
        }

        private readonly struct BatchItem(Operands o, GemmKernelKind kernel) : IComputeTask
        {
            public void Run(int i)
            {
                var s = o._shape;
                Gemm.Sgemm(kernel, 1, s.TransA, s.TransB, s.M, s.N, s.K, 1f, o._a.AsSpan(i * o._aSize, o._aSize), o._lda,
                    o._b.AsSpan(i * o._bSize, o._bSize), o._ldb, 0f, o._c.AsSpan(i * o._cSize, o._cSize), o._ldc);
            }
        }
    }
}

/// <summary>Median time of one (shape, thread count) pair.</summary>
public sealed record GemmBenchmarkResult(GemmShape Shape, int Threads, double SecondsPerCall)
{
    public double GFlops => Shape.Flops / SecondsPerCall / 1e9;
}
