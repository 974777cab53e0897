using Sharpformer.Kernels;

namespace Sharpformer.Benchmarks;

/// <summary>What <see cref="GemmBenchmark.Run"/> measures and how long it tries.</summary>
public sealed record GemmBenchmarkOptions
{
    /// <summary>Timed samples per (shape, thread count); the report gives their median.</summary>
    public int Repeats { get; init; } = 7;

    /// <summary>Untimed calls before sampling (JIT tiering, page faults, buffer growth): at least this many...</summary>
    public int WarmupCalls { get; init; } = 3;

    /// <summary>...and for at least this long, so tiered compilation has settled before the first sample.</summary>
    public double WarmupSeconds { get; init; } = 0.25;

    /// <summary>Each sample repeats the call until at least this long has passed, then reports the time per call.</summary>
    public double SampleSeconds { get; init; } = 0.05;

    /// <summary>Kernel to force, or null for the library's default choice.</summary>
    public GemmKernelKind? Kernel { get; init; }

    /// <summary>Thread counts to run each shape with; default 1 and every core.</summary>
    public IReadOnlyList<int> ThreadCounts { get; init; } = Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    /// <summary>Shapes to time; default 1024³ then every GEMM of a ref-small training step.</summary>
    public IReadOnlyList<GemmShape> Shapes { get; init; } = [GemmBenchmarkShapes.Square1024, .. GemmBenchmarkShapes.RefSmallStep()];
}
