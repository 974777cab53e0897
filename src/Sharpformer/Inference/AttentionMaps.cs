using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>
/// The attention weights of one decoding step for one sentence: <see cref="Self"/>[layer][head][key] over
/// the target positions fed so far (the current one included; empty for architectures without decoder
/// self-attention) and <see cref="Cross"/>[layer][head][key] over the source positions (padding keys get
/// weight 0). Each head's weights sum to 1.
/// </summary>
public sealed record AttentionStep(float[][][] Self, float[][][] Cross);

/// <summary>Attention maps of one translated sentence, for display or alignment, through the model contract.</summary>
public static class AttentionMaps
{
    /// <summary>
    /// Feeds BOS and then <paramref name="output"/> (a decoded sentence, e.g. a search's best tokens with
    /// EOS appended if wanted) through the decoder for one source <paramref name="source"/> [S] and returns one
    /// <see cref="AttentionStep"/> per output token: step t holds the weights of the position that predicted
    /// output[t] (Self over positions 0..t, Cross over the source).
    /// </summary>
    public static IReadOnlyList<AttentionStep> Collect(ISeq2SeqModel model, ReadOnlySpan<int> source, ReadOnlySpan<int> output)
    {
        if (output.Length == 0) return [];
        var encoded = model.Encode(source, 1, source.Length);
        using var decoder = model.StartDecoder(encoded, copies: 1, maxSteps: output.Length, withAttention: true);
        var steps = new List<AttentionStep>(output.Length);
        int token = model.Tokens.BosId;
        for (int t = 0; t < output.Length; t++)
        {
            decoder.Step([token]);
            var a = decoder.LastAttention!;
            steps.Add(new AttentionStep(Row(a.Self), Row(a.Cross)));
            token = output[t];
        }
        return steps;
    }

    // Row 0 of per-layer [rows, heads, keys] maps as [layer][head][key].
    private static float[][][] Row(IReadOnlyList<Tensors.Tensor> maps) =>
        maps.Select(m => Enumerable.Range(0, m.Dim(1)).Select(h => m.Span.Slice(h * m.Dim(2), m.Dim(2)).ToArray()).ToArray()).ToArray();
}
