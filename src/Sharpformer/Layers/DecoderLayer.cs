using System.Numerics.Tensors;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// One decoder layer (PyTorch's TransformerDecoderLayer): masked self-attention, cross-attention over
/// the encoder memory, then the feed-forward network; each with residual + layer normalisation.
/// </summary>
public sealed class DecoderLayer
{
    private readonly SublayerConnection _selfBlock, _crossBlock, _ffBlock;
    private AttentionMask? _targetMask, _memoryMask;
    private Tensor? _memory;
    private ForwardContext _ctx = ForwardContext.Eval;

    public DecoderLayer(string prefix, LayerSettings s, DropoutLayer.SiteCounter sites)
    {
        SelfAttention = new MultiHeadAttention(prefix + "self_attn", s.D, s.Heads, new DropoutLayer(s.AttentionDropout, sites.Next()));
        CrossAttention = new MultiHeadAttention(prefix + "multihead_attn", s.D, s.Heads, new DropoutLayer(s.AttentionDropout, sites.Next()));
        FeedForward = new PositionwiseFeedForward(prefix, s.D, s.DFf, s.Activation, new DropoutLayer(s.ActivationDropout, sites.Next()));
        _selfBlock = new SublayerConnection(new LayerNorm(prefix + "norm1", s.D, s.NormEps), new DropoutLayer(s.Dropout, sites.Next()), s.NormFirst);
        _crossBlock = new SublayerConnection(new LayerNorm(prefix + "norm2", s.D, s.NormEps), new DropoutLayer(s.Dropout, sites.Next()), s.NormFirst);
        _ffBlock = new SublayerConnection(new LayerNorm(prefix + "norm3", s.D, s.NormEps), new DropoutLayer(s.Dropout, sites.Next()), s.NormFirst);
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
        var h1 = _selfBlock.Forward(y, SelfAttend, ctx);
        var h2 = _crossBlock.Forward(h1, CrossAttend, ctx);
        return _ffBlock.Forward(h2, FeedForwardStep, ctx);
    }

    /// <summary>dOut → dy; adds this layer's gradient w.r.t. the memory into <paramref name="dMemory"/> [B, S, d].</summary>
    public Tensor Backward(Tensor dOut, Tensor dMemory)
    {
        var dh2 = _ffBlock.Backward(dOut, FeedForward.Backward);
        var dh1 = _crossBlock.Backward(dh2, CrossBackward);
        TensorPrimitives.Add(dMemory.Span, CrossAttention.MemoryGrad.Span, dMemory.Span);
        return _selfBlock.Backward(dh1, SelfAttention.BackwardSelf);
    }

    private Tensor SelfAttend(Tensor x) => SelfAttention.ForwardSelf(x, _targetMask!, _ctx);
    private Tensor CrossAttend(Tensor x) => CrossAttention.ForwardCross(x, _memory!, _memoryMask!, _ctx);
    private Tensor CrossBackward(Tensor d) => CrossAttention.BackwardCross(d).InputGrad;
    private Tensor FeedForwardStep(Tensor x) => FeedForward.Forward(x, _ctx);
}
