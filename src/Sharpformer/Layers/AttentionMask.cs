namespace Sharpformer.Layers;

/// <summary>
/// Which keys a query may attend to: key padding per batch row (true = a pad token, never
/// attended) and, for decoder self-attention, the look-ahead (causal) rule key ≤ query.
/// </summary>
public sealed class AttentionMask
{
    private bool[] _keyPadding = [];

    /// <summary>Query position i may see key j only when j ≤ i + <see cref="CausalOffset"/>.</summary>
    public bool Causal { get; private set; }

    /// <summary>Position of the first query among the keys (0 in training; t in an incremental decoding step).</summary>
    public int CausalOffset { get; private set; }

    public int Batch { get; private set; }
    public int KeyLength { get; private set; }
    public bool HasPadding { get; private set; }

    /// <summary>[B·Tk], true where the key is padding.</summary>
    public ReadOnlySpan<bool> KeyPadding => _keyPadding.AsSpan(0, Batch * KeyLength);

    /// <summary>Sets the mask from token ids [B, Tk]: keys equal to <paramref name="padId"/> are masked.</summary>
    public AttentionMask SetFromIds(ReadOnlySpan<int> ids, int batch, int keyLength, int padId, bool causal, int causalOffset = 0)
    {
        if (ids.Length != batch * keyLength) throw new ArgumentException($"Mask: {ids.Length} ids for [{batch}, {keyLength}].");
        Resize(batch, keyLength);
        bool any = false;
        for (int i = 0; i < ids.Length; i++) any |= _keyPadding[i] = ids[i] == padId;
        HasPadding = any;
        Causal = causal;
        CausalOffset = causalOffset;
        return this;
    }

    /// <summary>Sets the mask from per-row valid lengths: keys at or after length[b] are masked.</summary>
    public AttentionMask SetFromLengths(ReadOnlySpan<int> lengths, int keyLength, bool causal, int causalOffset = 0)
    {
        Resize(lengths.Length, keyLength);
        bool any = false;
        for (int b = 0; b < lengths.Length; b++)
            for (int j = 0; j < keyLength; j++)
                any |= _keyPadding[b * keyLength + j] = j >= lengths[b];
        HasPadding = any;
        Causal = causal;
        CausalOffset = causalOffset;
        return this;
    }

    /// <summary>Sets the key padding directly ([B·Tk], true = masked); not causal.</summary>
    public AttentionMask SetFromPadding(ReadOnlySpan<bool> padding, int batch, int keyLength)
    {
        if (padding.Length != batch * keyLength) throw new ArgumentException($"Mask: {padding.Length} flags for [{batch}, {keyLength}].");
        Resize(batch, keyLength);
        padding.CopyTo(_keyPadding);
        HasPadding = padding.Contains(true);
        Causal = false;
        CausalOffset = 0;
        return this;
    }

    /// <summary>No mask: every query sees all <paramref name="keyLength"/> keys.</summary>
    public AttentionMask SetNone(int batch, int keyLength)
    {
        Resize(batch, keyLength);
        HasPadding = false;
        Causal = false;
        CausalOffset = 0;
        return this;
    }

    /// <summary>The causal mask alone (no padding).</summary>
    public AttentionMask SetCausalOnly(int batch, int keyLength, int causalOffset = 0)
    {
        Resize(batch, keyLength);
        _keyPadding.AsSpan(0, batch * keyLength).Clear();
        HasPadding = false;
        Causal = true;
        CausalOffset = causalOffset;
        return this;
    }

    /// <summary>Number of keys query i may consider before padding: the causal prefix, or all keys.</summary>
    public int VisibleKeys(int queryIndex) => Causal ? Math.Min(KeyLength, queryIndex + CausalOffset + 1) : KeyLength;

    private void Resize(int batch, int keyLength)
    {
        Batch = batch;
        KeyLength = keyLength;
        if (_keyPadding.Length < batch * keyLength) _keyPadding = new bool[batch * keyLength];
    }
}
