using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>The non-linearity between the two linear maps of the feed-forward block.</summary>
public enum Activation { Relu, Gelu }

/// <summary>
/// FFN(x) = act(x·W₁ᵀ + b₁)·W₂ᵀ + b₂, applied to every position alone (PyTorch's linear1/linear2,
/// with dropout after the activation). Caches: linear1's output (GELU needs its input) and the
/// activated, dropped hidden layer (linear2's input).
/// </summary>
public sealed class PositionwiseFeedForward
{
    private readonly DropoutLayer _dropout;
    private readonly Tensor _hidden = new(0);

    public PositionwiseFeedForward(ParameterStore store, string prefix, int d, int dFf, Activation activation, DropoutLayer dropout)
    {
        Linear1 = new Linear(store, prefix + "linear1", d, dFf);
        Linear2 = new Linear(store, prefix + "linear2", dFf, d);
        ActivationKind = activation;
        _dropout = dropout;
    }

    public Linear Linear1 { get; }
    public Linear Linear2 { get; }
    public Activation ActivationKind { get; }

    public IEnumerable<Parameter> Parameters() => Linear1.Parameters().Concat(Linear2.Parameters());

    /// <summary>x [B, T, d] → [B, T, d].</summary>
    public Tensor Forward(Tensor x, ForwardContext ctx)
    {
        var pre = Linear1.Forward(x);                                   // [B, T, d_ff]
        _hidden.ResizeLike(pre);
        if (ActivationKind == Activation.Relu) Activations.Relu(pre.Span, _hidden.Span);
        else Activations.Gelu(pre.Span, _hidden.Span);
        // ReLU's backward can read this buffer even after dropout: a dropped unit's gradient is 0 anyway.
        _dropout.ForwardInPlace(_hidden.Span, ctx);
        return Linear2.Forward(_hidden);                                // [B, T, d]
    }

    /// <summary>dOut [B, T, d] → dx [B, T, d]; accumulates the gradients of both linear maps.</summary>
    public Tensor Backward(Tensor dOut)
    {
        var dHidden = Linear2.Backward(dOut);                           // [B, T, d_ff]
        _dropout.BackwardInPlace(dHidden.Span);
        if (ActivationKind == Activation.Relu) Activations.ReluBackward(_hidden.Span, dHidden.Span, dHidden.Span);
        else Activations.GeluBackward(Linear1.Output.Span, dHidden.Span, dHidden.Span);
        return Linear1.Backward(dHidden);                               // [B, T, d]
    }
}
