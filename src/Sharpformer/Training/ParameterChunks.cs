using Sharpformer.Layers;

namespace Sharpformer.Training;

/// <summary>
/// All parameters cut into ranges of at most <see cref="Size"/> elements, so element-wise passes
/// over the whole model (Adam, gradient norm) spread evenly over the pool. The cut depends only on
/// the parameter shapes, so per-range partial sums add up in the same order on any thread count.
/// </summary>
public sealed class ParameterChunks
{
    public const int Size = 1 << 16;

    public readonly record struct Range(int Parameter, int Start, int Length);

    public ParameterChunks(IReadOnlyList<Parameter> parameters)
    {
        var ranges = new List<Range>();
        for (int p = 0; p < parameters.Count; p++)
            for (int start = 0; start < parameters[p].Length; start += Size)
                ranges.Add(new Range(p, start, Math.Min(Size, parameters[p].Length - start)));
        Ranges = ranges;
    }

    public IReadOnlyList<Range> Ranges { get; }
    public int Count => Ranges.Count;
}
