using System.Numerics.Tensors;
using Sharpformer.Kernels;

namespace Sharpformer.Layers.Recurrent;

/// <summary>The recurrence of a layer, as PyTorch's nn.RNN (tanh), nn.GRU and nn.LSTM.</summary>
public enum RecurrentCellKind { Rnn, Gru, Lstm }

/// <summary>
/// The gate math of one time step for one batch row, forward and backward, shared by the
/// full-sequence pass and the single-step decoder API. The matrix products are not done here: the
/// caller hands in the two pre-activations a_x = W_ih·x + b_ih and a_h = W_hh·h + b_hh, each
/// [G·H] with the gates stacked in PyTorch's order (RNN: one block; GRU: r, z, n; LSTM: i, f, g, o),
/// and gets back the gradients of both, from which it does the products of the backward pass.
/// Caches (in a row the caller owns, <see cref="CacheWidth"/> floats): GRU r, z, n and W_hn·h + b_hn;
/// LSTM i, f, g, o and tanh(c'); the plain RNN needs only its output h'.
/// </summary>
public sealed class RecurrentCell
{
    public RecurrentCell(RecurrentCellKind kind, int hidden)
    {
        if (hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), $"Hidden size must be positive, got {hidden}.");
        Kind = kind;
        Hidden = hidden;
        Gates = GateCount(kind);
        CacheWidth = kind switch { RecurrentCellKind.Gru => 4 * hidden, RecurrentCellKind.Lstm => 5 * hidden, _ => 0 };
    }

    public RecurrentCellKind Kind { get; }
    public int Hidden { get; }

    /// <summary>Number of gate blocks G stacked in the weight rows: 1, 3 or 4.</summary>
    public int Gates { get; }

    /// <summary>Width of a gate row, G·H.</summary>
    public int GateWidth => Gates * Hidden;

    /// <summary>Floats cached per row and step for the backward pass.</summary>
    public int CacheWidth { get; }

    /// <summary>Whether the cell carries a memory cell c beside h (LSTM).</summary>
    public bool HasCellState => Kind == RecurrentCellKind.Lstm;

    public static int GateCount(RecurrentCellKind kind) => kind switch
    {
        RecurrentCellKind.Rnn => 1,
        RecurrentCellKind.Gru => 3,
        RecurrentCellKind.Lstm => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The cell named as in the golden files and configs: "rnn" (tanh), "gru" or "lstm".</summary>
    public static RecurrentCellKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "rnn" or "rnn_tanh" or "tanh" => RecurrentCellKind.Rnn,
        "gru" => RecurrentCellKind.Gru,
        "lstm" => RecurrentCellKind.Lstm,
        _ => throw new ArgumentException($"Unknown recurrent cell '{name}' (expected rnn, gru or lstm)."),
    };

    /// <summary>
    /// One step of one row: (a_x, a_h, h, c) → (h', c'), filling the cache row. h' may be the same
    /// memory as h and c' as c (a state updated in place); c and c' are ignored unless LSTM.
    /// </summary>
    public void Forward(ReadOnlySpan<float> ax, ReadOnlySpan<float> ah, ReadOnlySpan<float> h, ReadOnlySpan<float> c,
        Span<float> hNext, Span<float> cNext, Span<float> cache)
    {
        int n = Hidden;
        if (ax.Length != GateWidth || ah.Length != GateWidth) throw new ArgumentException($"Cell: pre-activations must have {GateWidth} values.");
        if (h.Length != n || hNext.Length != n || cache.Length != CacheWidth) throw new ArgumentException("Cell: state or cache row has the wrong length.");
        switch (Kind)
        {
            case RecurrentCellKind.Rnn:
                // h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
                TensorPrimitives.Add(ax, ah, hNext);
                GateActivations.Tanh(hNext, hNext);
                break;

            case RecurrentCellKind.Gru:
            {
                Span<float> rz = cache[..(2 * n)], r = cache[..n], z = cache.Slice(n, n), g = cache.Slice(2 * n, n), hn = cache.Slice(3 * n, n);
                // r = σ(a_x,r + a_h,r), z = σ(a_x,z + a_h,z)
                TensorPrimitives.Add(ax[..(2 * n)], ah[..(2 * n)], rz);
                GateActivations.Sigmoid(rz, rz);
                // n = tanh(a_x,n + r ⊙ (W_hn h + b_hn))
                ah.Slice(2 * n, n).CopyTo(hn);
                TensorPrimitives.Multiply(r, hn, g);
                TensorPrimitives.Add(g, ax.Slice(2 * n, n), g);
                GateActivations.Tanh(g, g);
                // h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n)
                TensorPrimitives.Subtract(h, g, hNext);
                TensorPrimitives.Multiply(z, hNext, hNext);
                TensorPrimitives.Add(hNext, g, hNext);
                break;
            }

            case RecurrentCellKind.Lstm:
            {
                if (c.Length != n || cNext.Length != n) throw new ArgumentException("Cell: LSTM cell state has the wrong length.");
                Span<float> gates = cache[..(4 * n)], i = cache[..n], f = cache.Slice(n, n), g = cache.Slice(2 * n, n), o = cache.Slice(3 * n, n);
                Span<float> tanhC = cache.Slice(4 * n, n);
                // i, f, o = σ(a_x + a_h), g = tanh(a_x + a_h)
                TensorPrimitives.Add(ax, ah, gates);
                GateActivations.Sigmoid(gates[..(2 * n)], gates[..(2 * n)]);
                GateActivations.Tanh(g, g);
                GateActivations.Sigmoid(o, o);
                // c' = f ⊙ c + i ⊙ g
                TensorPrimitives.Multiply(f, c, cNext);
                TensorPrimitives.MultiplyAdd(i, g, cNext, cNext);
                // h' = o ⊙ tanh(c')
                GateActivations.Tanh(cNext, tanhC);
                TensorPrimitives.Multiply(o, tanhC, hNext);
                break;
            }
        }
    }

    /// <summary>
    /// The backward of <see cref="Forward"/> for one row. In: <paramref name="dh"/> = ∂L/∂h' (all of it:
    /// from the output and from the next step), <paramref name="dc"/> = ∂L/∂c' (LSTM). Out: ∂L/∂a_x into
    /// <paramref name="dax"/>, ∂L/∂a_h into <paramref name="dah"/>, and, overwriting dh and dc, the part
    /// of ∂L/∂h that does not go through W_hh (GRU's z ⊙ dh', zero otherwise) and ∂L/∂c.
    /// h is the state the step started from, hNext its result.
    /// </summary>
    public void Backward(ReadOnlySpan<float> cache, ReadOnlySpan<float> h, ReadOnlySpan<float> c, ReadOnlySpan<float> hNext,
        Span<float> dh, Span<float> dc, Span<float> dax, Span<float> dah)
    {
        int n = Hidden;
        if (dax.Length != GateWidth || dah.Length != GateWidth) throw new ArgumentException($"Cell: pre-activation gradients must have {GateWidth} values.");
        if (dh.Length != n || cache.Length != CacheWidth) throw new ArgumentException("Cell: gradient or cache row has the wrong length.");
        switch (Kind)
        {
            case RecurrentCellKind.Rnn:
                // ∂a = dh' ⊙ (1 − h'²), the same for a_x and a_h
                GateActivations.TanhBackward(hNext, dh, dax);
                dh.Clear();
                break;

            case RecurrentCellKind.Gru:
            {
                ReadOnlySpan<float> r = cache[..n], z = cache.Slice(n, n), g = cache.Slice(2 * n, n), hn = cache.Slice(3 * n, n);
                Span<float> dr = dax[..n], dz = dax.Slice(n, n), dn = dax.Slice(2 * n, n), dhn = dah.Slice(2 * n, n);
                // ∂z = dh' ⊙ (h − n) ⊙ z(1 − z)
                TensorPrimitives.Subtract(h, g, dz);
                TensorPrimitives.Multiply(dz, dh, dz);
                GateActivations.SigmoidBackward(z, dz, dz);
                // ∂n = dh' ⊙ (1 − z) ⊙ (1 − n²); ∂h (direct) = dh' ⊙ z
                TensorPrimitives.Multiply(dh, z, dhn);
                TensorPrimitives.Subtract(dh, dhn, dn);
                dhn.CopyTo(dh);
                GateActivations.TanhBackward(g, dn, dn);
                // ∂(W_hn h + b_hn) = ∂n ⊙ r; ∂r = ∂n ⊙ (W_hn h + b_hn) ⊙ r(1 − r)
                TensorPrimitives.Multiply(dn, r, dhn);
                TensorPrimitives.Multiply(dn, hn, dr);
                GateActivations.SigmoidBackward(r, dr, dr);
                // r and z sit inside σ(a_x + a_h): both sides get the same gradient
                dax[..(2 * n)].CopyTo(dah);
                break;
            }

            case RecurrentCellKind.Lstm:
            {
                if (c.Length != n || dc.Length != n) throw new ArgumentException("Cell: LSTM cell state has the wrong length.");
                ReadOnlySpan<float> i = cache[..n], f = cache.Slice(n, n), g = cache.Slice(2 * n, n), o = cache.Slice(3 * n, n);
                ReadOnlySpan<float> tanhC = cache.Slice(4 * n, n);
                Span<float> di = dax[..n], df = dax.Slice(n, n), dg = dax.Slice(2 * n, n), dO = dax.Slice(3 * n, n);
                // ∂o = dh' ⊙ tanh(c') ⊙ o(1 − o)
                TensorPrimitives.Multiply(dh, tanhC, dO);
                GateActivations.SigmoidBackward(o, dO, dO);
                // ∂c' += dh' ⊙ o ⊙ (1 − tanh²(c'))   (dg holds the term for a moment)
                TensorPrimitives.Multiply(dh, o, dg);
                GateActivations.TanhBackward(tanhC, dg, dg);
                TensorPrimitives.Add(dc, dg, dc);
                // ∂i = ∂c' ⊙ g ⊙ i(1 − i); ∂f = ∂c' ⊙ c ⊙ f(1 − f); ∂g = ∂c' ⊙ i ⊙ (1 − g²)
                TensorPrimitives.Multiply(dc, g, di);
                GateActivations.SigmoidBackward(i, di, di);
                TensorPrimitives.Multiply(dc, c, df);
                GateActivations.SigmoidBackward(f, df, df);
                TensorPrimitives.Multiply(dc, i, dg);
                GateActivations.TanhBackward(g, dg, dg);
                // ∂c = ∂c' ⊙ f; h reaches h' only through W_hh
                TensorPrimitives.Multiply(dc, f, dc);
                dh.Clear();
                break;
            }
        }
        if (Kind != RecurrentCellKind.Gru) dax.CopyTo(dah);
    }
}
