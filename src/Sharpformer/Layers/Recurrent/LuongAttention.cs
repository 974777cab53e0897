using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers.Recurrent;

/// <summary>
/// Luong et al.'s global attention with the "dot" score: score_ij = h_iᵀ·s_j between decoder state h_i
/// and encoder output s_j, a_ij = softmax_j over the source positions the mask leaves, context
/// c_i = Σ_j a_ij s_j. The memory is keys and values at once, so h and s share one width d. No parameters
/// (the attentional layer tanh(W_c[c; h]) is a plain Linear of the caller). A single decoding step is a
/// forward with Tq = 1.
/// Caches: references to the queries and the memory, the attention weights a.
/// </summary>
public sealed class LuongAttention
{
    private readonly Tensor _dScores = new(0);
    private Tensor? _queries, _memory;
    private int _batch, _tq, _ts;

    public LuongAttention(int d)
    {
        if (d <= 0) throw new ArgumentOutOfRangeException(nameof(d), $"Attention width must be positive, got {d}.");
        D = d;
    }

    public int D { get; }

    /// <summary>The attention weights of the last forward, [B, Tq, Ts]: the attention map.</summary>
    public Tensor Weights { get; } = new(0);

    /// <summary>c [B, Tq, d] of the last forward.</summary>
    public Tensor Context { get; } = new(0);

    public Tensor QueryGrad { get; } = new(0);
    public Tensor MemoryGrad { get; } = new(0);

    /// <summary>queries h [B, Tq, d], memory s [B, Ts, d], mask over the source → context [B, Tq, d].</summary>
    public Tensor Forward(Tensor queries, Tensor memory, AttentionMask mask)
    {
        var (batch, tq, ts) = SourceAttention.Shapes("Luong attention", queries, D, memory, D, mask);
        (_queries, _memory, _batch, _tq, _ts) = (queries, memory, batch, tq, ts);
        int d = D;
        Weights.Resize(batch, tq, ts);
        Context.Resize(batch, tq, d);
        float[] a = Weights.Data, q = queries.Data, s = memory.Data, c = Context.Data;
        ComputePool.For(batch, b =>
        {
            var scores = a.AsSpan(b * tq * ts, tq * ts);
            var sb = s.AsSpan(b * ts * d, ts * d);
            // score [Tq, Ts] = h [Tq, d] · sᵀ [d, Ts]
            Gemm.Sgemm(false, true, tq, ts, d, 1f, q.AsSpan(b * tq * d, tq * d), d, sb, d, 0f, scores, ts);
            // a = softmax_j(score) over the visible source positions
            SourceAttention.Softmax(scores, b, tq, ts, mask);
            // c [Tq, d] = a [Tq, Ts] · s [Ts, d]
            SourceAttention.Context(scores, sb, c.AsSpan(b * tq * d, tq * d), tq, ts, d);
        });
        return Context;
    }

    /// <summary>∂L/∂c [B, Tq, d] → (∂L/∂h [B, Tq, d], ∂L/∂s [B, Ts, d]): s gets both its value and its key part.</summary>
    public (Tensor QueryGrad, Tensor MemoryGrad) Backward(Tensor dContext)
    {
        var queries = _queries ?? throw new InvalidOperationException("Luong attention: Backward called before Forward.");
        var memory = _memory!;
        int batch = _batch, tq = _tq, ts = _ts, d = D;
        if (dContext.Length != batch * tq * d) throw new ArgumentException($"Luong attention: dContext is {dContext}, expected [{batch}, {tq}, {d}].");
        _dScores.Resize(batch, tq, ts);
        QueryGrad.Resize(batch, tq, d);
        MemoryGrad.Resize(batch, ts, d);
        float[] a = Weights.Data, q = queries.Data, s = memory.Data, dc = dContext.Data, dsc = _dScores.Data, dq = QueryGrad.Data, dm = MemoryGrad.Data;
        ComputePool.For(batch, b =>
        {
            var sb = s.AsSpan(b * ts * d, ts * d);
            var qb = q.AsSpan(b * tq * d, tq * d);
            var dScores = dsc.AsSpan(b * tq * ts, tq * ts);
            var dMem = dm.AsSpan(b * ts * d, ts * d);
            // ∂s = aᵀ·∂c (s as values); ∂score = softmax backward of ∂a = ∂c·sᵀ
            SourceAttention.Backward(dc.AsSpan(b * tq * d, tq * d), a.AsSpan(b * tq * ts, tq * ts), sb, dScores, dMem, tq, ts, d);
            // ∂h [Tq, d] = ∂score [Tq, Ts] · s [Ts, d]
            Gemm.Sgemm(false, false, tq, d, ts, 1f, dScores, ts, sb, d, 0f, dq.AsSpan(b * tq * d, tq * d), d);
            // ∂s [Ts, d] += ∂scoreᵀ [Ts, Tq] · h [Tq, d]   (s as keys)
            Gemm.Sgemm(true, false, ts, d, tq, 1f, dScores, ts, qb, d, 1f, dMem, d);
        });
        return (QueryGrad, MemoryGrad);
    }
}
