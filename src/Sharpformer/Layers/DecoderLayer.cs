using System.Numerics.Tensors;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// One decoder layer (PyTorch's TransformerDecoderLayer): masked self-attention, cross-attention over
/// the encoder memory, then the feed-forward network; each with residual + layer normalisation.
/// <see cref="Forward"/> runs whole target sequences (training, scoring); <see cref="Step"/> runs one
/// new position per row against a <see cref="DecoderLayerCache"/> (decoding) through the same sublayer
/// connections, attention and feed-forward code, so the two cannot drift apart.
/// </summary>
public sealed class DecoderLayer
{
    private readonly SublayerConnection _selfBlock, _crossBlock, _ffBlock;
    // The sublayers as delegates made once, so a forward, step or backward pass allocates nothing.
    private readonly Func<Tensor, Tensor> _selfAttend, _crossAttend, _feedForward, _selfStep, _crossStep;
    private readonly Func<Tensor, Tensor> _selfBackward, _crossBackward, _feedForwardBackward;
    private AttentionMask? _targetMask, _memoryMask;
    private Tensor? _memory;
    private DecoderLayerCache? _cache;
    private int _position;
    private ForwardContext _ctx = ForwardContext.Eval;

    public DecoderLayer(ParameterStore store, string prefix, LayerSettings s, DropoutLayer.SiteCounter sites)
    {
        SelfAttention = new MultiHeadAttention(store, prefix + "self_attn", s.D, s.Heads, new DropoutLayer(s.AttentionDropout, sites.Next()));
        CrossAttention = new MultiHeadAttention(store, prefix + "multihead_attn", s.D, s.Heads, new DropoutLayer(s.AttentionDropout, sites.Next()));
        FeedForward = new PositionwiseFeedForward(store, prefix, s.D, s.DFf, s.Activation, new DropoutLayer(s.ActivationDropout, sites.Next()));
        _selfBlock = new SublayerConnection(new LayerNorm(store, prefix + "norm1", s.D, s.NormEps), new DropoutLayer(s.Dropout, sites.Next()), s.NormFirst);
        _crossBlock = new SublayerConnection(new LayerNorm(store, prefix + "norm2", s.D, s.NormEps), new DropoutLayer(s.Dropout, sites.Next()), s.NormFirst);
        _ffBlock = new SublayerConnection(new LayerNorm(store, prefix + "norm3", s.D, s.NormEps), new DropoutLayer(s.Dropout, sites.Next()), s.NormFirst);
        _selfAttend = x => SelfAttention.ForwardSelf(x, _targetMask!, _ctx);
        _crossAttend = x => CrossAttention.ForwardCross(x, _memory!, _memoryMask!, _ctx);
        _feedForward = x => FeedForward.Forward(x, _ctx);
        _selfStep = x => SelfAttention.StepSelf(x, _cache!, _position);
        _crossStep = x => CrossAttention.StepCross(x, _cache!, _memoryMask!);
        _selfBackward = SelfAttention.BackwardSelf;
        _crossBackward = d => CrossAttention.BackwardCross(d).InputGrad;
        _feedForwardBackward = FeedForward.Backward;
    }

    public MultiHeadAttention SelfAttention { get; }
    public MultiHeadAttention CrossAttention { get; }
    public PositionwiseFeedForward FeedForward { get; }
    public LayerNorm Norm1 => _selfBlock.Norm;
    public LayerNorm Norm2 => _crossBlock.Norm;
    public LayerNorm Norm3 => _ffBlock.Norm;

    public IEnumerable<Parameter> Parameters() =>
        SelfAttention.Parameters().Concat(CrossAttention.Parameters()).Concat(FeedForward.Parameters())
            .Concat(Norm1.Parameters()).Concat(Norm2.Parameters()).Concat(Norm3.Parameters());

    /// <summary>y [B, T, d] → [B, T, d], attending causally to itself and to memory [B, S, d].</summary>
    public Tensor Forward(Tensor y, Tensor memory, AttentionMask targetMask, AttentionMask memoryMask, ForwardContext ctx)
    {
        (_memory, _targetMask, _memoryMask, _ctx) = (memory, targetMask, memoryMask, ctx);
        var h1 = _selfBlock.Forward(y, _selfAttend, ctx);
        var h2 = _crossBlock.Forward(h1, _crossAttend, ctx);
        return _ffBlock.Forward(h2, _feedForward, ctx);
    }

    /// <summary>
    /// Fills the cache's memory keys and values for a decode of rows that repeat each of the B memory rows
    /// <paramref name="copies"/> times: [K V] [B·S, 2d] = memory·[W_K; W_V]ᵀ + b, computed once per decode.
    /// </summary>
    public void StartDecoding(Tensor memory, int copies, DecoderLayerCache cache, int capacity, float[] scratch)
    {
        int batch = memory.Dim(0), s = memory.Dim(1), d = memory.Dim(2), row = s * 2 * d;
        cache.Allocate(batch * copies, capacity, s, d);
        CrossAttention.ProjectKeysValues(memory.Span, batch * s, scratch.AsSpan(0, batch * row));
        for (int r = 0; r < batch * copies; r++) scratch.AsSpan(r / copies * row, row).CopyTo(cache.CrossKv.AsSpan(r * row));
    }

    /// <summary>One decoding step: y [n, 1, d] at <paramref name="position"/> → [n, 1, d], extending the cache.</summary>
    public Tensor Step(Tensor y, DecoderLayerCache cache, int position, AttentionMask memoryMask)
    {
        (_cache, _position, _memoryMask, _ctx) = (cache, position, memoryMask, ForwardContext.Eval);
        var h1 = _selfBlock.Forward(y, _selfStep, ForwardContext.Eval);
        var h2 = _crossBlock.Forward(h1, _crossStep, ForwardContext.Eval);
        return _ffBlock.Forward(h2, _feedForward, ForwardContext.Eval);
    }

    /// <summary>dOut → dy; adds this layer's gradient w.r.t. the memory into <paramref name="dMemory"/> [B, S, d].</summary>
    public Tensor Backward(Tensor dOut, Tensor dMemory)
    {
        var dh2 = _ffBlock.Backward(dOut, _feedForwardBackward);
        var dh1 = _crossBlock.Backward(dh2, _crossBackward);
        TensorPrimitives.Add(dMemory.Span, CrossAttention.MemoryGrad.Span, dMemory.Span);
        return _selfBlock.Backward(dh1, _selfBackward);
    }
}
