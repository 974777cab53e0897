using Sharpformer.Tensors;

namespace Sharpformer.Layers.Recurrent;

/// <summary>
/// A multi-layer, optionally bidirectional recurrent network as PyTorch's nn.RNN / nn.GRU / nn.LSTM with
/// batch_first inputs over packed (ragged) sequences. Layer l reads the previous layer's output (both
/// directions side by side, [B, T, 2H]) after optional dropout, as PyTorch's dropout argument does.
/// Parameters carry PyTorch's names under a prefix: "{name}.weight_ih_l{l}", "weight_hh_l{l}",
/// "bias_ih_l{l}", "bias_hh_l{l}", with suffix "_reverse" for the backward direction.
/// States h0, c0, h_n, c_n are [layers·dirs, B, H], layer-major (l0 forward, l0 reverse, l1 forward, …).
/// Caches: every layer's output (dropped in place in training); the layers cache the rest.
/// </summary>
/// <remarks>
/// The pieces of an RNN encoder-decoder, one per file of this folder: <see cref="RecurrentCell"/> holds the
/// gate math of one step (the only copy, used by full sequences and by <see cref="Step"/>);
/// <see cref="RecurrentLayer"/> runs one direction of one layer over time (one input GEMM, one hidden GEMM
/// per step, BPTT); this stack wires layers and directions together; <see cref="LuongAttention"/> and
/// <see cref="BahdanauAttention"/> let a decoder read the encoder output, sharing the masked softmax and
/// context read-out of SourceAttention.
/// </remarks>
public sealed class RecurrentStack
{
    private readonly RecurrentLayer[] _layers;
    private readonly DropoutLayer[] _dropouts;
    private readonly Tensor[] _outputs, _dInputs;
    private int _batch;

    /// <param name="name">Prefix of the parameter names ("" gives PyTorch's bare "weight_ih_l0").</param>
    /// <param name="dropout">Dropout on the outputs of every layer but the last (training only).</param>
    /// <param name="sites">Hands out the dropout site ids; needed when <paramref name="dropout"/> &gt; 0.</param>
    public RecurrentStack(ParameterStore store, string name, RecurrentCellKind cell, int inputSize, int hiddenSize, int layers = 1, bool bidirectional = false,
        float dropout = 0f, DropoutLayer.SiteCounter? sites = null)
    {
        if (layers <= 0) throw new ArgumentOutOfRangeException(nameof(layers), $"A recurrent stack needs at least one layer, got {layers}.");
        if (dropout > 0f && sites == null) throw new ArgumentException("Dropout between recurrent layers needs a site counter.", nameof(sites));
        (Cell, InputSize, HiddenSize, LayerCount, Bidirectional) = (cell, inputSize, hiddenSize, layers, bidirectional);
        string prefix = name.Length == 0 ? "" : name + ".";
        _layers = new RecurrentLayer[layers * Directions];
        for (int l = 0; l < layers; l++)
            for (int d = 0; d < Directions; d++)
                _layers[l * Directions + d] = new RecurrentLayer(store, cell, l == 0 ? inputSize : Directions * hiddenSize, hiddenSize,
                    reverse: d == 1, prefix, $"_l{l}" + (d == 1 ? "_reverse" : ""));
        _dropouts = new DropoutLayer[layers - 1];
        for (int l = 0; l < layers - 1; l++) _dropouts[l] = new DropoutLayer(dropout, sites?.Next() ?? 0);
        _outputs = new Tensor[layers];
        _dInputs = new Tensor[layers];
        for (int l = 0; l < layers; l++) (_outputs[l], _dInputs[l]) = (l == layers - 1 ? Output : new(0), l == 0 ? InputGrad : new(0));
    }

    public RecurrentCellKind Cell { get; }
    public int InputSize { get; }
    public int HiddenSize { get; }
    public int LayerCount { get; }
    public bool Bidirectional { get; }
    public int Directions => Bidirectional ? 2 : 1;
    public bool HasCellState => Cell == RecurrentCellKind.Lstm;

