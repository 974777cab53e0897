using Sharpformer.Model;

namespace Sharpformer.Analysis;

/// <summary>Which part of a training step's activations a buffer belongs to, for the memory-vs-length comparison.</summary>
public enum ActivationKind
{
    /// <summary>
    /// The attention weights themselves: softmax(scores) of every query over every key. [B, h, T_q, T_k] per
    /// Transformer attention block (encoder self, decoder self, cross); [B, T, S] for an RNN decoder's attention.
    /// </summary>
    AttentionWeights,

    /// <summary>
    /// The other buffers of the attention computation that hold one entry (or vector) per query–key pair: the
    /// gradient of the scores, the dropped weights and their dropout mask (Transformer), and the additive
    /// attention's tanh(W_q h_i + W_k s_j) [B, T, S, A].
    /// </summary>
    AttentionPairs,

    /// <summary>Everything else (embeddings, projections, feed-forward, recurrent states and gates, logits): linear in the tokens.</summary>
    Other,
}

/// <summary>
/// A training network's activation memory (<see cref="ActivationBuffers.Measure"/>) split into the buffers whose size
/// grows with query length × key length (<see cref="ActivationKind.AttentionWeights"/>, <see cref="ActivationKind.AttentionPairs"/>)
/// and the rest. Buffers are told apart by their field path: inside a Transformer attention block everything its
/// ScaledDotProductAttention holds ("…Attention.attention.…"); in an RNN decoder the attention layer's weights, score
/// gradient and (additive) tanh activations. The tests hold the counts to the sizes the shapes give.
/// </summary>
public sealed record ActivationBreakdown(IReadOnlyList<ActivationBuffers.Buffer> Buffers)
{
    /// <summary>Bytes of every activation, cache and scratch buffer.</summary>
    public long TotalBytes => Buffers.Sum(b => b.Bytes);

    public long AttentionWeightBytes => Bytes(ActivationKind.AttentionWeights);
    public long AttentionPairBytes => Bytes(ActivationKind.AttentionPairs);

    /// <summary>Every buffer that holds one entry per query–key pair: weights and the rest.</summary>
    public long AttentionBytes => AttentionWeightBytes + AttentionPairBytes;

    /// <summary>The share of the attention (query × key) buffers in <see cref="TotalBytes"/>, 0..1.</summary>
    public double AttentionShare => TotalBytes == 0 ? 0 : (double)AttentionBytes / TotalBytes;

    public long Bytes(ActivationKind kind) => Buffers.Where(b => Classify(b.Path) == kind).Sum(b => b.Bytes);

    /// <summary>The activation buffers <paramref name="network"/> holds now (after a training step: what the step kept).</summary>
    public static ActivationBreakdown Of(object network) => new(ActivationBuffers.Measure(network));

    /// <summary>The kind of the buffer at <paramref name="path"/> (a path of <see cref="ActivationBuffers.Measure"/>).</summary>
    public static ActivationKind Classify(string path)
    {
        // Transformer: MultiHeadAttention._attention (a ScaledDotProductAttention) holds only [B, h, T_q, T_k] buffers
        int inside = path.IndexOf("Attention.attention.", StringComparison.Ordinal);
        if (inside >= 0)
            return path.EndsWith(".attention.Weights", StringComparison.Ordinal) ? ActivationKind.AttentionWeights : ActivationKind.AttentionPairs;
        // RNN: the decoder's one attention; its queries, keys, context and their gradients are linear in the tokens
        return path switch
        {
            "DotAttention.Weights" or "AdditiveAttention.Weights" => ActivationKind.AttentionWeights,
            "DotAttention.dScores" or "AdditiveAttention.dScores" or "AdditiveAttention.e" => ActivationKind.AttentionPairs,
            _ => ActivationKind.Other,
        };
    }
}
