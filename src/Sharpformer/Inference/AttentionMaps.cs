using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>Attention maps of one translated sentence, for display or alignment.</summary>
public static class AttentionMaps
{
    /// <summary>
    /// Feeds BOS and then <paramref name="output"/> (a decoded sentence, e.g. a search's best tokens with
    /// EOS appended if wanted) through the decoder for one source <paramref name="source"/> [S] and returns one
    /// <see cref="AttentionStep"/> per output token: step t holds the weights of the position that predicted
    /// output[t] (Self over positions 0..t, Cross over the source).
    /// </summary>
    public static IReadOnlyList<AttentionStep> Collect(Transformer model, ReadOnlySpan<int> source, ReadOnlySpan<int> output)
    {
        if (output.Length == 0) return [];
        var memory = model.Encode(source, 1, source.Length, ForwardContext.Eval);   // [1, S, d]
        var decoder = new IncrementalDecoder(model, output.Length) { RecordAttention = true };
        decoder.Start(memory, source);
        var logits = new float[model.Config.VocabSize];
        int token = model.Config.BosId;
        for (int t = 0; t < output.Length; t++)
        {
            decoder.Step([token], logits);
            token = output[t];
        }
        return decoder.AttentionHistory(0);
    }
}
