using System.Numerics.Tensors;
using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers.Recurrent;

/// <summary>
/// Bahdanau et al.'s additive attention: score_ij = vᵀ·tanh(W_q h_i + W_k s_j) between a decoder state
/// h_i and encoder output s_j, a_ij = softmax_j over the source positions the mask leaves, context
/// c_i = Σ_j a_ij s_j. Parameters (no biases, as in the paper): "{name}.query.weight" W_q [A, dq],
/// "{name}.key.weight" W_k [A, ds], "{name}.v.weight" v [1, A]. The keys W_k s are projected once for
/// all queries (a decoder projects them once per sentence: <see cref="ProjectKeys"/>). A single decoding step is a forward with Tq = 1.
/// Caches: references to the queries and the memory, the projections W_q h and W_k s, the
/// activations e_ij = tanh(W_q h_i + W_k s_j) [B, Tq, Ts, A] and the attention weights a.
/// </summary>
public sealed class BahdanauAttention
{
    private readonly Tensor _q = new(0), _k = new(0), _e = new(0), _dScores = new(0), _dq = new(0), _dk = new(0);
    private Tensor? _queries, _memory;
    private int _batch, _tq, _ts;

    public BahdanauAttention(ParameterStore store, string name, int queryDim, int memoryDim, int attentionDim)
    {
        if (queryDim <= 0 || memoryDim <= 0 || attentionDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(attentionDim), $"Attention sizes must be positive, got {queryDim}, {memoryDim}, {attentionDim}.");
        (QueryDim, MemoryDim, AttentionDim) = (queryDim, memoryDim, attentionDim);
        string prefix = name.Length == 0 ? "" : name + ".";
        QueryWeight = store.Get(prefix + "query.weight", ParameterRole.Weight, [attentionDim, queryDim]);
        KeyWeight = store.Get(prefix + "key.weight", ParameterRole.Weight, [attentionDim, memoryDim]);
        V = store.Get(prefix + "v.weight", ParameterRole.Weight, [1, attentionDim]);
    }

    public int QueryDim { get; }
    public int MemoryDim { get; }
    public int AttentionDim { get; }
    public Parameter QueryWeight { get; }
    public Parameter KeyWeight { get; }
    public Parameter V { get; }

    /// <summary>The attention weights of the last forward, [B, Tq, Ts]: the attention map.</summary>
    public Tensor Weights { get; } = new(0);

    /// <summary>c [B, Tq, ds] of the last forward.</summary>
    public Tensor Context { get; } = new(0);

    public Tensor QueryGrad { get; } = new(0);
    public Tensor MemoryGrad { get; } = new(0);

    public IEnumerable<Parameter> Parameters()
    {
        yield return QueryWeight;
        yield return KeyWeight;
        yield return V;
    }

    /// <summary>
    /// keys [rows, A] = memory [rows, ds] · W_kᵀ: the key side of every score, which depends on the source only,
    /// so a decoder projects it once per sentence and hands it to each step's <see cref="Forward"/>.
    /// </summary>
    public void ProjectKeys(ReadOnlySpan<float> memory, int rows, Span<float> keys) =>
        Linear.Project(memory, rows, MemoryDim, KeyWeight.Value.Span, default, AttentionDim, keys);

    /// <summary>
    /// queries h [B, Tq, dq], memory s [B, Ts, ds], mask over the source → context [B, Tq, ds]. The keys
    /// W_k s [B, Ts, A] are projected here unless <paramref name="projectedKeys"/> holds them already (decoding).
    /// </summary>
    public Tensor Forward(Tensor queries, Tensor memory, AttentionMask mask, Tensor? projectedKeys = null)
    {
        var (batch, tq, ts) = SourceAttention.Shapes("Bahdanau attention", queries, QueryDim, memory, MemoryDim, mask);
        (_queries, _memory, _batch, _tq, _ts) = (queries, memory, batch, tq, ts);
        int att = AttentionDim, ds = MemoryDim;
        // W_q h [B·Tq, A] and W_k s [B·Ts, A], each one GEMM
        _q.Resize(batch, tq, att);
        Linear.Project(queries.Span, batch * tq, QueryDim, QueryWeight.Value.Span, default, att, _q.Span);
        Tensor keys;
        if (projectedKeys == null)
        {
            keys = _k.Resize(batch, ts, att);
            ProjectKeys(memory.Span, batch * ts, keys.Span);
        }
        else if (projectedKeys.Length != batch * ts * att)
            throw new ArgumentException($"Bahdanau attention: projected keys are {projectedKeys}, expected [{batch}, {ts}, {att}].");
        else keys = projectedKeys;
        _e.Resize(batch, tq, ts, att);                                                   // [B, Tq, Ts, A]
        Weights.Resize(batch, tq, ts);
        Context.Resize(batch, tq, ds);
        var task = new ForwardTask
        {
            Q = _q.Data, K = keys.Data, E = _e.Data, V = V.Value.Data, A = Weights.Data, S = memory.Data, C = Context.Data,
            Mask = mask, Tq = tq, Ts = ts, Att = att, Ds = ds,
        };
        ComputePool.For(batch, ref task);
        return Context;
    }

