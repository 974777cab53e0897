using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// MultiHead(Q, K, V) = Concat(head_1..head_h)·W_O with head_i = Attention(Q·W_Qi, K·W_Ki, V·W_Vi).
/// Weights use PyTorch's layout: in_proj_weight [3d, d] = [W_Q; W_K; W_V] (all heads side by side),
/// in_proj_bias [3d], out_proj [d, d]; <see cref="WQ"/>, <see cref="WK"/>, <see cref="WV"/> name the blocks.
/// Self-attention projects Q, K, V with one GEMM; cross-attention projects Q from the decoder and K, V
/// from the encoder memory. The decoding steps (<see cref="StepSelf"/>, <see cref="StepCross"/>) run the
/// same projections and attention on one new position per row, reading earlier keys and values from a cache.
/// Caches: the inputs (references), the projections, the concatenated heads, the attention weights.
/// </summary>
public sealed class MultiHeadAttention
{
    private readonly int _d, _heads, _headDim;
    private readonly ScaledDotProductAttention _attention;
    private readonly Tensor _qkv = new(0), _q = new(0), _kv = new(0), _context = new(0);
    private readonly Tensor _dqkv = new(0), _dq = new(0), _dkv = new(0);
    private readonly AttentionMask _stepMask = new();
    private Tensor? _query, _memory;
    private int _batch, _tq, _tk;

    public MultiHeadAttention(ParameterStore store, string name, int d, int heads, DropoutLayer attentionDropout)
    {
        if (d % heads != 0) throw new ArgumentException($"d_model {d} is not divisible by {heads} heads.");
        (_d, _heads, _headDim) = (d, heads, d / heads);
        InProjWeight = store.Get(name + ".in_proj_weight", ParameterRole.Weight, [3 * d, d]);
        InProjBias = store.Get(name + ".in_proj_bias", ParameterRole.Bias, [3 * d]);
        OutProj = new Linear(store, name + ".out_proj", d, d);
        _attention = new ScaledDotProductAttention(attentionDropout);
        WQ = WeightBlock("W_Q", 0, 1);
        WK = WeightBlock("W_K", 1, 2);
        WV = WeightBlock("W_V", 2, 3);
        WKV = WeightBlock("W_K;W_V", 1, 3);
        BQ = BiasBlock("b_Q", 0, 1);
        BKV = BiasBlock("b_K;b_V", 1, 3);
    }

    public Parameter InProjWeight { get; }
    public Parameter InProjBias { get; }
    public Linear OutProj { get; }
    public int Heads => _heads;
    public int HeadDim => _headDim;

    /// <summary>The query, key and value projections [d, d] (all heads side by side): views into <see cref="InProjWeight"/> and its gradient.</summary>
    public ParameterBlock WQ { get; }
    public ParameterBlock WK { get; }
    public ParameterBlock WV { get; }

    /// <summary>W_K and W_V together [2d, d] (cross-attention projects the memory with both in one GEMM), and the biases.</summary>
    public ParameterBlock WKV { get; }
    public ParameterBlock BQ { get; }
    public ParameterBlock BKV { get; }

    /// <summary>The output projection W_O [d, d].</summary>
    public Parameter WO => OutProj.Weight;

    /// <summary>Attention weights of the last forward or step, [B, h, Tq, Tk]: the attention maps.</summary>
    public Tensor Weights => _attention.Weights;

    /// <summary>Gradient w.r.t. the query input (after a Backward).</summary>
    public Tensor InputGrad { get; } = new(0);

    /// <summary>Gradient w.r.t. the encoder memory (after a cross-attention Backward).</summary>
    public Tensor MemoryGrad { get; } = new(0);

    public IEnumerable<Parameter> Parameters()
    {
        yield return InProjWeight;
        yield return InProjBias;
        foreach (var p in OutProj.Parameters()) yield return p;
    }

