using System.Numerics.Tensors;
using System.Text.Json;
using Sharpformer.Inference;
using Sharpformer.Kernels;
using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Benchmarks;

/// <summary>Settings of the decoding benchmark: a ref-small-shaped model, B sources, exactly T steps.</summary>
public sealed record DecodeBenchmarkOptions
{
    public TransformerConfig Model { get; init; } = RefSmall.Config;
    public int Batch { get; init; } = 100;
    public int SourceLength { get; init; } = 24;
    public int Steps { get; init; } = 20;
    public int Beam { get; init; } = 1;
    public int Repeats { get; init; } = 7;
    public int Warmup { get; init; } = 2;
    public int Threads { get; init; } = Environment.ProcessorCount;
}

public sealed record DecodeBenchmarkReport(int Batch, int SourceLength, int Steps, int Beam, int Threads, double Ms, double MsMin,
    double TgtTokensPerS, double PeakRssMb)
{
    public string ToJson() => JsonSerializer.Serialize(this, ModelFile.JsonOptions);

    public string ToTable() =>
        $"decode B={Batch,-4} S={SourceLength} T={Steps} beam={Beam}  {Threads} threads:  {Ms,8:F1} ms (min {MsMin:F1})  {TgtTokensPerS,9:N0} tgt tok/s";
}

/// <summary>
/// Times decoding through the model contract (encode once, then a KV-cached decoder state): exactly T
/// steps, each giving log-probabilities (EOS is ignored so every configuration does the same work);
/// tokens/s counts B·T output tokens.
/// </summary>
public static class DecodeBenchmark
{
    public static DecodeBenchmarkReport Run(DecodeBenchmarkOptions o)
    {
        if (o.Batch < 1 || o.Steps < 1 || o.Beam < 1 || o.SourceLength < 1) throw new UserInputException("decode benchmark: batch, steps, beam and source length must be positive");
        ComputePool.Threads = o.Threads;
        var model = new Transformer(o.Model with { Dropout = 0 });
        Initialization.Initialize(model, seed: 1);
        var rng = new Random(2);
        var source = Enumerable.Range(0, o.Batch * o.SourceLength).Select(_ => rng.Next(4, o.Model.VocabSize)).ToArray();
        var samples = BenchmarkStats.Time(() => DecodeFixedSteps(model, source, o), o.Warmup, o.Repeats);
        double ms = BenchmarkStats.Median(samples);
        return new DecodeBenchmarkReport(o.Batch, o.SourceLength, o.Steps, o.Beam, o.Threads, ms, samples.Min(),
            o.Batch * o.Steps / (ms / 1000), BenchmarkStats.PeakRssMb());
    }

    private static void DecodeFixedSteps(Transformer model, int[] source, DecodeBenchmarkOptions o)
    {
        int V = model.Config.VocabSize, rows = o.Batch * o.Beam;
        var encoded = model.Encode(source, o.Batch, o.SourceLength);
        using var decoder = model.StartDecoder(encoded, o.Beam, o.Steps);
        var tokens = Enumerable.Repeat(model.Config.BosId, rows).ToArray();
        var scores = new float[rows];
        var parents = new int[rows];
        for (int t = 0; t < o.Steps; t++)
        {
            var logProbs = decoder.Step(tokens);
            if (o.Beam == 1)
            {
                for (int r = 0; r < rows; r++) tokens[r] = TensorPrimitives.IndexOfMax(logProbs.Slice(r * V, V));
                continue;
            }
            SelectBeams(logProbs, V, o.Batch, o.Beam, t == 0, scores, tokens, parents);
            decoder.Reorder(parents);
        }
    }

    // Beam bookkeeping with the work of a real search: each row's log-probabilities plus its score, then
    // the K best (beam, token) continuations per sentence; EOS is treated as an ordinary token.
    private static void SelectBeams(Span<float> logProbs, int V, int batch, int beam, bool first, float[] scores, int[] tokens, int[] parents)
    {
        var newScores = new float[scores.Length];
        for (int r = 0; r < batch * beam; r++)
        {
            var row = logProbs.Slice(r * V, V);
            TensorPrimitives.Add(row, scores[r], row);
        }
        for (int b = 0; b < batch; b++)
        {
            int candidates = (first ? 1 : beam) * V;
            var span = logProbs.Slice(b * beam * V, candidates);
            var best = new (float Score, int Index)[beam];
            for (int k = 0; k < beam; k++) best[k] = (float.NegativeInfinity, -1);
            for (int i = 0; i < span.Length; i++)
            {
                float s = span[i];
                if (s <= best[beam - 1].Score) continue;
                int j = beam - 1;
                while (j > 0 && best[j - 1].Score < s) { best[j] = best[j - 1]; j--; }
                best[j] = (s, i);
            }
            for (int k = 0; k < beam; k++)
            {
                int r = b * beam + k;
                parents[r] = b * beam + best[k].Index / V;
                tokens[r] = best[k].Index % V;
                newScores[r] = best[k].Score;
            }
        }
        newScores.CopyTo(scores, 0);
    }
}
