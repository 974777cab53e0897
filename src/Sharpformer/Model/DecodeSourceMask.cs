using Sharpformer.Layers;

namespace Sharpformer.Model;

/// <summary>
/// What every decoder state keeps of its sources: the key-padding mask of its rows (each source row repeated for its
/// copies, e.g. beams), kept in step with the rows as a search reorders them, and the checks of a step's arguments.
/// </summary>
internal sealed class DecodeSourceMask
{
    private bool[] _padding = [];

    public DecodeSourceMask(EncodedSource encoded, int copies, int maxSteps, int padId)
    {
        if (copies < 1) throw new ArgumentOutOfRangeException(nameof(copies), $"Need at least one copy per source row, got {copies}.");
        if (maxSteps < 0) throw new ArgumentOutOfRangeException(nameof(maxSteps), $"maxSteps must be ≥ 0, got {maxSteps}.");
        (SourceLength, MaxSteps) = (encoded.SourceLength, maxSteps);
        int rows = encoded.Batch * copies;
        var expandedIds = new int[rows * SourceLength];
        for (int r = 0; r < rows; r++) encoded.SourceIds.AsSpan(r / copies * SourceLength, SourceLength).CopyTo(expandedIds.AsSpan(r * SourceLength));
        Mask.SetFromIds(expandedIds, rows, SourceLength, padId, causal: false);
    }

    /// <summary>Padding of the rows' sources, [rows, S].</summary>
    public AttentionMask Mask { get; } = new();
    public int SourceLength { get; }
    public int MaxSteps { get; }
    public int Rows => Mask.Batch;

    /// <summary>Throws when a step gets a token count other than the rows', or goes beyond the steps the decode was started for.</summary>
    public void CheckStep(int tokens, int position)
    {
        if (tokens != Rows) throw new ArgumentException($"Step needs {Rows} tokens, got {tokens}.");
        if (position >= MaxSteps) throw new InvalidOperationException($"The decoder was started for {MaxSteps} steps.");
    }

    /// <summary>Throws unless every parent is a current row.</summary>
    public void CheckParents(ReadOnlySpan<int> parents)
    {
        foreach (int p in parents)
            if ((uint)p >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(parents), $"Parent row {p} is outside the {Rows} rows.");
    }

    /// <summary>Row r becomes old row parents[r].</summary>
    public void Reorder(ReadOnlySpan<int> parents)
    {
        int s = SourceLength;
        if (_padding.Length < parents.Length * s) _padding = new bool[parents.Length * s];
        var padding = _padding.AsSpan(0, parents.Length * s);
        for (int r = 0; r < parents.Length; r++) Mask.KeyPadding.Slice(parents[r] * s, s).CopyTo(padding[(r * s)..]);
        Mask.SetFromPadding(padding, parents.Length, s);
    }
}