    /// <summary>Self-attention: x [B, T, d] → [B, T, d], with Q, K and V all from x.</summary>
    public Tensor ForwardSelf(Tensor x, AttentionMask mask, ForwardContext ctx)
    {
        (_query, _memory) = (x, null);
        (_batch, _tq, _tk) = (x.Dim(0), x.Dim(1), x.Dim(1));
        // [Q K V] [B·T, 3d] = x·[W_Q; W_K; W_V]ᵀ + b
        _qkv.Resize(_batch, _tq, 3 * _d);
        Linear.Project(x.Span, _batch * _tq, _d, InProjWeight.Value.Span, InProjBias.Value.Span, 3 * _d, _qkv.Span);
        return Attend(View(_qkv, 0, 3 * _d, _tq), View(_qkv, _d, 3 * _d, _tq), View(_qkv, 2 * _d, 3 * _d, _tq), mask, ctx);
    }

    /// <summary>Cross-attention: queries from x [B, Tq, d], keys and values from memory [B, Tk, d].</summary>
    public Tensor ForwardCross(Tensor x, Tensor memory, AttentionMask mask, ForwardContext ctx)
    {
        (_query, _memory) = (x, memory);
        (_batch, _tq, _tk) = (x.Dim(0), x.Dim(1), memory.Dim(1));
        // Q [B·Tq, d] = x·W_Qᵀ + b_Q
        _q.Resize(_batch, _tq, _d);
        Linear.Project(x.Span, _batch * _tq, _d, WQ.Value, BQ.Value, _d, _q.Span);
        _kv.Resize(_batch, _tk, 2 * _d);
        ProjectKeysValues(memory.Span, _batch * _tk, _kv.Span);
        return Attend(View(_q, 0, _d, _tq), View(_kv, 0, 2 * _d, _tk), View(_kv, _d, 2 * _d, _tk), mask, ctx);
    }

    /// <summary>[K V] [rows, 2d] = memory [rows, d]·[W_K; W_V]ᵀ + b: what cross-attention reads from the encoder.</summary>
    public void ProjectKeysValues(ReadOnlySpan<float> memory, int rows, Span<float> kv) =>
        Linear.Project(memory, rows, _d, WKV.Value, BKV.Value, 2 * _d, kv);

    /// <summary>
    /// One decoding step of masked self-attention: x [n, 1, d] is position <paramref name="position"/> of
    /// every row; its key and value join the cache, and its query attends to positions 0..position.
    /// </summary>
    public Tensor StepSelf(Tensor x, DecoderLayerCache cache, int position)
    {
        (_query, _memory) = (x, null);
        (_batch, _tq, _tk) = (x.Dim(0), 1, position + 1);
        int n = _batch, stride = cache.Capacity * _d;
        // [q k v] [n, 3d] = x·[W_Q; W_K; W_V]ᵀ + b
        _qkv.Resize(n, 1, 3 * _d);
        Linear.Project(x.Span, n, _d, InProjWeight.Value.Span, InProjBias.Value.Span, 3 * _d, _qkv.Span);
        var qkv = _qkv.Span;
        for (int r = 0; r < n; r++)
        {
            qkv.Slice(r * 3 * _d + _d, _d).CopyTo(cache.SelfK.AsSpan(r * stride + position * _d));       // K[r, t]
            qkv.Slice(r * 3 * _d + 2 * _d, _d).CopyTo(cache.SelfV.AsSpan(r * stride + position * _d));   // V[r, t]
        }
        _stepMask.SetNone(n, position + 1);   // the cache holds only the past: nothing to hide
        return Attend(View(_qkv, 0, 3 * _d, 1), new HeadView(cache.SelfK, 0, _d, stride), new HeadView(cache.SelfV, 0, _d, stride),
            _stepMask, ForwardContext.Eval);
    }

    /// <summary>One decoding step of cross-attention: queries x [n, 1, d] over the cached memory keys and values.</summary>
    public Tensor StepCross(Tensor x, DecoderLayerCache cache, AttentionMask sourceMask)
    {
        (_query, _memory) = (x, null);
        (_batch, _tq, _tk) = (x.Dim(0), 1, cache.SourceLength);
        // q [n, d] = x·W_Qᵀ + b_Q
        _q.Resize(_batch, 1, _d);
        Linear.Project(x.Span, _batch, _d, WQ.Value, BQ.Value, _d, _q.Span);
        int stride = cache.SourceLength * 2 * _d;
        return Attend(View(_q, 0, _d, 1), new HeadView(cache.CrossKv, 0, 2 * _d, stride), new HeadView(cache.CrossKv, _d, 2 * _d, stride),
            sourceMask, ForwardContext.Eval);
    }

