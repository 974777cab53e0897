namespace Sharpformer.Inspection;

/// <summary>One named axis of a traced tensor, e.g. ("d_model", 256).</summary>
public readonly record struct Axis(string Name, int Size)
{
    public override string ToString() => $"{Name}={Size}";
}

/// <summary>
/// One tensor on the way through a forward pass, as <c>sharpformer explain</c> shows it: where it is
/// (<see cref="Section"/>), what it is (<see cref="Name"/>, <see cref="Formula"/>), its shape with named axes
/// and its values (row-major over the axes, batch axis B = 1 included).
/// </summary>
public sealed record TraceTensor(string Section, string Name, string Formula, IReadOnlyList<Axis> Axes, float[] Values)
{
    /// <summary>The shape with named axes, e.g. "[B=1, T=7, d_model=256]".</summary>
    public string Shape => "[" + string.Join(", ", Axes) + "]";

    /// <summary>True for a per-head tensor (an axis named h).</summary>
    public bool PerHead => Axes.Any(a => a.Name == "h");

    /// <summary>Product of the sizes of the axes after <paramref name="axis"/>: the distance between consecutive entries along it.</summary>
    public int Stride(int axis)
    {
        int s = 1;
        for (int i = axis + 1; i < Axes.Count; i++) s *= Axes[i].Size;
        return s;
    }
}

/// <summary>
/// One attention sublayer as the trace computed it: queries, keys and weights per head, and the inputs
/// the queries and keys were projected from.
/// </summary>
/// <param name="Kind">"encoder self", "decoder self" or "cross".</param>
/// <param name="Layer">0-based layer index in its stack.</param>
/// <param name="Q">Queries [h, Tq, d_k].</param>
/// <param name="K">Keys [h, Tk, d_k].</param>
/// <param name="Weights">softmax(Q·Kᵀ/√d_k + mask) [h, Tq, Tk].</param>
/// <param name="QueryInput">What W_Q projected [Tq, d_model].</param>
/// <param name="KeyInput">What W_K projected [Tk, d_model].</param>
/// <param name="Causal">Query i sees keys 0..i only.</param>
public sealed record TracedAttention(string Kind, int Layer, int Heads, int HeadDim, int Tq, int Tk,
    float[] Q, float[] K, float[] Weights, float[] QueryInput, float[] KeyInput, int DModel, bool Causal)
{
    /// <summary>Keys query <paramref name="i"/> may see.</summary>
    public int Visible(int i) => Causal ? i + 1 : Tk;

    /// <summary>The weights of one head as [Tq][Tk].</summary>
    public float[][] Map(int head) =>
        Enumerable.Range(0, Tq).Select(i => Weights.AsSpan((head * Tq + i) * Tk, Tk).ToArray()).ToArray();
}
