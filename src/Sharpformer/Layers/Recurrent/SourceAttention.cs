using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers.Recurrent;

/// <summary>
/// What the attentions of an RNN encoder-decoder share, per batch row: the masked softmax of the scores
/// over the source (a_ij = softmax_j(score_ij), zero at masked keys), the context c_i = Σ_j a_ij s_j
/// read from the encoder memory s, and the backward of both. Holds nothing.
/// </summary>
internal static class SourceAttention
{
    /// <summary>Checks queries [B, Tq, dq] against memory [B, Ts, ds] and the mask; returns (B, Tq, Ts).</summary>
    public static (int Batch, int Tq, int Ts) Shapes(string what, Tensor queries, int queryDim, Tensor memory, int memoryDim, AttentionMask mask)
    {
        if (queries.Rank != 3 || queries.Dim(2) != queryDim) throw new ArgumentException($"{what}: queries must be [B, Tq, {queryDim}], got {queries}.");
        if (memory.Rank != 3 || memory.Dim(2) != memoryDim || memory.Dim(0) != queries.Dim(0))
            throw new ArgumentException($"{what}: memory must be [{queries.Dim(0)}, Ts, {memoryDim}], got {memory}.");
        int batch = queries.Dim(0), ts = memory.Dim(1);
        if (mask.Batch != batch || mask.KeyLength != ts) throw new ArgumentException($"{what}: mask is [{mask.Batch}, {mask.KeyLength}], the memory [{batch}, {ts}].");
        return (batch, queries.Dim(1), ts);
    }

    /// <summary>Whether query i of row b may attend to source position j (not padding, inside a causal prefix if any).</summary>
    public static bool Visible(AttentionMask mask, int b, int i, int j) =>
        j < mask.VisibleKeys(i) && !(mask.HasPadding && mask.KeyPadding[b * mask.KeyLength + j]);

    /// <summary>scores [Tq, Ts] of row b → weights in place: a_ij = softmax_j(score_ij) over the visible keys, 0 elsewhere.</summary>
    public static void Softmax(Span<float> scores, int b, int tq, int ts, AttentionMask mask)
    {
        var padding = mask.HasPadding ? mask.KeyPadding.Slice(b * ts, ts) : default;
        for (int i = 0; i < tq; i++)
        {
            var row = scores.Slice(i * ts, ts);
            int visible = mask.VisibleKeys(i);
            if (!padding.IsEmpty)
                for (int j = 0; j < visible; j++)
                    if (padding[j]) row[j] = float.NegativeInfinity;
            Kernels.Softmax.InPlace(row, visible);
        }
    }

    /// <summary>context [Tq, d] = a [Tq, Ts] · s [Ts, d] for one row.</summary>
    public static void Context(ReadOnlySpan<float> a, ReadOnlySpan<float> s, Span<float> context, int tq, int ts, int d) =>
        Gemm.Sgemm(false, false, tq, d, ts, 1f, a, ts, s, d, 0f, context, d);

    /// <summary>
    /// The backward of <see cref="Context"/> and <see cref="Softmax"/> for one row: ∂s [Ts, d] = aᵀ·∂c
    /// (overwriting), ∂a = ∂c·sᵀ, then ∂score = a ⊙ (∂a − ⟨a, ∂a⟩) into <paramref name="dScores"/> [Tq, Ts]
    /// (zero at masked keys, since a is zero there).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dContext, ReadOnlySpan<float> a, ReadOnlySpan<float> s, Span<float> dScores, Span<float> dMemory,
        int tq, int ts, int d)
    {
        // ∂s [Ts, d] = aᵀ [Ts, Tq] · ∂c [Tq, d]
        Gemm.Sgemm(true, false, ts, d, tq, 1f, a, ts, dContext, d, 0f, dMemory, d);
        // ∂a [Tq, Ts] = ∂c [Tq, d] · sᵀ [d, Ts]
        Gemm.Sgemm(false, true, tq, ts, d, 1f, dContext, d, s, d, 0f, dScores, ts);
        for (int i = 0; i < tq; i++)
        {
            var row = dScores.Slice(i * ts, ts);
            Kernels.Softmax.Backward(a.Slice(i * ts, ts), row, row);
        }
    }

    /// <summary><see cref="Backward"/> for every batch row of [B, Tq, d] / [B, Tq, Ts] / [B, Ts, d] buffers, as a struct task (no allocation).</summary>
    public struct BackwardTask : IComputeTask
    {
        public float[] DContext, A, S, DScores, DMemory;
        public int Tq, Ts, D;

        public readonly void Run(int b) =>
            Backward(DContext.AsSpan(b * Tq * D, Tq * D), A.AsSpan(b * Tq * Ts, Tq * Ts), S.AsSpan(b * Ts * D, Ts * D),
                DScores.AsSpan(b * Tq * Ts, Tq * Ts), DMemory.AsSpan(b * Ts * D, Ts * D), Tq, Ts, D);
    }
}