    /// <summary>dOut [B, T, d] → dx [B, T, d] for self-attention; accumulates parameter gradients.</summary>
    public Tensor BackwardSelf(Tensor dOut)
    {
        var x = _query ?? throw new InvalidOperationException("Backward before Forward.");
        var dContext = OutProj.Backward(dOut);                                          // [B, T, d]
        _dqkv.Resize(_batch, _tq, 3 * _d);
        _attention.Backward(View(dContext, 0, _d, _tq),
            View(_qkv, 0, 3 * _d, _tq), View(_qkv, _d, 3 * _d, _tq), View(_qkv, 2 * _d, 3 * _d, _tq),
            View(_dqkv, 0, 3 * _d, _tq), View(_dqkv, _d, 3 * _d, _tq), View(_dqkv, 2 * _d, 3 * _d, _tq));
        InputGrad.Resize(_batch, _tq, _d);
        // dx [B·T, d] = d[Q K V]·[W_Q; W_K; W_V]; d[W_Q; W_K; W_V] += d[Q K V]ᵀ·x
        Linear.ProjectBackward(_dqkv.Span, x.Span, _batch * _tq, _d, InProjWeight.Value.Span, 3 * _d,
            InProjWeight.Grad.Span, InProjBias.Grad.Span, InputGrad.Span);
        return InputGrad;
    }

    /// <summary>dOut [B, Tq, d] → (dx [B, Tq, d], dMemory [B, Tk, d]) for cross-attention.</summary>
    public (Tensor InputGrad, Tensor MemoryGrad) BackwardCross(Tensor dOut)
    {
        var x = _query ?? throw new InvalidOperationException("Backward before Forward.");
        var memory = _memory ?? throw new InvalidOperationException("BackwardCross after a self-attention forward.");
        var dContext = OutProj.Backward(dOut);                                          // [B, Tq, d]
        _dq.Resize(_batch, _tq, _d);
        _dkv.Resize(_batch, _tk, 2 * _d);
        _attention.Backward(View(dContext, 0, _d, _tq),
            View(_q, 0, _d, _tq), View(_kv, 0, 2 * _d, _tk), View(_kv, _d, 2 * _d, _tk),
            View(_dq, 0, _d, _tq), View(_dkv, 0, 2 * _d, _tk), View(_dkv, _d, 2 * _d, _tk));
        InputGrad.Resize(_batch, _tq, _d);
        MemoryGrad.Resize(_batch, _tk, _d);
        // dx = dQ·W_Q; dW_Q += dQᵀ·x
        Linear.ProjectBackward(_dq.Span, x.Span, _batch * _tq, _d, WQ.Value, _d, WQ.Grad, BQ.Grad, InputGrad.Span);
        // dMemory = d[K V]·[W_K; W_V]; d[W_K; W_V] += d[K V]ᵀ·memory
        Linear.ProjectBackward(_dkv.Span, memory.Span, _batch * _tk, _d, WKV.Value, 2 * _d, WKV.Grad, BKV.Grad, MemoryGrad.Span);
        return (InputGrad, MemoryGrad);
    }

    private Tensor Attend(HeadView q, HeadView k, HeadView v, AttentionMask mask, ForwardContext ctx)
    {
        _context.Resize(_batch, _tq, _d);
        // heads [B, h, Tq, d_k] written side by side into context [B, Tq, d] (the Concat)
        _attention.Forward(q, k, v, View(_context, 0, _d, _tq), _batch, _heads, _tq, _tk, _headDim, mask, ctx);
        return OutProj.Forward(_context);                                               // [B, Tq, d] = Concat·W_Oᵀ + b_O
    }

    private static HeadView View(Tensor t, int offset, int rowStride, int time) => new(t.Data, offset, rowStride, rowStride * time);

    // Rows [from·d, to·d) of the packed projection: block 0 = W_Q, 1 = W_K, 2 = W_V.
    private ParameterBlock WeightBlock(string name, int from, int to) => new(InProjWeight, name, from * _d * _d, (to - from) * _d * _d);
    private ParameterBlock BiasBlock(string name, int from, int to) => new(InProjBias, name, from * _d, (to - from) * _d);
}
