using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers.Recurrent;

/// <summary>
/// One direction of one recurrent layer run over a ragged batch, with back-propagation through time.
/// Weights use PyTorch's layout: weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh [G·H], gates
/// stacked in rows (see <see cref="RecurrentCell"/>). The input side of every step is projected with one
/// GEMM, a_x [B·T, G·H] = x·W_ihᵀ + b_ih; the recurrence then runs one [B, H]·W_hhᵀ GEMM per step.
/// Ragged rows follow PyTorch's packed sequences: row b has lengths[b] real steps; at a padded step
/// (t ≥ lengths[b]) its state passes through unchanged and its output is zero, so a reverse layer, which
/// walks t = T−1 … 0, starts each row at its last real step.
/// Caches: a reference to the input, a_x, the states h (and c) before and after every step in walking
/// order [T+1, B, H], the gate cache of every step [T, B, width] and the lengths.
/// </summary>
public sealed class RecurrentLayer
{
    private readonly RecurrentCell _cell;
    private readonly int _gw;
    private readonly Tensor _ax = new(0), _ah = new(0), _h = new(0), _c = new(0), _cache = new(0);
    private readonly Tensor _dax = new(0), _dah = new(0), _dh = new(0), _dc = new(0), _dStates = new(0);
    private readonly Tensor _stepAx = new(0), _stepAh = new(0), _stepCache = new(0);
    private int[] _lengths = [];
    private Tensor? _input;
    private int _batch, _time;

