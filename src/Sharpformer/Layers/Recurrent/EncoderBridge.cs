using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers.Recurrent;

/// <summary>
/// The decoder's initial state from a bidirectional encoder's final states, layer by layer:
/// h0_l = tanh(W_b [→h_l; ←h_l] + b_b) (Bahdanau et al.'s s_0, the PyTorch tutorial's fc), and for an LSTM
/// c0_l = W_bc [→c_l; ←c_l] + b_bc (a cell state is not squashed in an LSTM either). Parameters "{name}.weight"
/// [H, 2H], "{name}.bias" [H] and, for an LSTM, "{name}_cell.weight", "{name}_cell.bias".
/// Caches: the joined states (through its Linears) and h0.
/// </summary>
public sealed class EncoderBridge
{
    private readonly Linear _hidden;
    private readonly Linear? _cell;
    private readonly Tensor _joinedH = new(0), _joinedC = new(0), _dH = new(0), _dC = new(0);
    private int _layers, _batch;

    public EncoderBridge(ParameterStore store, string name, int hiddenSize, bool withCell)
    {
        HiddenSize = hiddenSize;
        _hidden = new Linear(store, name, 2 * hiddenSize, hiddenSize);
        if (withCell) _cell = new Linear(store, name + "_cell", 2 * hiddenSize, hiddenSize);
    }

    public int HiddenSize { get; }

    /// <summary>h0 [layers, B, H] of the last forward.</summary>
    public Tensor Hidden => _hidden.Output;

    /// <summary>c0 [layers, B, H] of the last forward (LSTM; null otherwise).</summary>
    public Tensor? Cell => _cell?.Output;

    /// <summary>∂L/∂h_n [layers·2, B, H] after a Backward.</summary>
    public Tensor FinalHiddenGrad => _dH;

    /// <summary>∂L/∂c_n [layers·2, B, H] after a Backward (LSTM).</summary>
    public Tensor FinalCellGrad => _dC;

    /// <summary>h_n (and c_n) [layers·2, B, H], directions of a layer adjacent → h0 (and c0) [layers, B, H].</summary>
    public void Forward(Tensor finalHidden, Tensor? finalCell)
    {
        _layers = finalHidden.Dim(0) / 2;
        _batch = finalHidden.Dim(1);
        Join(finalHidden, _joinedH);                                                  // [layers, B, 2H]
        var h = _hidden.Forward(_joinedH);                                             // [layers, B, H]
        GateActivations.Tanh(h.Span, h.Span);
        if (_cell != null)
        {
            Join(finalCell ?? throw new ArgumentException("An LSTM bridge needs the final cell states."), _joinedC);
            _cell.Forward(_joinedC);                                                   // [layers, B, H]
        }
    }

    /// <summary>∂L/∂h0 (overwritten) and ∂L/∂c0 [layers, B, H] → <see cref="FinalHiddenGrad"/>, <see cref="FinalCellGrad"/>.</summary>
    public void Backward(Tensor dHidden, Tensor? dCell)
    {
        GateActivations.TanhBackward(_hidden.Output.Span, dHidden.Span, dHidden.Span);
        Split(_hidden.Backward(dHidden), _dH);
        if (_cell != null) Split(_cell.Backward(dCell ?? throw new ArgumentException("An LSTM bridge needs ∂L/∂c0.")), _dC);
    }

    // [layers·2, B, H] → [layers, B, 2H]: row (l, b) = [forward state; reverse state] of layer l.
    private void Join(Tensor states, Tensor joined)
    {
        int h = HiddenSize, n = _batch * h;
        joined.Resize(_layers, _batch, 2 * h);
        for (int l = 0; l < _layers; l++)
            FeatureConcat.Forward(states.Span.Slice(2 * l * n, n), h, states.Span.Slice((2 * l + 1) * n, n), h, joined.Span.Slice(l * 2 * n, 2 * n));
    }

    // The backward of Join.
    private void Split(Tensor dJoined, Tensor dStates)
    {
        int h = HiddenSize, n = _batch * h;
        dStates.Resize(2 * _layers, _batch, h);
        for (int l = 0; l < _layers; l++)
            FeatureConcat.Backward(dJoined.Span.Slice(l * 2 * n, 2 * n), dStates.Span.Slice(2 * l * n, n), h, dStates.Span.Slice((2 * l + 1) * n, n), h);
    }
}
