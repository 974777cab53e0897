using System.Numerics.Tensors;
using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// One head's rows inside a [B, T, width] activation: element (b, t, c) of head h lives at
/// Offset + b·BatchStride + t·RowStride + h·headDim + c. Lets every head read Q, K, V straight out
/// of the packed projection output (or a KV cache) without copying.
/// </summary>
public readonly record struct HeadView(float[] Data, int Offset, int RowStride, int BatchStride)
{
    public Span<float> At(int b, int head, int headDim) => Data.AsSpan(Offset + b * BatchStride + head * headDim);
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
    private int _batch, _heads, _tq, _tk, _headDim;
    private bool _droppedLive;

    public ScaledDotProductAttention(DropoutLayer attentionDropout) => _dropout = attentionDropout;

    /// <summary>The softmax weights of the last forward pass, [B, h, Tq, Tk] (before dropout).</summary>
    public Tensor Weights { get; } = new(0);

    /// <summary>o_bh [Tq, d_k] = softmax(q_bh·k_bhᵀ/√d_k + mask)·v_bh for every batch row b and head h.</summary>
    public void Forward(HeadView q, HeadView k, HeadView v, HeadView o, int batch, int heads, int tq, int tk, int headDim,
        AttentionMask mask, ForwardContext ctx)
    {
        if (mask.Batch != batch || mask.KeyLength != tk) throw new ArgumentException($"Mask is [{mask.Batch}, {mask.KeyLength}], attention needs [{batch}, {tk}].");
        (_batch, _heads, _tq, _tk, _headDim) = (batch, heads, tq, tk, headDim);
        Weights.Resize(batch, heads, tq, tk);
        _droppedLive = ctx.Training && _dropout.P > 0f;
        var scores = new ScoresTask { Q = q, K = k, V = v, O = o, P = Weights.Data, Mask = mask, Heads = heads, Tq = tq, Tk = tk, HeadDim = headDim, WeighValues = !_droppedLive };
        ComputePool.For(batch * heads, ref scores);
        if (!_droppedLive) return;

        // Dropout on the attention weights, as PyTorch does: o = dropout(P)·V.
        _dropped.Resize(batch, heads, tq, tk);
        Weights.Span.CopyTo(_dropped.Span);
        _dropout.ForwardInPlace(_dropped.Span, ctx);
        var values = new WeighValuesTask { P = _dropped.Data, V = v, O = o, Heads = heads, Tq = tq, Tk = tk, HeadDim = headDim };
        ComputePool.For(batch * heads, ref values);
    }

    /// <summary>
    /// Given dO, writes dQ, dK, dV (overwriting) through the same views:
    /// dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − ⟨P, dP⟩), dQ = dS·K/√d_k, dK = dSᵀ·Q/√d_k.
    /// </summary>
    public void Backward(HeadView dO, HeadView q, HeadView k, HeadView v, HeadView dQ, HeadView dK, HeadView dV)
    {
        _dScores.Resize(_batch, _heads, _tq, _tk);
        var task = new BackwardTask
        {
            DO = dO, Q = q, K = k, V = v, DQ = dQ, DK = dK, DV = dV, P = Weights.Data, DScores = _dScores.Data,
            PDropped = _droppedLive ? _dropped.Data : Weights.Data, Dropout = _droppedLive ? _dropout : null,
            Heads = _heads, Tq = _tq, Tk = _tk, HeadDim = _headDim,
        };
        ComputePool.For(_batch * _heads, ref task);
    }

    // One (batch row, head) of the forward: scores, mask, softmax and (without dropout) P·V.
    private struct ScoresTask : IComputeTask
    {
        public HeadView Q, K, V, O;
        public float[] P;
        public AttentionMask Mask;
        public int Heads, Tq, Tk, HeadDim;
        public bool WeighValues;

        public readonly void Run(int bh)
        {
            int b = bh / Heads, h = bh % Heads;
            var scores = P.AsSpan(bh * Tq * Tk, Tq * Tk);
            float scale = 1f / MathF.Sqrt(HeadDim);
            // scores [Tq, Tk] = Q·Kᵀ / √d_k
            Gemm.Sgemm(false, true, Tq, Tk, HeadDim, scale, Q.At(b, h, HeadDim), Q.RowStride, K.At(b, h, HeadDim), K.RowStride, 0f, scores, Tk);
            MaskAndSoftmax(scores, b, Tq, Tk, Mask);
            // o [Tq, d_k] = P·V
            if (WeighValues)
                Gemm.Sgemm(false, false, Tq, HeadDim, Tk, 1f, scores, Tk, V.At(b, h, HeadDim), V.RowStride, 0f, O.At(b, h, HeadDim), O.RowStride);
        }
    }

    // o [Tq, d_k] = P_dropped·V for one (batch row, head).
    private struct WeighValuesTask : IComputeTask
    {
        public float[] P;
        public HeadView V, O;
        public int Heads, Tq, Tk, HeadDim;

        public readonly void Run(int bh)
        {
            int b = bh / Heads, h = bh % Heads;
            Gemm.Sgemm(false, false, Tq, HeadDim, Tk, 1f, P.AsSpan(bh * Tq * Tk, Tq * Tk), Tk, V.At(b, h, HeadDim), V.RowStride, 0f, O.At(b, h, HeadDim), O.RowStride);
        }
    }

    private struct BackwardTask : IComputeTask
    {
        public HeadView DO, Q, K, V, DQ, DK, DV;
        public float[] P, PDropped, DScores;
        public DropoutLayer? Dropout;
        public int Heads, Tq, Tk, HeadDim;

        public readonly void Run(int bh)
        {
            int b = bh / Heads, h = bh % Heads, tq = Tq, tk = Tk, hd = HeadDim;
            int at = bh * tq * tk;
            float scale = 1f / MathF.Sqrt(hd);
            var dS = DScores.AsSpan(at, tq * tk);
            // dV [Tk, d_k] = P_droppedᵀ [Tk, Tq] · dO [Tq, d_k]
            Gemm.Sgemm(true, false, tk, hd, tq, 1f, PDropped.AsSpan(at, tq * tk), tk, DO.At(b, h, hd), DO.RowStride, 0f, DV.At(b, h, hd), DV.RowStride);
            // dP [Tq, Tk] = dO [Tq, d_k] · Vᵀ [d_k, Tk]
            Gemm.Sgemm(false, true, tq, tk, hd, 1f, DO.At(b, h, hd), DO.RowStride, V.At(b, h, hd), V.RowStride, 0f, dS, tk);
            // dP ← dP ⊙ mask: the gradient reaches P only through the weights dropout kept.
            if (Dropout != null) TensorPrimitives.Multiply(dS, Dropout.Mask.Slice(at, tq * tk), dS);
            for (int i = 0; i < tq; i++)
            {
                var row = dS.Slice(i * tk, tk);
                Softmax.Backward(P.AsSpan(at + i * tk, tk), row, row);
            }
            // dQ [Tq, d_k] = dS [Tq, Tk] · K [Tk, d_k] / √d_k
            Gemm.Sgemm(false, false, tq, hd, tk, scale, dS, tk, K.At(b, h, hd), K.RowStride, 0f, DQ.At(b, h, hd), DQ.RowStride);
            // dK [Tk, d_k] = dSᵀ [Tk, Tq] · Q [Tq, d_k] / √d_k
            Gemm.Sgemm(true, false, tk, hd, tq, scale, dS, tk, Q.At(b, h, hd), Q.RowStride, 0f, DK.At(b, h, hd), DK.RowStride);
        }
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
