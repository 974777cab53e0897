using System.Numerics.Tensors;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// The residual connection and layer normalisation around every sublayer.
/// Post-LN (the paper): y = LayerNorm(x + Dropout(Sublayer(x))).
/// Pre-LN (option):     y = x + Dropout(Sublayer(LayerNorm(x))).
/// Caches: the residual sum (post-LN) or the output (pre-LN); the norm and dropout cache their own.
/// </summary>
public sealed class SublayerConnection
{
    private readonly DropoutLayer _dropout;
    private readonly Tensor _sum = new(0), _dBranch = new(0), _dx = new(0);

    public SublayerConnection(LayerNorm norm, DropoutLayer dropout, bool normFirst)
    {
        Norm = norm;
        _dropout = dropout;
        NormFirst = normFirst;
    }

    public LayerNorm Norm { get; }
    public bool NormFirst { get; }

    /// <summary>x [B, T, d] → [B, T, d] around <paramref name="sublayer"/> (whose output buffer it may modify).</summary>
    public Tensor Forward(Tensor x, Func<Tensor, Tensor> sublayer, ForwardContext ctx)
    {
        var branch = sublayer(NormFirst ? Norm.Forward(x) : x);         // [B, T, d]
        _dropout.ForwardInPlace(branch.Span, ctx);
        _sum.ResizeLike(x);
        TensorPrimitives.Add(x.Span, branch.Span, _sum.Span);           // x + Dropout(Sublayer(·))
        return NormFirst ? _sum : Norm.Forward(_sum);
    }

    /// <summary>dOut → dx, calling <paramref name="sublayerBackward"/> (which must not modify its argument).</summary>
    public Tensor Backward(Tensor dOut, Func<Tensor, Tensor> sublayerBackward)
    {
        var dSum = NormFirst ? dOut : Norm.Backward(dOut);              // gradient at the residual sum
        var dBranchOut = sublayerBackward(DropoutBackward(dSum));       // gradient at the sublayer's input
        if (NormFirst) dBranchOut = Norm.Backward(dBranchOut);
        _dx.ResizeLike(dSum);
        TensorPrimitives.Add(dSum.Span, dBranchOut.Span, _dx.Span);     // the residual path adds the identity
        return _dx;
    }

    private Tensor DropoutBackward(Tensor dSum)
    {
        if (!_dropout.Applied) return dSum;
        _dBranch.ResizeLike(dSum);
        dSum.Span.CopyTo(_dBranch.Span);
        _dropout.BackwardInPlace(_dBranch.Span);
        return _dBranch;
    }
}
