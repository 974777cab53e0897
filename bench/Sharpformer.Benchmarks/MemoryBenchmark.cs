using System.Text.Json;
using Sharpformer.Analysis;
using Sharpformer.Kernels;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Benchmarks;

/// <summary>One point of the memory-vs-length measurement: a model, a sequence length and a token budget.</summary>
public sealed record MemoryBenchmarkOptions
{
    /// <summary>The configuration's name in the report (e.g. its preset).</summary>
    public required string Name { get; init; }
    public required ModelConfig Model { get; init; }
    public OptimizerSettings Optimizer { get; init; } = new();

    /// <summary>T: source and target tokens of every sequence.</summary>
    public required int Length { get; init; }

    /// <summary>Tokens per side and batch: B = BatchTokens / T sequences (at least 1).</summary>
    public int BatchTokens { get; init; } = 4096;

    /// <summary>Training steps run (the first grows every buffer to its size; later ones must not add to it).</summary>
    public int Steps { get; init; } = 2;
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>How many of the largest buffers the report lists by name.</summary>
    public int Largest { get; init; } = 8;
}

/// <summary>
/// What one training step at (B, T) holds. Bytes are counted by the code (<see cref="ActivationBreakdown"/>: every
/// activation, cache and scratch buffer of the training network, after the step); RSS is what the operating system gave
/// this process. The model state (weights, gradients, Adam's two moments) is not an activation and is listed apart.
/// </summary>
/// <param name="RssBeforeMb">Resident set after the model, optimiser and network were built, before the first step.</param>
/// <param name="PeakRssMb">The process's peak resident set (VmHWM) after the steps: only meaningful when the process measured nothing else before.</param>
/// <param name="StepMs">Median time of the steps, the first (which allocates every buffer) included: not a speed figure (bench train is).</param>
public sealed record MemoryPoint(string Name, string Architecture, int Length, int Batch, int BatchTokens,
    long ActivationBytes, long AttentionWeightBytes, long AttentionPairBytes, long ModelStateBytes, double AttentionShare,
    double RssBeforeMb, double PeakRssMb, double StepMs, IReadOnlyList<ActivationBuffers.Buffer> Largest)
{
    public long AttentionBytes => AttentionWeightBytes + AttentionPairBytes;

    /// <summary>Activation bytes per target token of the batch: flat in T for what is linear in the tokens.</summary>
    public double BytesPerToken => (double)ActivationBytes / ((long)Batch * Length);

    public string ToJson() => JsonSerializer.Serialize(this, ModelFile.JsonOptions);
}

/// <summary>
/// Runs training steps on random batches of B = budget / T sequences of T source and T target tokens and measures what
/// the step holds (<see cref="MemoryPoint"/>). At a fixed token budget everything linear in the tokens stays the same
/// size as T grows, while buffers with one entry per query–key pair (B·T² per head) grow in proportion to T.
/// </summary>
public static class MemoryBenchmark
{
    public static MemoryPoint Run(MemoryBenchmarkOptions o)
    {
        if (o.Length < 1) throw UserInputException.ForField("Lengths", $"lengths must be positive, got {o.Length}");
        if (o.BatchTokens < 1) throw UserInputException.ForField("BatchTokens", $"must be positive, got {o.BatchTokens}");
        if (o.Steps < 1) throw UserInputException.ForField("Steps", $"must be at least 1, got {o.Steps}");
        ComputePool.Threads = o.Threads;
        int batch = Math.Max(1, o.BatchTokens / o.Length);
        var model = o.Model.CreateModel();
        model.Initialize(1);
        var step = new TrainStep(model, o.Optimizer, seed: 1);
        // weights, gradients and Adam's m and v: four floats per parameter
        long modelState = 4L * sizeof(float) * model.Parameters.Sum(p => (long)p.Length);
        // touch the model state, so the "before" reading holds it (fresh arrays are not resident until written)
        step.Network.ZeroGrad();
        foreach (var m in step.Optimizer.FirstMoments.Concat(step.Optimizer.SecondMoments)) Array.Clear(m);
        var data = TrainBenchmark.RandomBatch(o.Model.Tokens, batch, o.Length, o.Length, seed: 1);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        double before = BenchmarkStats.CurrentRssMb();
        var times = BenchmarkStats.Time(() => step.Run(data), warmup: 0, o.Steps);
        var breakdown = ActivationBreakdown.Of(step.Network);
        return new MemoryPoint(o.Name, o.Model.Architecture, o.Length, batch, o.BatchTokens, breakdown.TotalBytes, breakdown.AttentionWeightBytes,
            breakdown.AttentionPairBytes, modelState, breakdown.AttentionShare, before, BenchmarkStats.PeakRssMb(), BenchmarkStats.Median(times),
            breakdown.Buffers.OrderByDescending(b => b.Bytes).Take(o.Largest).ToArray());
    }
}
