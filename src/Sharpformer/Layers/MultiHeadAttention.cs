using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// MultiHead(Q, K, V) = Concat(head_1..head_h)·W_O with head_i = Attention(Q·W_Qi, K·W_Ki, V·W_Vi).
/// Weights use PyTorch's layout: in_proj_weight [3d, d] = [W_Q; W_K; W_V] (all heads side by side),
/// in_proj_bias [3d], out_proj [d, d]. Self-attention projects Q, K, V with one GEMM; cross-attention
/// projects Q from the decoder and K, V from the encoder memory.
/// Caches: the inputs (references), the projections, the concatenated heads, the attention weights.
/// </summary>
public sealed class MultiHeadAttention
{
    private readonly int _d, _heads, _dk;
    private readonly ScaledDotProductAttention _attention;
    private readonly Tensor _qkv = new(0), _q = new(0), _kv = new(0), _context = new(0);
    private readonly Tensor _dqkv = new(0), _dq = new(0), _dkv = new(0);
    private Tensor? _query, _memory;
    private int _batch, _tq, _tk;

    public MultiHeadAttention(string name, int d, int heads, DropoutLayer attentionDropout)
    {
        if (d % heads != 0) throw new ArgumentException($"d_model {d} is not divisible by {heads} heads.");
        (_d, _heads, _dk) = (d, heads, d / heads);
        InProjWeight = new Parameter(name + ".in_proj_weight", ParameterRole.Weight, 3 * d, d);
        InProjBias = new Parameter(name + ".in_proj_bias", ParameterRole.Bias, 3 * d);
        OutProj = new Linear(name + ".out_proj", d, d);
        _attention = new ScaledDotProductAttention(attentionDropout);
    }

    public Parameter InProjWeight { get; }
    public Parameter InProjBias { get; }
    public Linear OutProj { get; }
    public int Heads => _heads;

    /// <summary>Attention weights of the last forward, [B, h, Tq, Tk]: the attention maps.</summary>
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
        int n = _batch * _tq;
        // [Q K V] [B·T, 3d] = x·[W_Q; W_K; W_V]ᵀ + b
        _qkv.Resize(_batch, _tq, 3 * _d);
        Linear.Project(x.Span, n, _d, InProjWeight.Value.Span, InProjBias.Value.Span, 3 * _d, _qkv.Span);
        return Attend(View(_qkv, 0, 3 * _d, _tq), View(_qkv, _d, 3 * _d, _tq), View(_qkv, 2 * _d, 3 * _d, _tq), mask, ctx);
    }

    /// <summary>Cross-attention: queries from x [B, Tq, d], keys and values from memory [B, Tk, d].</summary>
    public Tensor ForwardCross(Tensor x, Tensor memory, AttentionMask mask, ForwardContext ctx)
    {
        (_query, _memory) = (x, memory);
        (_batch, _tq, _tk) = (x.Dim(0), x.Dim(1), memory.Dim(1));
        // Q [B·Tq, d] = x·W_Qᵀ + b_Q
        _q.Resize(_batch, _tq, _d);
        Linear.Project(x.Span, _batch * _tq, _d, WeightRows(0, 1), BiasRows(0, 1), _d, _q.Span);
        // [K V] [B·Tk, 2d] = memory·[W_K; W_V]ᵀ + b
        _kv.Resize(_batch, _tk, 2 * _d);
        Linear.Project(memory.Span, _batch * _tk, _d, WeightRows(1, 3), BiasRows(1, 3), 2 * _d, _kv.Span);
        return Attend(View(_q, 0, _d, _tq), View(_kv, 0, 2 * _d, _tk), View(_kv, _d, 2 * _d, _tk), mask, ctx);
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
        // dx [B·T, d] = dQKV·W_in; dW_in += dQKVᵀ·x
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
        Linear.ProjectBackward(_dq.Span, x.Span, _batch * _tq, _d, WeightRows(0, 1), _d,
            GradRows(0, 1), BiasGradRows(0, 1), InputGrad.Span);
        Linear.ProjectBackward(_dkv.Span, memory.Span, _batch * _tk, _d, WeightRows(1, 3), 2 * _d,
            GradRows(1, 3), BiasGradRows(1, 3), MemoryGrad.Span);
        return (InputGrad, MemoryGrad);
    }

    private Tensor Attend(HeadView q, HeadView k, HeadView v, AttentionMask mask, ForwardContext ctx)
    {
        _context.Resize(_batch, _tq, _d);
        // heads [B, h, Tq, d_k] written side by side into context [B, Tq, d] (the Concat)
        _attention.Forward(q, k, v, View(_context, 0, _d, _tq), _batch, _heads, _tq, _tk, _dk, mask, ctx);
        return OutProj.Forward(_context);                                               // [B, Tq, d]
    }

    private static HeadView View(Tensor t, int offset, int rowStride, int time) => new(t.Data, offset, rowStride, rowStride * time);

    // Rows [from·d, to·d) of the packed projection: block 0 = W_Q, 1 = W_K, 2 = W_V.
    private ReadOnlySpan<float> WeightRows(int from, int to) => InProjWeight.Value.Span.Slice(from * _d * _d, (to - from) * _d * _d);
    private ReadOnlySpan<float> BiasRows(int from, int to) => InProjBias.Value.Span.Slice(from * _d, (to - from) * _d);
    private Span<float> GradRows(int from, int to) => InProjWeight.Grad.Span.Slice(from * _d * _d, (to - from) * _d * _d);
    private Span<float> BiasGradRows(int from, int to) => InProjBias.Grad.Span.Slice(from * _d, (to - from) * _d);
}
