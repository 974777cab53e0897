using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// One encoder layer (PyTorch's TransformerEncoderLayer): self-attention, then the position-wise
/// feed-forward network, each wrapped in a residual connection with layer normalisation.
/// </summary>
public sealed class EncoderLayer
{
    private readonly SublayerConnection _attnBlock, _ffBlock;
    // The sublayers as delegates made once, so a forward or backward pass allocates nothing.
    private readonly Func<Tensor, Tensor> _selfAttend, _feedForward, _selfAttendBackward, _feedForwardBackward;
    private AttentionMask? _mask;
    private ForwardContext _ctx = ForwardContext.Eval;

    public EncoderLayer(ParameterStore store, string prefix, LayerSettings s, DropoutLayer.SiteCounter sites)
    {
        SelfAttention = new MultiHeadAttention(store, prefix + "self_attn", s.D, s.Heads, new DropoutLayer(s.AttentionDropout, sites.Next()));
        FeedForward = new PositionwiseFeedForward(store, prefix, s.D, s.DFf, s.Activation, new DropoutLayer(s.ActivationDropout, sites.Next()));
        _attnBlock = new SublayerConnection(new LayerNorm(store, prefix + "norm1", s.D, s.NormEps), new DropoutLayer(s.Dropout, sites.Next()), s.NormFirst);
        _ffBlock = new SublayerConnection(new LayerNorm(store, prefix + "norm2", s.D, s.NormEps), new DropoutLayer(s.Dropout, sites.Next()), s.NormFirst);
        _selfAttend = x => SelfAttention.ForwardSelf(x, _mask!, _ctx);
        _feedForward = x => FeedForward.Forward(x, _ctx);
        _selfAttendBackward = SelfAttention.BackwardSelf;
        _feedForwardBackward = FeedForward.Backward;
    }

    public MultiHeadAttention SelfAttention { get; }
    public PositionwiseFeedForward FeedForward { get; }
    public LayerNorm Norm1 => _attnBlock.Norm;
    public LayerNorm Norm2 => _ffBlock.Norm;

    public IEnumerable<Parameter> Parameters() =>
        SelfAttention.Parameters().Concat(FeedForward.Parameters()).Concat(Norm1.Parameters()).Concat(Norm2.Parameters());

    /// <summary>x [B, S, d] → [B, S, d]; the mask hides source padding.</summary>
    public Tensor Forward(Tensor x, AttentionMask sourceMask, ForwardContext ctx)
    {
        (_mask, _ctx) = (sourceMask, ctx);
        var h = _attnBlock.Forward(x, _selfAttend, ctx);
        return _ffBlock.Forward(h, _feedForward, ctx);
    }

    /// <summary>dOut [B, S, d] → dx [B, S, d].</summary>
    public Tensor Backward(Tensor dOut)
    {
        var dh = _ffBlock.Backward(dOut, _feedForwardBackward);
        return _attnBlock.Backward(dh, _selfAttendBackward);
    }
}

/// <summary>The sizes and options every encoder/decoder layer is built from.</summary>
public sealed record LayerSettings(int D, int Heads, int DFf, Activation Activation, bool NormFirst,
    float Dropout, float AttentionDropout, float ActivationDropout, float NormEps = 1e-5f);
