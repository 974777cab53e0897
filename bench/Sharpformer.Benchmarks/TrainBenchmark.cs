using System.Text.Json;
using Sharpformer.Kernels;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Benchmarks;

/// <summary>Settings of the training-step benchmark (defaults: the ref-small configuration, 64 × 24 tokens).</summary>
public sealed record TrainBenchmarkOptions
{
    /// <summary>The model: any architecture's config (its vocabulary size and special ids as set here).</summary>
    public ModelConfig Model { get; init; } = RefSmall.Config;

    /// <summary>The optimiser of the step (label smoothing, Adam, clipping); the Noam warm-up does not change the step's work.</summary>
    public OptimizerSettings Optimizer { get; init; } = new() { LabelSmoothing = 0.1f, Warmup = 4000 };

    /// <summary>The name the report gives the configuration (e.g. the preset).</summary>
    public string Name { get; init; } = "ref-small";
    public int Batch { get; init; } = 64;
    public int SourceLength { get; init; } = 24;
    public int TargetLength { get; init; } = 24;
    public int Steps { get; init; } = 10;
    public int Warmup { get; init; } = 3;
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The step of a training preset: its model (vocabulary of the preset's size) and optimiser, with as many
    /// sequences of <paramref name="length"/> source and target tokens as its token budget holds (at most its
    /// sentence limit), as the batcher would pack them.
    /// </summary>
    public static TrainBenchmarkOptions ForPreset(string name, TrainingOptions preset, int length = 24)
    {
        if (length < 1) throw UserInputException.ForField("Length", $"must be positive, got {length}");
        var spec = preset.Model.Tokens;
        int batch = Math.Max(1, preset.BatchTokens / length);
        if (preset.BatchSentences > 0) batch = Math.Min(batch, preset.BatchSentences);
        return new TrainBenchmarkOptions
        {
            Name = name, Model = preset.Model.WithTokens(spec with { VocabSize = preset.VocabSize }).Validate(), Optimizer = preset.Optimizer,
            Batch = batch, SourceLength = length, TargetLength = length,
        };
    }
}

/// <summary>The ref-small configuration the performance targets are stated for.</summary>
public static class RefSmall
{
    public static TransformerConfig Config { get; } = new()
    {
        VocabSize = 8000, DModel = 256, Heads = 4, DFf = 1024, EncoderLayers = 3, DecoderLayers = 3, Dropout = 0.1f,
    };
}

public sealed record TrainBenchmarkReport(string Preset, string Architecture, int Threads, int Batch, int SourceLength, int TargetLength, long Parameters,
    double StepMs, double StepMsMin, double TgtTokensPerS, double Gflops, double FlopsPerStep, double PeakRssMb, IReadOnlyList<double> SamplesMs,
    IReadOnlyDictionary<string, double> PhaseMs)
{
    public string ToJson() => JsonSerializer.Serialize(this, ModelFile.JsonOptions);

    public string ToTable() =>
        $"""
        train step, {Preset} ({Architecture}): batch {Batch} × ({SourceLength} src + {TargetLength} tgt), {Parameters:N0} parameters, {Threads} threads
          step (median)     {StepMs,10:F1} ms   (min {StepMsMin:F1} ms over {SamplesMs.Count} steps)
          target tokens/s   {TgtTokensPerS,10:N0}
          achieved          {Gflops,10:F1} GFLOP/s  ({FlopsPerStep / 1e9:F1} GFLOP per step)
          peak RSS          {PeakRssMb,10:F0} MB
          phases (median ms){string.Concat(PhaseMs.Select(p => $"\n    {p.Key,-14} {p.Value,8:F1}"))}
        """;
}

/// <summary>
/// One full training step (forward, label-smoothed loss, backward, gradient norm and clipping, Adam) on random tokens,
/// timed after warm-up, for any architecture. FLOPs count the matrix products forward and backward
/// (<see cref="StepFlops"/>), not the element-wise work.
/// </summary>
public static class TrainBenchmark
{
    public static TrainBenchmarkReport Run(TrainBenchmarkOptions o)
    {
        if (o.Steps < 1 || o.Batch < 1 || o.SourceLength < 1 || o.TargetLength < 1) throw new UserInputException("train benchmark: steps, batch and lengths must be positive");
        ComputePool.Threads = o.Threads;
        var model = o.Model.CreateModel();
        model.Initialize(1);
        var step = new TrainStep(model, o.Optimizer, seed: 1);
        var batch = RandomBatch(o.Model.Tokens, o.Batch, o.SourceLength, o.TargetLength, seed: 1);
        var samples = BenchmarkStats.Time(() => step.Run(batch), o.Warmup, o.Steps);
        double ms = BenchmarkStats.Median(samples);
        double flops = StepFlops(o);
        var phases = Phases(step, batch, o.Steps);
        return new TrainBenchmarkReport(o.Name, o.Model.Architecture, o.Threads, o.Batch, o.SourceLength, o.TargetLength, model.Parameters.Sum(p => (long)p.Length),
            ms, samples.Min(), o.Batch * o.TargetLength / (ms / 1000), flops / (ms / 1000) / 1e9, flops, BenchmarkStats.PeakRssMb(), samples, phases);
    }

