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
        Weights.Resize(batch, tq, ts);
        Context.Resize(batch, tq, D);
        var task = new ForwardTask { A = Weights.Data, Q = queries.Data, S = memory.Data, C = Context.Data, Mask = mask, Tq = tq, Ts = ts, D = D };
        ComputePool.For(batch, ref task);
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
        var task = new BackwardTask
        {
            Values = new SourceAttention.BackwardTask { DContext = dContext.Data, A = Weights.Data, S = memory.Data, DScores = _dScores.Data, DMemory = MemoryGrad.Data, Tq = tq, Ts = ts, D = d },
            Q = queries.Data, Dq = QueryGrad.Data,
        };
        ComputePool.For(batch, ref task);
        return (QueryGrad, MemoryGrad);
    }

    // One batch row of the forward. A struct task, so a step allocates nothing.
    private struct ForwardTask : IComputeTask
    {
        public float[] A, Q, S, C;
        public AttentionMask Mask;
        public int Tq, Ts, D;

        public readonly void Run(int b)
        {
            int tq = Tq, ts = Ts, d = D;
            var scores = A.AsSpan(b * tq * ts, tq * ts);
            var sb = S.AsSpan(b * ts * d, ts * d);
            // score [Tq, Ts] = h [Tq, d] · sᵀ [d, Ts]
            Gemm.Sgemm(false, true, tq, ts, d, 1f, Q.AsSpan(b * tq * d, tq * d), d, sb, d, 0f, scores, ts);
            // a = softmax_j(score) over the visible source positions
            SourceAttention.Softmax(scores, b, tq, ts, Mask);
            // c [Tq, d] = a [Tq, Ts] · s [Ts, d]
            SourceAttention.Context(scores, sb, C.AsSpan(b * tq * d, tq * d), tq, ts, d);
        }
    }

    // One batch row of the backward.
    private struct BackwardTask : IComputeTask
    {
        public SourceAttention.BackwardTask Values;
        public float[] Q, Dq;

        public readonly void Run(int b)
        {
            int tq = Values.Tq, ts = Values.Ts, d = Values.D;
            // ∂s = aᵀ·∂c (s as values); ∂score = softmax backward of ∂a = ∂c·sᵀ
            Values.Run(b);
            var sb = Values.S.AsSpan(b * ts * d, ts * d);
            var dScores = Values.DScores.AsSpan(b * tq * ts, tq * ts);
            // ∂h [Tq, d] = ∂score [Tq, Ts] · s [Ts, d]
            Gemm.Sgemm(false, false, tq, d, ts, 1f, dScores, ts, sb, d, 0f, Dq.AsSpan(b * tq * d, tq * d), d);
            // ∂s [Ts, d] += ∂scoreᵀ [Ts, Tq] · h [Tq, d]   (s as keys)
            Gemm.Sgemm(true, false, ts, d, tq, 1f, dScores, ts, Q.AsSpan(b * tq * d, tq * d), d, 1f, Values.DMemory.AsSpan(b * ts * d, ts * d), d);
        }
    }
}
