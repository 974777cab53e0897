using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// One encoder layer (PyTorch's TransformerEncoderLayer): self-attention, then the position-wise
/// feed-forward network, each wrapped in a residual connection with layer normalisation.
/// </summary>
public sealed class EncoderLayer
{
    private readonly SublayerConnection _attnBlock, _ffBlock;
    private AttentionMask? _mask;
    private ForwardContext _ctx = ForwardContext.Eval;

    public EncoderLayer(string prefix, LayerSettings s, DropoutLayer.SiteCounter sites)
    {
        SelfAttention = new MultiHeadAttention(prefix + "self_attn", s.D, s.Heads, new DropoutLayer(s.AttentionDropout, sites.Next()));
        FeedForward = new PositionwiseFeedForward(prefix, s.D, s.DFf, s.Activation, new DropoutLayer(s.ActivationDropout, sites.Next()));
        _attnBlock = new SublayerConnection(new LayerNorm(prefix + "norm1", s.D, s.NormEps), new DropoutLayer(s.Dropout, sites.Next()), s.NormFirst);
        _ffBlock = new SublayerConnection(new LayerNorm(prefix + "norm2", s.D, s.NormEps), new DropoutLayer(s.Dropout, sites.Next()), s.NormFirst);
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
        var h = _attnBlock.Forward(x, SelfAttend, ctx);
        return _ffBlock.Forward(h, FeedForwardStep, ctx);
    }

    /// <summary>dOut [B, S, d] → dx [B, S, d].</summary>
    public Tensor Backward(Tensor dOut)
    {
        var dh = _ffBlock.Backward(dOut, FeedForward.Backward);
        return _attnBlock.Backward(dh, SelfAttention.BackwardSelf);
    }

    private Tensor SelfAttend(Tensor x) => SelfAttention.ForwardSelf(x, _mask!, _ctx);
    private Tensor FeedForwardStep(Tensor x) => FeedForward.Forward(x, _ctx);
}

/// <summary>The sizes and options every encoder/decoder layer is built from.</summary>
public sealed record LayerSettings(int D, int Heads, int DFf, Activation Activation, bool NormFirst,
    float Dropout, float AttentionDropout, float ActivationDropout, float NormEps = 1e-5f);