    /// <summary>
    /// Parameters are named "{prefix}weight_ih{suffix}", "{prefix}weight_hh{suffix}", "{prefix}bias_ih{suffix}",
    /// "{prefix}bias_hh{suffix}", e.g. prefix "encoder.rnn." and suffix "_l0_reverse".
    /// </summary>
    public RecurrentLayer(ParameterStore store, RecurrentCellKind cell, int inputSize, int hiddenSize, bool reverse, string prefix = "", string suffix = "")
    {
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), $"Input size must be positive, got {inputSize}.");
        _cell = new RecurrentCell(cell, hiddenSize);
        _gw = _cell.GateWidth;
        (InputSize, HiddenSize, Reverse) = (inputSize, hiddenSize, reverse);
        WeightIh = store.Get(prefix + "weight_ih" + suffix, ParameterRole.Weight, [_gw, inputSize]);
        WeightHh = store.Get(prefix + "weight_hh" + suffix, ParameterRole.Weight, [_gw, hiddenSize]);
        BiasIh = store.Get(prefix + "bias_ih" + suffix, ParameterRole.Bias, [_gw]);
        BiasHh = store.Get(prefix + "bias_hh" + suffix, ParameterRole.Bias, [_gw]);
    }

    public RecurrentCellKind Cell => _cell.Kind;
    public bool HasCellState => _cell.HasCellState;
    public int InputSize { get; }
    public int HiddenSize { get; }
    public bool Reverse { get; }
    public Parameter WeightIh { get; }
    public Parameter WeightHh { get; }
    public Parameter BiasIh { get; }
    public Parameter BiasHh { get; }

    /// <summary>In PyTorch's order: weight_ih, weight_hh, bias_ih, bias_hh.</summary>
    public IEnumerable<Parameter> Parameters()
    {
        yield return WeightIh;
        yield return WeightHh;
        yield return BiasIh;
        yield return BiasHh;
    }

    /// <summary>h_n [B, H] of the last forward: each row's state after its last real step.</summary>
    public ReadOnlySpan<float> FinalHidden => State(_h, _time);

    /// <summary>c_n [B, H] of the last forward (LSTM; empty otherwise).</summary>
    public ReadOnlySpan<float> FinalCell => HasCellState ? State(_c, _time) : default;

    /// <summary>
    /// h [T+1, B, H] of the last forward in walking order: entry s is the state after s steps (s = 0: h0), i.e. after
    /// time s − 1 going forward, or after time T − s going in reverse. A padded step repeats the state before it.
    /// </summary>
    public ReadOnlySpan<float> States => _h.Span;

    /// <summary>
    /// ∂L/∂h [T+1, B, H] of the last backward, in the walking order of <see cref="States"/>: the whole gradient
    /// reaching each state (from its own output and from every later step).
    /// </summary>
    public ReadOnlySpan<float> StateGrads => _dStates.Span;

    /// <summary>∂L/∂h0 [B, H] after a Backward.</summary>
    public ReadOnlySpan<float> InitialHiddenGrad => _dh.Span;

    /// <summary>∂L/∂c0 [B, H] after a Backward (LSTM; empty otherwise).</summary>
    public ReadOnlySpan<float> InitialCellGrad => HasCellState ? _dc.Span : default;

    /// <summary>
    /// x [B, T, I] → this direction's outputs, written to columns [offset, offset + H) of
    /// <paramref name="output"/> [B, T, W] (W = H, or 2H when two directions share it). h0, c0 [B, H]
    /// are the initial states (empty: zeros).
    /// </summary>
    public void Forward(Tensor x, ReadOnlySpan<int> lengths, Tensor output, int offset,
        ReadOnlySpan<float> h0 = default, ReadOnlySpan<float> c0 = default)
    {
        int hid = HiddenSize;
        if (x.Rank != 3 || x.Dim(2) != InputSize) throw new ArgumentException($"{WeightIh.Name}: input must be [B, T, {InputSize}], got {x}.");
        int batch = x.Dim(0), time = x.Dim(1), width = output.Dim(-1);
        if (output.Length != batch * time * width || offset < 0 || offset + hid > width)
            throw new ArgumentException($"{WeightIh.Name}: output {output} cannot take columns [{offset}, {offset + hid}) of a [{batch}, {time}, ·] batch.");
        CheckLengths(lengths, batch, time);
        CheckState(h0, batch, "h0");
        if (HasCellState) CheckState(c0, batch, "c0");
        else if (!c0.IsEmpty) throw new ArgumentException($"{WeightIh.Name}: c0 given to a {Cell} layer.");
        (_input, _batch, _time) = (x, batch, time);
        if (_lengths.Length < batch) _lengths = new int[batch];
        lengths.CopyTo(_lengths);

        // a_x [B·T, G·H] = x [B·T, I] · W_ihᵀ + b_ih, every step at once
        _ax.Resize(batch, time, _gw);
        Linear.Project(x.Span, batch * time, InputSize, WeightIh.Value.Span, BiasIh.Value.Span, _gw, _ax.Span);
        _ah.Resize(batch, _gw);                                                          // [B, G·H]
        _h.Resize(time + 1, batch, hid);                                                 // [T+1, B, H]
        _c.Resize(HasCellState ? time + 1 : 0, batch, hid);                             // [T+1, B, H]
        _cache.Resize(time, batch, _cell.CacheWidth);                                   // [T, B, width]
        if (h0.IsEmpty) State(_h, 0).Clear(); else h0.CopyTo(State(_h, 0));
        if (HasCellState) { if (c0.IsEmpty) State(_c, 0).Clear(); else c0.CopyTo(State(_c, 0)); }

        var ax = _ax.Span;
        var outData = output.Span;
        for (int s = 0; s < time; s++)
        {
            int t = TimeAt(s);
            Span<float> h = State(_h, s), hNext = State(_h, s + 1);
            Span<float> c = HasCellState ? State(_c, s) : default, cNext = HasCellState ? State(_c, s + 1) : default;
            // a_h [B, G·H] = h [B, H] · W_hhᵀ + b_hh
            if (AnyActive(t)) Linear.Project(h, batch, hid, WeightHh.Value.Span, BiasHh.Value.Span, _gw, _ah.Span);
            for (int b = 0; b < batch; b++)
            {
                var outRow = outData.Slice((b * time + t) * width + offset, hid);
                var hb = h.Slice(b * hid, hid);
                var hbNext = hNext.Slice(b * hid, hid);
                if (t < _lengths[b])
                {
                    _cell.Forward(ax.Slice((b * time + t) * _gw, _gw), _ah.Span.Slice(b * _gw, _gw), hb, Row(c, b), hbNext, Row(cNext, b),
                        _cache.Span.Slice((s * batch + b) * _cell.CacheWidth, _cell.CacheWidth));
                    hbNext.CopyTo(outRow);
                }
                else
                {
                    // padded step: the state passes through, the output is zero
                    hb.CopyTo(hbNext);
                    if (HasCellState) Row(c, b).CopyTo(Row(cNext, b));
                    outRow.Clear();
                }
            }
        }
    }

    /// <summary>
    /// The backward of <see cref="Forward"/>: ∂L/∂output (columns [offset, offset + H) of dOutput [B, T, W];
    /// values at padded steps are ignored), ∂L/∂h_n and ∂L/∂c_n [B, H] (empty: zero) → ∂L/∂x written to
    /// <paramref name="dx"/> [B, T, I] (added when <paramref name="accumulateDx"/>), ∂L/∂h0 and ∂L/∂c0 in
    /// <see cref="InitialHiddenGrad"/> / <see cref="InitialCellGrad"/>; accumulates every weight gradient.
    /// </summary>
    public void Backward(Tensor dOutput, int offset, ReadOnlySpan<float> dhN, ReadOnlySpan<float> dcN, Tensor dx, bool accumulateDx = false)
    {
        var x = _input ?? throw new InvalidOperationException($"{WeightIh.Name}: Backward called before Forward.");
        int batch = _batch, time = _time, hid = HiddenSize, width = dOutput.Dim(-1);
        if (dOutput.Length != batch * time * width || offset < 0 || offset + hid > width)
            throw new ArgumentException($"{WeightIh.Name}: dOutput {dOutput} does not match the [{batch}, {time}, ·] forward.");
        if (dx.Length != x.Length) throw new ArgumentException($"{WeightIh.Name}: dx has {dx.Length} values, the input {x.Length}.");
        CheckState(dhN, batch, "dh_n");
        if (HasCellState) CheckState(dcN, batch, "dc_n");

        _dh.Resize(batch, hid);                                                          // [B, H]
        _dc.Resize(HasCellState ? batch : 0, hid);                                       // [B, H]
        if (dhN.IsEmpty) _dh.Clear(); else dhN.CopyTo(_dh.Span);
        if (HasCellState) { if (dcN.IsEmpty) _dc.Clear(); else dcN.CopyTo(_dc.Span); }
        _dax.Resize(batch, time, _gw);                                                   // [B, T, G·H]
        _dah.Resize(time, batch, _gw);                                                   // [T, B, G·H]
        _dStates.Resize(time + 1, batch, hid);                                           // [T+1, B, H]

        var dOut = dOutput.Span;
        var dh = _dh.Span;
        for (int s = time - 1; s >= 0; s--)
        {
            int t = TimeAt(s);
            ReadOnlySpan<float> h = State(_h, s), hNext = State(_h, s + 1), c = HasCellState ? State(_c, s) : default;
            var dahStep = _dah.Span.Slice(s * batch * _gw, batch * _gw);
            for (int b = 0; b < batch; b++)
            {
                var daxRow = _dax.Span.Slice((b * time + t) * _gw, _gw);
                var dahRow = dahStep.Slice(b * _gw, _gw);
                var dhb = dh.Slice(b * hid, hid);
                if (t < _lengths[b])
                {
                    // ∂L/∂h' = from the output at t + from the step after
                    System.Numerics.Tensors.TensorPrimitives.Add(dhb, dOut.Slice((b * time + t) * width + offset, hid), dhb);
                    dhb.CopyTo(State(_dStates, s + 1).Slice(b * hid, hid));
                    _cell.Backward(_cache.Span.Slice((s * batch + b) * _cell.CacheWidth, _cell.CacheWidth),
                        h.Slice(b * hid, hid), Row(c, b), hNext.Slice(b * hid, hid), dhb, Row(_dc.Span, b), daxRow, dahRow);
                }
                else
                {
                    // padded step: the state's gradient passes through; nothing reaches the gates
                    dhb.CopyTo(State(_dStates, s + 1).Slice(b * hid, hid));
                    daxRow.Clear();
                    dahRow.Clear();
                }
            }
            // ∂h [B, H] += ∂a_h [B, G·H] · W_hh [G·H, H]
            if (AnyActive(t)) Gemm.Sgemm(false, false, batch, hid, _gw, 1f, dahStep, _gw, WeightHh.Value.Span, hid, 1f, dh, hid);
        }
        dh.CopyTo(State(_dStates, 0));
        // dW_hh [G·H, H] += Σ_s ∂a_h,sᵀ · h_s over all steps at once ([T·B, G·H]ᵀ · [T·B, H]); db_hh += Σ ∂a_h
        Linear.ProjectBackward(_dah.Span, _h.Span[..(time * batch * hid)], time * batch, hid, WeightHh.Value.Span, _gw,
            WeightHh.Grad.Span, BiasHh.Grad.Span, default);
        // dx [B·T, I] = ∂a_x · W_ih; dW_ih [G·H, I] += ∂a_xᵀ · x; db_ih += Σ ∂a_x
        Linear.ProjectBackward(_dax.Span, x.Span, batch * time, InputSize, WeightIh.Value.Span, _gw,
            WeightIh.Grad.Span, BiasIh.Grad.Span, dx.Span, accumulateDx);
    }

    /// <summary>
    /// One step for a batch of rows (a decoder at inference): x [B, I], h [B, H] (and c) → h' [B, H] (and c').
    /// h' may be the same memory as h, c' as c. Caches nothing; uses the same cell math as <see cref="Forward"/>.
    /// </summary>
    public void Step(ReadOnlySpan<float> x, int batch, ReadOnlySpan<float> h, ReadOnlySpan<float> c, Span<float> hNext, Span<float> cNext)
    {
        int hid = HiddenSize;
        if (x.Length != batch * InputSize) throw new ArgumentException($"{WeightIh.Name}: step input has {x.Length} values, expected [{batch}, {InputSize}].");
        if (h.Length != batch * hid || hNext.Length != batch * hid) throw new ArgumentException($"{WeightIh.Name}: step states must be [{batch}, {hid}].");
        if (HasCellState && (c.Length != batch * hid || cNext.Length != batch * hid)) throw new ArgumentException($"{WeightIh.Name}: LSTM step cell states must be [{batch}, {hid}].");
        // a_x [B, G·H] = x·W_ihᵀ + b_ih; a_h [B, G·H] = h·W_hhᵀ + b_hh (both before h' overwrites h)
        _stepAx.Resize(batch, _gw);
        _stepAh.Resize(batch, _gw);
        _stepCache.Resize(_cell.CacheWidth);
        Linear.Project(x, batch, InputSize, WeightIh.Value.Span, BiasIh.Value.Span, _gw, _stepAx.Span);
        Linear.Project(h, batch, hid, WeightHh.Value.Span, BiasHh.Value.Span, _gw, _stepAh.Span);
        for (int b = 0; b < batch; b++)
            _cell.Forward(_stepAx.Span.Slice(b * _gw, _gw), _stepAh.Span.Slice(b * _gw, _gw), h.Slice(b * hid, hid),
                HasCellState ? c.Slice(b * hid, hid) : default, hNext.Slice(b * hid, hid),
                HasCellState ? cNext.Slice(b * hid, hid) : default, _stepCache.Span);
    }

    // Step s of the walk visits time t: forward 0 … T−1, reverse T−1 … 0.
    private int TimeAt(int s) => Reverse ? _time - 1 - s : s;

    private bool AnyActive(int t)
    {
        for (int b = 0; b < _batch; b++) if (t < _lengths[b]) return true;
        return false;
    }

    // The [B, H] state after walk step s (s = 0: the initial state).
    private Span<float> State(Tensor states, int s) => states.Span.Slice(s * _batch * HiddenSize, _batch * HiddenSize);

    private Span<float> Row(Span<float> rows, int b) => rows.IsEmpty ? default : rows.Slice(b * HiddenSize, HiddenSize);
    private ReadOnlySpan<float> Row(ReadOnlySpan<float> rows, int b) => rows.IsEmpty ? default : rows.Slice(b * HiddenSize, HiddenSize);

    private void CheckLengths(ReadOnlySpan<int> lengths, int batch, int time)
    {
        if (lengths.Length != batch) throw new ArgumentException($"{WeightIh.Name}: {lengths.Length} lengths for a batch of {batch}.");
        foreach (int n in lengths)
            if ((uint)n > (uint)time) throw new ArgumentOutOfRangeException(nameof(lengths), $"{WeightIh.Name}: length {n} outside [0, {time}].");
    }

    private void CheckState(ReadOnlySpan<float> state, int batch, string what)
    {
        if (!state.IsEmpty && state.Length != batch * HiddenSize)
            throw new ArgumentException($"{WeightIh.Name}: {what} has {state.Length} values, expected [{batch}, {HiddenSize}].");
    }
}
