using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// Tiny random models and a decoding reference that recomputes everything with <see cref="TransformerNetwork.Forward"/>
/// (the training path, no cache) and normalises in double precision: the independent yardstick for the inference code.
/// </summary>
internal static class TinyModels
{
    public const int Pad = 0, Bos = 1, Eos = 2;

    /// <summary>Architectures the tests sweep: post-/pre-LN, relu/gelu, uneven depths, learned positions.</summary>
    public static TheoryData<string> Names() => new() { "post-relu", "pre-gelu", "post-gelu-deep-encoder", "pre-relu-deep-decoder", "post-learned" };

    public static TransformerConfig Config(string name, int vocab = 13) => name switch
    {
        "post-relu" => Base(vocab) with { EncoderLayers = 2, DecoderLayers = 2 },
        "pre-gelu" => Base(vocab) with { NormFirst = true, Activation = Activation.Gelu, EncoderLayers = 2, DecoderLayers = 2 },
        "post-gelu-deep-encoder" => Base(vocab) with { Activation = Activation.Gelu, EncoderLayers = 3, DecoderLayers = 1 },
        "pre-relu-deep-decoder" => Base(vocab) with { NormFirst = true, EncoderLayers = 1, DecoderLayers = 3, Heads = 2 },
        "post-learned" => Base(vocab) with { Positions = PositionEncodingKind.Learned, MaxPositions = 32, EncoderLayers = 1, DecoderLayers = 2 },
        _ => throw new ArgumentException(name),
    };

    private static TransformerConfig Base(int vocab) => new()
    {
        VocabSize = vocab, DModel = 16, Heads = 4, DFf = 24, Dropout = 0f, PadId = Pad, BosId = Bos, EosId = Eos,
    };

    public static Transformer Build(TransformerConfig config, int seed)
    {
        var model = new Transformer(config);
        Initialization.Initialize(model, seed);
        return model;
    }

    public static Transformer Build(string name, int seed, int vocab = 13) => Build(Config(name, vocab), seed);

    /// <summary>Random non-pad ids (BOS and EOS included, as a real source may hold them).</summary>
    public static int[] RandomIds(Random rng, int length, int vocab) =>
        Enumerable.Range(0, length).Select(_ => 1 + rng.Next(vocab - 1)).ToArray();

    /// <summary>Pads rows to one width: (ids [B, S], S).</summary>
    public static (int[] Ids, int Width) PadRows(IReadOnlyList<int[]> rows)
    {
        int width = Math.Max(1, rows.Max(r => r.Length));
        var ids = new int[rows.Count * width];
        for (int b = 0; b < rows.Count; b++) rows[b].CopyTo(ids, b * width);
        return (ids, width);
    }

    /// <summary>Logits [B, T, V] of the whole model on sources [B, S] and decoder inputs [B, T] (copied out).</summary>
    public static float[] FullLogits(Transformer model, IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targetIn) =>
        FullForward(model, sources, targetIn).Logits;

    /// <summary>The same, also returning the network that ran it (its layers hold that pass's attention weights).</summary>
    public static (float[] Logits, TransformerNetwork Network) FullForward(Transformer model, IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targetIn)
    {
        var (src, s) = PadRows(sources);
        var (tgt, t) = PadRows(targetIn);
        if (targetIn.Any(r => r.Length != t)) throw new ArgumentException("Decoder inputs must have one length.");
        var network = model.CreateWorkspace();
        return (network.Forward(src, tgt, sources.Count, s, t, ForwardContext.Eval).Span.ToArray(), network);
    }

    /// <summary>log p(· | BOS + prefix, source) in double, from a full forward pass of one unpadded sentence.</summary>
    public static double[] NextLogProbs(Transformer model, int[] source, IReadOnlyList<int> prefix)
    {
        int vocab = model.Config.VocabSize;
        var input = new[] { model.Config.BosId }.Concat(prefix).ToArray();
        var logits = FullLogits(model, [source], [input]);
        return LogSoftmax(logits.AsSpan((input.Length - 1) * vocab, vocab));
    }

    public static double[] LogSoftmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float x in logits) max = Math.Max(max, x);
        double sum = 0;
        foreach (float x in logits) sum += Math.Exp(x - max);
        double logZ = max + Math.Log(sum);
        var result = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) result[i] = logits[i] - logZ;
        return result;
    }

    /// <summary>Σ log p of the tokens (then EOS when <paramref name="withEos"/>), each from its own full forward pass.</summary>
    public static double SequenceLogProb(Transformer model, int[] source, int[] tokens, bool withEos)
    {
        var sequence = withEos ? [.. tokens, model.Config.EosId] : tokens;
        double total = 0;
        for (int t = 0; t < sequence.Length; t++) total += NextLogProbs(model, source, tokens.Take(t).ToArray())[sequence[t]];
        return total;
    }

    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = actual[i] - (double)expected[i];
            diff += d * d;
            norm += (double)expected[i] * expected[i];
        }
        return Math.Sqrt(diff / norm);
    }
}