    /// <summary>
    /// ∂L/∂c [B, Tq, ds] → (∂L/∂h [B, Tq, dq], ∂L/∂s [B, Ts, ds]); accumulates the gradients of W_q, W_k and v.
    /// </summary>
    public (Tensor QueryGrad, Tensor MemoryGrad) Backward(Tensor dContext)
    {
        var queries = _queries ?? throw new InvalidOperationException("Bahdanau attention: Backward called before Forward.");
        var memory = _memory!;
        int batch = _batch, tq = _tq, ts = _ts, att = AttentionDim, ds = MemoryDim;
        if (dContext.Length != batch * tq * ds) throw new ArgumentException($"Bahdanau attention: dContext is {dContext}, expected [{batch}, {tq}, {ds}].");
        _dScores.Resize(batch, tq, ts);
        _dq.Resize(batch, tq, att);
        _dk.Resize(batch, ts, att);
        QueryGrad.Resize(batch, tq, QueryDim);
        MemoryGrad.Resize(batch, ts, ds);

        // ∂s = aᵀ·∂c (s as values) and ∂score, row by row
        var values = new SourceAttention.BackwardTask
        {
            DContext = dContext.Data, A = Weights.Data, S = memory.Data, DScores = _dScores.Data, DMemory = MemoryGrad.Data, Tq = tq, Ts = ts, D = ds,
        };
        ComputePool.For(batch, ref values);
        // ∂v [1, A] += Σ_ij ∂score_ij e_ij = ∂score [1, B·Tq·Ts] · e [B·Tq·Ts, A]
        int pairs = batch * tq * ts;
        Gemm.Sgemm(false, false, 1, att, pairs, 1f, _dScores.Span, pairs, _e.Span, att, 1f, V.Grad.Span, att);
        // ∂(W_q h_i + W_k s_j) = ∂score_ij · v ⊙ (1 − e_ij²), summed over j into ∂(W_q h_i) and over i into ∂(W_k s_j)
        _dq.Clear();
        _dk.Clear();
        var scores = new ScoreBackwardTask { DScores = _dScores.Data, E = _e.Data, V = V.Value.Data, Dq = _dq.Data, Dk = _dk.Data, Tq = tq, Ts = ts, Att = att };
        ComputePool.For(batch, ref scores);
        // ∂h [B·Tq, dq] = ∂(W_q h) · W_q; dW_q += ∂(W_q h)ᵀ · h
        Linear.ProjectBackward(_dq.Span, queries.Span, batch * tq, QueryDim, QueryWeight.Value.Span, att, QueryWeight.Grad.Span, default, QueryGrad.Span);
        // ∂s [B·Ts, ds] += ∂(W_k s) · W_k (s as keys); dW_k += ∂(W_k s)ᵀ · s
        Linear.ProjectBackward(_dk.Span, memory.Span, batch * ts, ds, KeyWeight.Value.Span, att, KeyWeight.Grad.Span, default, MemoryGrad.Span, accumulateDx: true);
        return (QueryGrad, MemoryGrad);
    }

    // One batch row of the forward: e, scores, softmax and context. A struct task, so a step allocates nothing.
    private struct ForwardTask : IComputeTask
    {
        public float[] Q, K, E, V, A, S, C;
        public AttentionMask Mask;
        public int Tq, Ts, Att, Ds;

        public readonly void Run(int b)
        {
            int tq = Tq, ts = Ts, att = Att;
            var scores = A.AsSpan(b * tq * ts, tq * ts);
            for (int i = 0; i < tq; i++)
                for (int j = 0; j < ts; j++)
                {
                    var eij = E.AsSpan(((b * tq + i) * ts + j) * att, att);
                    // masked keys: no score; e is zeroed so the backward's dv product reads only finite values
                    if (!SourceAttention.Visible(Mask, b, i, j)) { eij.Clear(); scores[i * ts + j] = float.NegativeInfinity; continue; }
                    // e_ij = tanh(W_q h_i + W_k s_j); score_ij = vᵀ·e_ij
                    TensorPrimitives.Add(Q.AsSpan((b * tq + i) * att, att), K.AsSpan((b * ts + j) * att, att), eij);
                    GateActivations.Tanh(eij, eij);
                    scores[i * ts + j] = TensorPrimitives.Dot(V.AsSpan(0, att), eij);
                }
            // a = softmax_j(score); c [Tq, ds] = a [Tq, Ts] · s [Ts, ds]
            SourceAttention.Softmax(scores, b, tq, ts, Mask);
            SourceAttention.Context(scores, S.AsSpan(b * ts * Ds, ts * Ds), C.AsSpan(b * tq * Ds, tq * Ds), tq, ts, Ds);
        }
    }

    // One batch row of ∂(W_q h) and ∂(W_k s) from ∂score through tanh.
    private struct ScoreBackwardTask : IComputeTask
    {
        public float[] DScores, E, V, Dq, Dk;
        public int Tq, Ts, Att;

        public readonly void Run(int b)
        {
            int tq = Tq, ts = Ts, att = Att;
            Span<float> pre = att <= 1024 ? stackalloc float[att] : new float[att];
            for (int i = 0; i < tq; i++)
            {
                var dqi = Dq.AsSpan((b * tq + i) * att, att);
                for (int j = 0; j < ts; j++)
                {
                    float g = DScores[(b * tq + i) * ts + j];
                    if (g == 0f) continue;                                               // masked keys, among others
                    TensorPrimitives.Multiply(V.AsSpan(0, att), g, pre);
                    GateActivations.TanhBackward(E.AsSpan(((b * tq + i) * ts + j) * att, att), pre, pre);
                    TensorPrimitives.Add(dqi, pre, dqi);
                    var dkj = Dk.AsSpan((b * ts + j) * att, att);
                    TensorPrimitives.Add(dkj, pre, dkj);
                }
            }
        }
    }
}