    /// <summary>Width of the output, H·dirs.</summary>
    public int OutputSize => Directions * HiddenSize;

    /// <summary>The directions of all layers, layer-major: l0 forward, l0 reverse, l1 forward, …</summary>
    public IReadOnlyList<RecurrentLayer> Layers => _layers;

    /// <summary>output [B, T, H·dirs] of the last forward (zero at padded steps).</summary>
    public Tensor Output { get; } = new(0);

    /// <summary>h_n [layers·dirs, B, H] of the last forward.</summary>
    public Tensor FinalHidden { get; } = new(0);

    /// <summary>c_n [layers·dirs, B, H] of the last forward (LSTM; empty otherwise).</summary>
    public Tensor FinalCell { get; } = new(0);

    /// <summary>∂L/∂x [B, T, I] after a Backward.</summary>
    public Tensor InputGrad { get; } = new(0);

    /// <summary>∂L/∂h0 [layers·dirs, B, H] after a Backward.</summary>
    public Tensor InitialHiddenGrad { get; } = new(0);

    /// <summary>∂L/∂c0 [layers·dirs, B, H] after a Backward (LSTM; empty otherwise).</summary>
    public Tensor InitialCellGrad { get; } = new(0);

    /// <summary>PyTorch's order: layer by layer, forward then reverse, each weight_ih, weight_hh, bias_ih, bias_hh.</summary>
    public IEnumerable<Parameter> Parameters() => _layers.SelectMany(layer => layer.Parameters());

