using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;

namespace Sharpformer.Tests.Rnn;

/// <summary>Tiny RNN encoder–decoders of every architecture and cell, and the full training-path forward as a decoding yardstick.</summary>
internal static class TinyRnn
{
    public const int Pad = 0, Bos = 1, Eos = 2;

    /// <summary>Every architecture × cell, as "architecture/cell".</summary>
    public static TheoryData<string, RecurrentCellKind> All()
    {
        var data = new TheoryData<string, RecurrentCellKind>();
        foreach (var arch in RnnConfig.ArchitectureNames)
            foreach (var cell in Enum.GetValues<RecurrentCellKind>()) data.Add(arch, cell);
        return data;
    }

    public static TheoryData<string> Architectures() => new(RnnConfig.ArchitectureNames);

    /// <summary>E 6, H 5 (the additive attention 4 wide), vocabulary 13; two layers unless asked otherwise.</summary>
    public static RnnConfig Config(string architecture, RecurrentCellKind cell, int layers = 2, float dropout = 0f, int vocab = 13) =>
        RnnConfig.For(architecture) with
        {
            VocabSize = vocab, Cell = cell, EmbeddingSize = 6, HiddenSize = 5, Layers = layers, AttentionSize = 4, Dropout = dropout,
            PadId = Pad, BosId = Bos, EosId = Eos,
        };

    public static RnnSeq2Seq Build(RnnConfig config, int seed)
    {
        var model = new RnnSeq2Seq(config);
        model.Initialize(seed);
        // zero biases are a special point (a bias gradient that ignores the bias's value would pass): move off it;
        // and at these widths attention starts almost uniform, so its gradients would be tiny: sharpen it
        var rng = new Random(seed + 100);
        foreach (var p in model.Parameters)
        {
            if (p.Role == ParameterRole.Bias)
                for (int i = 0; i < p.Length; i++) p.Value.Span[i] += (float)(0.2 * (rng.NextDouble() - 0.5));
            if (p.Name.StartsWith("attention.", StringComparison.Ordinal) || p.Name.StartsWith("decoder.rnn.weight_hh", StringComparison.Ordinal))
                System.Numerics.Tensors.TensorPrimitives.Multiply(p.Value.Span, 3f, p.Value.Span);
        }
        return model;
    }

    public static RnnSeq2Seq Build(string architecture, RecurrentCellKind cell, int seed, int layers = 2, int vocab = 13) =>
        Build(Config(architecture, cell, layers, vocab: vocab), seed);

    /// <summary>Logits [B, T, V] of the training path (no cache) on sources and equally long decoder inputs, and the network that ran it.</summary>
    public static (float[] Logits, RnnNetwork Network) FullForward(RnnSeq2Seq model, IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targetIn)
    {
        var (src, s) = Inference.TinyModels.PadRows(sources);
        var (tgt, t) = Inference.TinyModels.PadRows(targetIn);
        if (targetIn.Any(r => r.Length != t)) throw new ArgumentException("Decoder inputs must have one length.");
        var network = model.CreateWorkspace();
        return (network.Forward(src, tgt, sources.Count, s, t, ForwardContext.Eval).Span.ToArray(), network);
    }
}
