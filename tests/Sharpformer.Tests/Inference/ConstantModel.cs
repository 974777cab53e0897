using Sharpformer.Model;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// A hand-made model whose next-token distribution is the same at every step, whatever the source and
/// prefix: pre-LN, with the decoder's final LayerNorm gain set to 0 and bias to e₀, so the decoder output is
/// e₀ at every position and the tied projection gives logits[v] = E[v, 0] = ln p[v]. Sequence
/// probabilities are then products of <c>p</c>, computable by hand.
/// </summary>
internal static class ConstantModel
{
    public static Transformer Build(double[] probabilities)
    {
        var config = new TransformerConfig
        {
            VocabSize = probabilities.Length, DModel = 8, Heads = 2, DFf = 8, EncoderLayers = 1, DecoderLayers = 1,
            NormFirst = true, Dropout = 0f, PadId = TinyModels.Pad, BosId = TinyModels.Bos, EosId = TinyModels.Eos,
        };
        var model = TinyModels.Build(config, seed: 1);
        var norm = model.CreateWorkspace().Decoder.FinalNorm!;   // a view of the model's weights
        norm.Gamma.Value.Span.Clear();
        norm.Beta.Value.Span.Clear();
        norm.Beta.Value.Span[0] = 1f;
        var embed = model.Embed.Value.Span;
        for (int v = 0; v < probabilities.Length; v++) embed[v * config.DModel] = (float)Math.Log(probabilities[v]);
        return model;
    }
}