    /// <summary>A batch of random non-special tokens, every row <paramref name="sourceLength"/> and <paramref name="targetLength"/> long (no padding).</summary>
    public static Seq2SeqBatch RandomBatch(TokenSpec tokens, int batch, int sourceLength, int targetLength, int seed)
    {
        var rng = new Random(seed);
        int[] Random(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(4, tokens.VocabSize)).ToArray();
        return new Seq2SeqBatch(Random(batch * sourceLength), Random(batch * targetLength), Random(batch * targetLength),
            batch, sourceLength, targetLength, tokens.PadId);
    }

    /// <summary>
    /// The same step taken apart, each part timed on its own (median over the repeats): where the time goes. The
    /// Transformer's forward pass is split into encoder, decoder and output projection; other architectures' is one phase.
    /// </summary>
    private static Dictionary<string, double> Phases(TrainStep step, Seq2SeqBatch b, int repeats)
    {
        var model = step.Model;
        var names = step.Network is TransformerNetwork
            ? new[] { "zero grad", "encoder fwd", "decoder fwd", "logits fwd", "loss", "backward", "grad norm", "adam" }
            : new[] { "zero grad", "forward", "loss", "backward", "grad norm", "adam" };
        var times = names.ToDictionary(n => n, _ => new List<double>());
        var loss = new LabelSmoothedCrossEntropy(step.Settings.LabelSmoothing, model.Tokens.PadId);
        var ctx = step.Context;
        var gradientNorm = new GradientNorm(model.Parameters);
        for (int r = 0; r < repeats; r++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            void Lap(string name) { times[name].Add(clock.Elapsed.TotalMilliseconds); clock.Restart(); }
            step.Network.ZeroGrad(); Lap("zero grad");
            Tensors.Tensor logits;
            if (step.Network is TransformerNetwork network)
            {
                var memory = network.Encode(b.Source, b.Batch, b.SourceLength, ctx); Lap("encoder fwd");
                var h = network.DecodeHidden(b.TargetIn, b.TargetLength, memory, ctx); Lap("decoder fwd");
                logits = network.Generator.Forward(h); Lap("logits fwd");
            }
            else
            {
                logits = step.Network.Forward(b.Source, b.TargetIn, b.Batch, b.SourceLength, b.TargetLength, ctx); Lap("forward");
            }
            loss.Compute(logits, b.TargetOut, b.Batch * b.TargetLength, logits); Lap("loss");
            step.Network.Backward(logits); Lap("backward");
            gradientNorm.Compute(); Lap("grad norm");
            step.Optimizer.Update(1e-4); Lap("adam");
        }
        return names.ToDictionary(n => n, n => BenchmarkStats.Median(times[n]));
    }

    /// <summary>Forward + backward FLOPs of one step's matrix products (backward ≈ twice the forward).</summary>
    public static double StepFlops(TrainBenchmarkOptions o) => o.Model switch
    {
        TransformerConfig c => TransformerFlops(c, o),
        RnnConfig c => RnnFlops(c, o),
        _ => double.NaN,
    };

    private static double TransformerFlops(TransformerConfig c, TrainBenchmarkOptions o)
    {
        double d = c.DModel, ff = c.DFf, src = o.Batch * o.SourceLength, tgt = o.Batch * o.TargetLength;
        double encParams = 4 * d * d + 2 * d * ff, decParams = 8 * d * d + 2 * d * ff;
        double matmul = 6 * (c.EncoderLayers * encParams * src + c.DecoderLayers * decParams * tgt + c.VocabSize * d * tgt);
        // Q·Kᵀ and P·V: 2 products × 2 FLOPs per multiply-add, × 3 for forward + backward
        double attention = 3 * 4 * d * o.Batch * (c.EncoderLayers * (double)o.SourceLength * o.SourceLength
            + c.DecoderLayers * ((double)o.TargetLength * o.TargetLength + (double)o.TargetLength * o.SourceLength));
        return matmul + attention;
    }

    // 2 FLOPs per multiply-add of every product, × 3 for forward + backward.
    private static double RnnFlops(RnnConfig c, TrainBenchmarkOptions o)
    {
        double h = c.HiddenSize, e = c.EmbeddingSize, m = c.MemoryWidth, src = o.Batch * o.SourceLength, tgt = o.Batch * o.TargetLength;
        double gates = c.Cell switch { Layers.Recurrent.RecurrentCellKind.Gru => 3, Layers.Recurrent.RecurrentCellKind.Lstm => 4, _ => 1 };
        int dirs = c.EncoderBidirectional ? 2 : 1;
        double forward = 0;
        for (int l = 0; l < c.Layers; l++)
        {
            double encoderInput = l == 0 ? e : dirs * h;
            double decoderInput = l == 0 ? e + (c.Attention == RnnAttentionKind.None ? m : 0) : h;
            forward += dirs * src * (encoderInput + h) * gates * h + tgt * (decoderInput + h) * gates * h;   // a_x and a_h of every step
        }
        double pairs = (double)o.Batch * o.TargetLength * o.SourceLength;
        forward += c.Attention switch
        {
            RnnAttentionKind.Dot => 2 * pairs * h,                                                            // scores hᵀs, context a·s
            RnnAttentionKind.Additive => tgt * h * c.AdditiveWidth + src * m * c.AdditiveWidth + pairs * (c.AdditiveWidth + m),  // W_q h, W_k s, vᵀe, a·s
            _ => 0,
        };
        forward += tgt * (m + h) * e + tgt * e * c.VocabSize;                                                 // h̃ = tanh(W_c[c; h]), logits
        return 3 * 2 * forward;
    }
}
