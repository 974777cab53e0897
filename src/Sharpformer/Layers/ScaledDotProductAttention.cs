using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// One head's rows inside a [B, T, width] activation: element (b, t, c) of head h lives at
/// Offset + b·BatchStride + t·RowStride + h·d_k + c. Lets every head read Q, K, V straight out
/// of the packed projection output (or a KV cache) without copying.
/// </summary>
public readonly record struct HeadView(float[] Data, int Offset, int RowStride, int BatchStride)
{
    public Span<float> At(int b, int head, int dk) => Data.AsSpan(Offset + b * BatchStride + head * dk);
}

/// <summary>
/// Attention(Q, K, V) = softmax(Q·Kᵀ/√d_k)·V, run for every batch row and head in parallel.
/// Caches: the attention weights P [B, h, Tq, Tk] (also the attention maps handed to users) and,
/// under dropout, the dropped weights and their mask.
/// </summary>
public sealed class ScaledDotProductAttention
{
    private readonly DropoutLayer _dropout;
    private readonly Tensor _dropped = new(0), _dScores = new(0);
    private int _batch, _heads, _tq, _tk, _dk;
    private bool _droppedLive;

    public ScaledDotProductAttention(DropoutLayer attentionDropout) => _dropout = attentionDropout;

    /// <summary>The softmax weights of the last forward pass, [B, h, Tq, Tk] (before dropout).</summary>
    public Tensor Weights { get; } = new(0);

    /// <summary>o_bh [Tq, d_k] = softmax(q_bh·k_bhᵀ/√d_k + mask)·v_bh for every batch row b and head h.</summary>
    public void Forward(HeadView q, HeadView k, HeadView v, HeadView o, int batch, int heads, int tq, int tk, int dk,
        AttentionMask mask, ForwardContext ctx)
    {
        if (mask.Batch != batch || mask.KeyLength != tk) throw new ArgumentException($"Mask is [{mask.Batch}, {mask.KeyLength}], attention needs [{batch}, {tk}].");
        (_batch, _heads, _tq, _tk, _dk) = (batch, heads, tq, tk, dk);
        Weights.Resize(batch, heads, tq, tk);
        float[] p = Weights.Data;
        float scale = 1f / MathF.Sqrt(dk);
        _droppedLive = ctx.Training && _dropout.P > 0f;

        ComputePool.For(batch * heads, bh =>
        {
            int b = bh / heads, h = bh % heads;
            var scores = p.AsSpan(bh * tq * tk, tq * tk);
            // scores [Tq, Tk] = Q·Kᵀ / √d_k
            Gemm.Sgemm(false, true, tq, tk, dk, scale, q.At(b, h, dk), q.RowStride, k.At(b, h, dk), k.RowStride, 0f, scores, tk);
            MaskAndSoftmax(scores, b, tq, tk, mask);
            // o [Tq, d_k] = P·V
            if (!_droppedLive)
                Gemm.Sgemm(false, false, tq, dk, tk, 1f, scores, tk, v.At(b, h, dk), v.RowStride, 0f, o.At(b, h, dk), o.RowStride);
        });
        if (!_droppedLive) return;

        // Dropout on the attention weights, as PyTorch does: o = dropout(P)·V.
        _dropped.Resize(batch, heads, tq, tk);
        Weights.Span.CopyTo(_dropped.Span);
        _dropout.ForwardInPlace(_dropped.Span, ctx);
        float[] pd = _dropped.Data;
        ComputePool.For(batch * heads, bh =>
        {
            int b = bh / heads, h = bh % heads;
            Gemm.Sgemm(false, false, tq, dk, tk, 1f, pd.AsSpan(bh * tq * tk, tq * tk), tk, v.At(b, h, dk), v.RowStride, 0f, o.At(b, h, dk), o.RowStride);
        });
    }

    /// <summary>
    /// Given dO, writes dQ, dK, dV (overwriting) through the same views:
    /// dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − ⟨P, dP⟩), dQ = dS·K/√d_k, dK = dSᵀ·Q/√d_k.
    /// </summary>
    public void Backward(HeadView dO, HeadView q, HeadView k, HeadView v, HeadView dq, HeadView dkv, HeadView dv)
    {
        int batch = _batch, heads = _heads, tq = _tq, tk = _tk, dk = _dk;
        _dScores.Resize(batch, heads, tq, tk);
        float[] p = Weights.Data, pd = _droppedLive ? _dropped.Data : Weights.Data, ds = _dScores.Data;
        float scale = 1f / MathF.Sqrt(dk);
        bool dropped = _droppedLive;

        ComputePool.For(batch * heads, bh =>
        {
            int b = bh / heads, h = bh % heads;
            int at = bh * tq * tk;
            var dS = ds.AsSpan(at, tq * tk);
            // dV [Tk, d_k] = P_droppedᵀ [Tk, Tq] · dO [Tq, d_k]
            Gemm.Sgemm(true, false, tk, dk, tq, 1f, pd.AsSpan(at, tq * tk), tk, dO.At(b, h, dk), dO.RowStride, 0f, dv.At(b, h, dk), dv.RowStride);
            // dP [Tq, Tk] = dO [Tq, d_k] · Vᵀ [d_k, Tk]
            Gemm.Sgemm(false, true, tq, tk, dk, 1f, dO.At(b, h, dk), dO.RowStride, v.At(b, h, dk), v.RowStride, 0f, dS, tk);
            // dP ← dP ⊙ mask: the gradient reaches P only through the weights dropout kept.
            if (dropped) System.Numerics.Tensors.TensorPrimitives.Multiply(dS, _dropout.Mask.Slice(at, tq * tk), dS);
            for (int i = 0; i < tq; i++)
            {
                var row = dS.Slice(i * tk, tk);
                Softmax.Backward(p.AsSpan(at + i * tk, tk), row, row);
            }
            // dQ [Tq, d_k] = dS [Tq, Tk] · K [Tk, d_k] / √d_k
            Gemm.Sgemm(false, false, tq, dk, tk, scale, dS, tk, k.At(b, h, dk), k.RowStride, 0f, dq.At(b, h, dk), dq.RowStride);
            // dK [Tk, d_k] = dSᵀ [Tk, Tq] · Q [Tq, d_k] / √d_k
            Gemm.Sgemm(true, false, tk, dk, tq, scale, dS, tk, q.At(b, h, dk), q.RowStride, 0f, dkv.At(b, h, dk), dkv.RowStride);
        });
    }

    private static void MaskAndSoftmax(Span<float> scores, int b, int tq, int tk, AttentionMask mask)
    {
        var padding = mask.HasPadding ? mask.KeyPadding.Slice(b * tk, tk) : default;
        for (int i = 0; i < tq; i++)
        {
            var row = scores.Slice(i * tk, tk);
            int visible = mask.VisibleKeys(i);
            if (!padding.IsEmpty)
                for (int j = 0; j < visible; j++)
                    if (padding[j]) row[j] = float.NegativeInfinity;
            Softmax.InPlace(row, visible);
        }
    }
}