    /// <summary>PyTorch's reset_parameters: every weight and bias drawn from U(−1/√H, 1/√H). Deterministic for a seed.</summary>
    public void InitializeUniform(int seed)
    {
        var rng = new Random(seed);
        double bound = 1.0 / Math.Sqrt(HiddenSize);
        foreach (var p in Parameters())
        {
            var v = p.Value.Span;
            for (int i = 0; i < v.Length; i++) v[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
        }
    }

    /// <summary>
    /// x [B, T, I] with lengths[b] real steps per row → output [B, T, H·dirs]; also fills h_n (and c_n).
    /// h0, c0 [layers·dirs, B, H] are the initial states (null: zeros). ctx decides dropout (null: evaluation).
    /// </summary>
    public Tensor Forward(Tensor x, ReadOnlySpan<int> lengths, Tensor? h0 = null, Tensor? c0 = null, ForwardContext? ctx = null)
    {
        ctx ??= ForwardContext.Eval;
        if (x.Rank != 3 || x.Dim(2) != InputSize) throw new ArgumentException($"Recurrent stack: input must be [B, T, {InputSize}], got {x}.");
        if (c0 != null && !HasCellState) throw new ArgumentException($"Recurrent stack: c0 given to a {Cell} network.");
        int batch = x.Dim(0), time = x.Dim(1), n = batch * HiddenSize;
        CheckStates(h0, batch, "h0");
        CheckStates(c0, batch, "c0");
        _batch = batch;
        FinalHidden.Resize(_layers.Length, batch, HiddenSize);
        FinalCell.Resize(HasCellState ? _layers.Length : 0, batch, HiddenSize);

        var input = x;
        for (int l = 0; l < LayerCount; l++)
        {
            if (l > 0)
            {
                // dropout between layers, in place: the layer below caches its states, not its output
                _dropouts[l - 1].ForwardInPlace(_outputs[l - 1].Span, ctx);
                input = _outputs[l - 1];
            }
            var output = _outputs[l].Resize(batch, time, OutputSize);                  // [B, T, H·dirs]
            for (int d = 0; d < Directions; d++)
            {
                int k = l * Directions + d;
                var layer = _layers[k];
                layer.Forward(input, lengths, output, d * HiddenSize,
                    h0 == null ? default : h0.Span.Slice(k * n, n), c0 == null ? default : c0.Span.Slice(k * n, n));
                layer.FinalHidden.CopyTo(FinalHidden.Span.Slice(k * n, n));
                if (HasCellState) layer.FinalCell.CopyTo(FinalCell.Span.Slice(k * n, n));
            }
        }
        return Output;
    }

    /// <summary>
    /// dOutput [B, T, H·dirs] and ∂L/∂h_n, ∂L/∂c_n [layers·dirs, B, H] (null: zero) → ∂L/∂x [B, T, I];
    /// fills <see cref="InitialHiddenGrad"/> (and <see cref="InitialCellGrad"/>) and accumulates every weight gradient.
    /// </summary>
    public Tensor Backward(Tensor dOutput, Tensor? dhN = null, Tensor? dcN = null)
    {
        int batch = _batch, n = batch * HiddenSize;
        CheckStates(dhN, batch, "dh_n");
        if (dcN != null && !HasCellState) throw new ArgumentException($"Recurrent stack: dc_n given to a {Cell} network.");
        CheckStates(dcN, batch, "dc_n");
        InitialHiddenGrad.Resize(_layers.Length, batch, HiddenSize);
        InitialCellGrad.Resize(HasCellState ? _layers.Length : 0, batch, HiddenSize);

        var dUpper = dOutput;
        for (int l = LayerCount - 1; l >= 0; l--)
        {
            var dInput = _dInputs[l].Resize(batch, Output.Dim(1), l == 0 ? InputSize : OutputSize);   // [B, T, I_l]
            for (int d = 0; d < Directions; d++)
            {
                int k = l * Directions + d;
                var layer = _layers[k];
                // both directions read the same input: the second adds its part of dx
                layer.Backward(dUpper, d * HiddenSize, dhN == null ? default : dhN.Span.Slice(k * n, n),
                    dcN == null ? default : dcN.Span.Slice(k * n, n), dInput, accumulateDx: d > 0);
                layer.InitialHiddenGrad.CopyTo(InitialHiddenGrad.Span.Slice(k * n, n));
                if (HasCellState) layer.InitialCellGrad.CopyTo(InitialCellGrad.Span.Slice(k * n, n));
            }
            if (l > 0) _dropouts[l - 1].BackwardInPlace(dInput.Span);
            dUpper = dInput;
        }
        return InputGrad;
    }

    /// <summary>
    /// One step of a unidirectional stack for a batch of rows (a decoder at inference): x [B, I] and the
    /// states h, c [layers, B, H] → h', c' [layers, B, H]; the top layer's h' is the step's output. h' may be
    /// the same memory as h and c' as c. Caches nothing.
    /// </summary>
    public void Step(ReadOnlySpan<float> x, int batch, ReadOnlySpan<float> h, ReadOnlySpan<float> c, Span<float> hNext, Span<float> cNext)
    {
        if (Bidirectional) throw new InvalidOperationException("A bidirectional recurrent stack cannot run step by step.");
        int n = batch * HiddenSize;
        if (h.Length != LayerCount * n || hNext.Length != LayerCount * n) throw new ArgumentException($"Recurrent step: states must be [{LayerCount}, {batch}, {HiddenSize}].");
        if (HasCellState && (c.Length != LayerCount * n || cNext.Length != LayerCount * n)) throw new ArgumentException($"Recurrent step: cell states must be [{LayerCount}, {batch}, {HiddenSize}].");
        var input = x;
        for (int l = 0; l < LayerCount; l++)
        {
            var hl = hNext.Slice(l * n, n);
            _layers[l].Step(input, batch, h.Slice(l * n, n), HasCellState ? c.Slice(l * n, n) : default,
                hl, HasCellState ? cNext.Slice(l * n, n) : default);
            // the next layer reads this layer's new state (its own h' lives elsewhere, so no copy is needed)
            input = hl;
        }
    }

    private void CheckStates(Tensor? states, int batch, string what)
    {
        if (states != null && states.Length != _layers.Length * batch * HiddenSize)
            throw new ArgumentException($"Recurrent stack: {what} is {states}, expected [{_layers.Length}, {batch}, {HiddenSize}].");
    }
}
