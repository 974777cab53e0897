namespace Sharpformer.Layers;

/// <summary>
/// What one decoder layer keeps between decoding steps, row-major by decoding row: the keys and
/// values of every position fed so far (self-attention, [rows, capacity, d] each) and the keys and
/// values of the encoder memory (cross-attention, [rows, S, 2d], computed once per decode).
/// Used by one decoder state at a time (kept with the network the state rents), never by the model itself,
/// so decodes running at the same time do not meet.
/// </summary>
public sealed class DecoderLayerCache
{
    private float[] _spare = [];

    public float[] SelfK { get; private set; } = [];
    public float[] SelfV { get; private set; } = [];
    public float[] CrossKv { get; private set; } = [];

    /// <summary>Positions a row can hold.</summary>
    public int Capacity { get; private set; }
    public int SourceLength { get; private set; }
    private int _d;

    public void Allocate(int rows, int capacity, int sourceLength, int d)
    {
        (Capacity, SourceLength, _d) = (capacity, sourceLength, d);
        // Checked one by one: Reorder swaps buffers with a shared spare, so their sizes drift apart.
        if (SelfK.Length < rows * SelfRow) SelfK = new float[rows * SelfRow];
        if (SelfV.Length < rows * SelfRow) SelfV = new float[rows * SelfRow];
        if (CrossKv.Length < rows * CrossRow) CrossKv = new float[rows * CrossRow];
    }

    /// <summary>Row r becomes row parents[r]; <paramref name="filled"/> positions of the self-attention cache are live.</summary>
    public void Reorder(ReadOnlySpan<int> parents, int filled)
    {
        SelfK = Gather(SelfK, parents, SelfRow, filled * _d);
        SelfV = Gather(SelfV, parents, SelfRow, filled * _d);
        CrossKv = Gather(CrossKv, parents, CrossRow, CrossRow);
    }

    private int SelfRow => Capacity * _d;
    private int CrossRow => SourceLength * 2 * _d;

    // Row r of the result is row parents[r] of the buffer (its first `used` floats); buffers swap to avoid allocating.
    private float[] Gather(float[] buffer, ReadOnlySpan<int> parents, int rowSize, int used)
    {
        int need = Math.Max(buffer.Length, parents.Length * rowSize);
        if (_spare.Length < need) _spare = new float[need];
        for (int r = 0; r < parents.Length; r++) buffer.AsSpan(parents[r] * rowSize, used).CopyTo(_spare.AsSpan(r * rowSize));
        var result = _spare;
        _spare = buffer;
        return result;
    }
}
