using System.Text.Json;
using Sharpformer.Kernels;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Benchmarks;

/// <summary>Settings of the training-step benchmark (defaults: the ref-small configuration).</summary>
public sealed record TrainBenchmarkOptions
{
    public TransformerConfig Model { get; init; } = RefSmall.Config;
    public int Batch { get; init; } = 64;
    public int SourceLength { get; init; } = 24;
    public int TargetLength { get; init; } = 24;
    public int Steps { get; init; } = 10;
    public int Warmup { get; init; } = 3;
    public int Threads { get; init; } = Environment.ProcessorCount;
}

/// <summary>The ref-small configuration the performance targets are stated for.</summary>
public static class RefSmall
{
    public static TransformerConfig Config { get; } = new()
    {
        VocabSize = 8000, DModel = 256, Heads = 4, DFf = 1024, EncoderLayers = 3, DecoderLayers = 3, Dropout = 0.1f,
    };
}

public sealed record TrainBenchmarkReport(string Preset, int Threads, int Batch, int SourceLength, int TargetLength, long Parameters,
    double StepMs, double StepMsMin, double TgtTokensPerS, double Gflops, double FlopsPerStep, double PeakRssMb, IReadOnlyList<double> SamplesMs,
    IReadOnlyDictionary<string, double> PhaseMs)
{
    public string ToJson() => JsonSerializer.Serialize(this, ModelFile.JsonOptions);

    public string ToTable() =>
        $"""
        train step, {Preset}: batch {Batch} × ({SourceLength} src + {TargetLength} tgt), {Parameters:N0} parameters, {Threads} threads
          step (median)     {StepMs,10:F1} ms   (min {StepMsMin:F1} ms over {SamplesMs.Count} steps)
          target tokens/s   {TgtTokensPerS,10:N0}
          achieved          {Gflops,10:F1} GFLOP/s  ({FlopsPerStep / 1e9:F1} GFLOP per step)
          peak RSS          {PeakRssMb,10:F0} MB
          phases (median ms){string.Concat(PhaseMs.Select(p => $"\n    {p.Key,-14} {p.Value,8:F1}"))}
        """;
}

/// <summary>
/// One full training step (forward, label-smoothed loss, backward, Adam) on random tokens, timed
/// after warm-up. FLOPs count 6 × (matrix parameters × the tokens that pass through them) for the
/// projections, plus the attention products (Q·Kᵀ and P·V, forward and backward).
/// </summary>
public static class TrainBenchmark
{
    public static TrainBenchmarkReport Run(TrainBenchmarkOptions o)
    {
        if (o.Steps < 1 || o.Batch < 1 || o.SourceLength < 1 || o.TargetLength < 1) throw new UserInputException("train benchmark: steps, batch and lengths must be positive");
        ComputePool.Threads = o.Threads;
        var model = new Transformer(o.Model);
        Initialization.Initialize(model, seed: 1);
        var step = new TrainStep(model, new OptimizerSettings { LabelSmoothing = 0.1f, Warmup = 4000 }, seed: 1);
        var rng = new Random(1);
        int V = o.Model.VocabSize;
        int[] Random(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(4, V)).ToArray();
        var batch = new Seq2SeqBatch(Random(o.Batch * o.SourceLength), Random(o.Batch * o.TargetLength), Random(o.Batch * o.TargetLength),
            o.Batch, o.SourceLength, o.TargetLength, o.Model.PadId);
        var samples = BenchmarkStats.Time(() => step.Run(batch), o.Warmup, o.Steps);
        double ms = BenchmarkStats.Median(samples);
        double flops = StepFlops(o);
        var phases = Phases(model, step, batch, o.Steps);
        return new TrainBenchmarkReport("ref-small", o.Threads, o.Batch, o.SourceLength, o.TargetLength, model.ParameterCount,
            ms, samples.Min(), o.Batch * o.TargetLength / (ms / 1000), flops / (ms / 1000) / 1e9, flops, BenchmarkStats.PeakRssMb(), samples, phases);
    }

    /// <summary>The same step taken apart, each part timed on its own (median over the repeats): where the time goes.</summary>
    private static Dictionary<string, double> Phases(Transformer model, TrainStep step, Seq2SeqBatch b, int repeats)
    {
        var names = new[] { "zero grad", "encoder fwd", "decoder fwd", "logits fwd", "loss", "backward", "grad norm", "adam" };
        var times = names.ToDictionary(n => n, _ => new List<double>());
        var loss = new LabelSmoothedCrossEntropy(0.1f, model.Config.PadId);
        var ctx = step.Context;
        var network = (TransformerNetwork)step.Network;
        for (int r = 0; r < repeats; r++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            void Lap(string name) { times[name].Add(clock.Elapsed.TotalMilliseconds); clock.Restart(); }
            model.ZeroGrad(); Lap("zero grad");
            var memory = network.Encode(b.Source, b.Batch, b.SourceLength, ctx); Lap("encoder fwd");
            var h = network.DecodeHidden(b.TargetIn, b.TargetLength, memory, ctx); Lap("decoder fwd");
            var logits = network.Generator.Forward(h); Lap("logits fwd");
            loss.Compute(logits, b.TargetOut, b.Batch * b.TargetLength, logits); Lap("loss");
            network.Backward(logits); Lap("backward");
            GradientNorm.Global(model.Parameters); Lap("grad norm");
            step.Optimizer.Update(1e-4); Lap("adam");
        }
        return names.ToDictionary(n => n, n => BenchmarkStats.Median(times[n]));
    }

    /// <summary>Forward + backward FLOPs of one step.</summary>
    public static double StepFlops(TrainBenchmarkOptions o)
    {
        var c = o.Model;
        double d = c.DModel, ff = c.DFf, src = o.Batch * o.SourceLength, tgt = o.Batch * o.TargetLength;
        double encParams = 4 * d * d + 2 * d * ff, decParams = 8 * d * d + 2 * d * ff;
        double matmul = 6 * (c.EncoderLayers * encParams * src + c.DecoderLayers * decParams * tgt + c.VocabSize * d * tgt);
        // Q·Kᵀ and P·V: 2 products × 2 FLOPs per multiply-add, × 3 for forward + backward
        double attention = 3 * 4 * d * o.Batch * (c.EncoderLayers * (double)o.SourceLength * o.SourceLength
            + c.DecoderLayers * ((double)o.TargetLength * o.TargetLength + (double)o.TargetLength * o.SourceLength));
        return matmul + attention;
    }
}
