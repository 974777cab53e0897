using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers.Recurrent;

/// <summary>
/// Luong et al.'s attentional hidden state: h̃_t = tanh(W_c [c_t; h_t]) from the context c_t [M] and the
/// decoder state h_t [H], with W_c "{name}.weight" [E, M + H] (no bias, as in the paper). It is what the
/// output projection reads, so its width E is the embedding's when the projection is tied to the embedding.
/// Caches: [c; h] (through its Linear) and h̃.
/// </summary>
public sealed class AttentionalHidden
{
    private readonly Linear _combine;
    private readonly Tensor _joined = new(0), _dContext = new(0), _dState = new(0);

    public AttentionalHidden(ParameterStore store, string name, int contextWidth, int stateWidth, int outputWidth)
    {
        (ContextWidth, StateWidth) = (contextWidth, stateWidth);
        _combine = new Linear(store, name, contextWidth + stateWidth, outputWidth, bias: false);
    }

    public int ContextWidth { get; }
    public int StateWidth { get; }
    public Parameter Weight => _combine.Weight;

    /// <summary>h̃ [N, T, E] of the last forward (a buffer of this layer).</summary>
    public Tensor Output => _combine.Output;

    /// <summary>context c [N, T, M], states h [N, T, H] → h̃ [N, T, E].</summary>
    public Tensor Forward(Tensor context, Tensor states)
    {
        if (context.Rank != 3 || states.Rank != 3 || context.Dim(0) != states.Dim(0) || context.Dim(1) != states.Dim(1))
            throw new ArgumentException($"{Weight.Name}: context {context} and states {states} must share [N, T].");
        // [c; h] [N, T, M + H]
        _joined.Resize(context.Dim(0), context.Dim(1), ContextWidth + StateWidth);
        FeatureConcat.Forward(context.Span, ContextWidth, states.Span, StateWidth, _joined.Span);
        // h̃ = tanh(W_c [c; h])
        var h = _combine.Forward(_joined);                                             // [N, T, E]
        GateActivations.Tanh(h.Span, h.Span);
        return h;
    }

    /// <summary>∂L/∂h̃ [N, T, E] (overwritten) → (∂L/∂c [N, T, M], ∂L/∂h [N, T, H]); accumulates dW_c.</summary>
    public (Tensor ContextGrad, Tensor StateGrad) Backward(Tensor dOutput)
    {
        // ∂(W_c [c; h]) = ∂h̃ ⊙ (1 − h̃²)
        GateActivations.TanhBackward(Output.Span, dOutput.Span, dOutput.Span);
        var dJoined = _combine.Backward(dOutput);                                      // [N, T, M + H]
        _dContext.Resize(_joined.Dim(0), _joined.Dim(1), ContextWidth);
        _dState.Resize(_joined.Dim(0), _joined.Dim(1), StateWidth);
        FeatureConcat.Backward(dJoined.Span, _dContext.Span, ContextWidth, _dState.Span, StateWidth);
        return (_dContext, _dState);
    }
}
