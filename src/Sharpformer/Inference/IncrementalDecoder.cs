using System.Numerics.Tensors;
using Sharpformer.Kernels;
using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>
/// Runs the decoder one position at a time with a key/value cache: each step feeds one new token
/// per row, appends its keys and values to every self-attention layer's cache, and reuses the
/// cross-attention keys and values computed once from the encoder memory. The result equals the
/// full decoder on the whole prefix (the look-ahead mask makes earlier positions independent of
/// later ones), at a cost per step that does not grow with the square of the length.
/// Reads the model's weights only; owns every buffer, so one model can serve several decoders.
/// With <see cref="RecordAttention"/> on, it also keeps every row's attention weights per step
/// (the attention maps), following rows through <see cref="Reorder"/>.
/// </summary>
public sealed class IncrementalDecoder
{
    private readonly Transformer _model;
    private readonly int _d, _heads, _dk, _layers, _maxLength;
    private readonly LayerCache[] _cache;
    private readonly ScaledDotProductAttention _attention = new(new DropoutLayer(0f, -1));
    private readonly AttentionMask _selfMask = new(), _sourceMask = new();
    private float[] _x = [], _normed = [], _qkv = [], _q = [], _context = [], _branch = [], _hidden = [];
    private int _rows, _sourceLength;
    private List<AttentionStep>[] _history = [];
    private bool _recordsAttention;           // RecordAttention as it was at Start
    private AttentionStep[]? _recording;      // the step being recorded, one entry per row

    public IncrementalDecoder(Transformer model, int maxLength)
    {
        _model = model;
        var c = model.Config;
        (_d, _heads, _dk, _layers, _maxLength) = (c.DModel, c.Heads, c.HeadDim, c.DecoderLayers, maxLength);
        _cache = Enumerable.Range(0, _layers).Select(_ => new LayerCache()).ToArray();
    }

    /// <summary>Rows currently decoded (batch × beams).</summary>
    public int Rows => _rows;

    /// <summary>Tokens fed so far.</summary>
    public int Position { get; private set; }

    /// <summary>Most positions a row can hold (the cache size given to the constructor).</summary>
    public int MaxLength => _maxLength;

    /// <summary>
    /// When true at <see cref="Start"/>, every step keeps each row's self- and cross-attention weights
    /// (read them with <see cref="AttentionHistory"/>). Off by default, so the normal path pays one flag test per layer.
    /// </summary>
    public bool RecordAttention { get; set; }

    /// <summary>
    /// Prepares the caches for memory [B, S, d] and its source ids [B, S] (for the padding mask);
    /// each source row is repeated <paramref name="copies"/> times (beams), giving B·copies rows.
    /// </summary>
    public void Start(Tensor memory, ReadOnlySpan<int> sourceIds, int copies = 1)
    {
        int batch = memory.Dim(0);
        _sourceLength = memory.Dim(1);
        if (memory.Rank != 3 || memory.Dim(2) != _d) throw new ArgumentException($"Memory must be [B, S, {_d}], got {memory}.");
        if (sourceIds.Length != batch * _sourceLength) throw new ArgumentException($"Start needs {batch}×{_sourceLength} source ids, got {sourceIds.Length}.");
        if (copies < 1) throw new ArgumentOutOfRangeException(nameof(copies), $"Need at least one copy per source row, got {copies}.");
        _rows = batch * copies;
        Position = 0;
        var expandedIds = new int[_rows * _sourceLength];
        for (int r = 0; r < _rows; r++) sourceIds.Slice(r / copies * _sourceLength, _sourceLength).CopyTo(expandedIds.AsSpan(r * _sourceLength));
        _sourceMask.SetFromIds(expandedIds, _rows, _sourceLength, _model.Config.PadId, causal: false);
        EnsureScratch(_rows);

        var kv = new float[batch * _sourceLength * 2 * _d];
        for (int l = 0; l < _layers; l++)
        {
            var layer = _model.Decoder.Layers[l].CrossAttention;
            var cache = _cache[l];
            cache.Allocate(_rows, _maxLength, _sourceLength, _d);
            // [K V] [B·S, 2d] = memory·[W_K; W_V]ᵀ + b, computed once for the whole decode
            Linear.Project(memory.Span, batch * _sourceLength, _d, layer.InProjWeight.Value.Span.Slice(_d * _d, 2 * _d * _d),
                layer.InProjBias.Value.Span.Slice(_d, 2 * _d), 2 * _d, kv);
            for (int r = 0; r < _rows; r++)
                kv.AsSpan(r / copies * _sourceLength * 2 * _d, _sourceLength * 2 * _d).CopyTo(cache.CrossKv.AsSpan(r * _sourceLength * 2 * _d));
        }
        _recordsAttention = RecordAttention;
        _history = _recordsAttention ? Enumerable.Range(0, _rows).Select(_ => new List<AttentionStep>()).ToArray() : [];
    }

    /// <summary>
    /// The attention weights row <paramref name="row"/> produced at each step so far (requires
    /// <see cref="RecordAttention"/>); after a <see cref="Reorder"/>, a row's history is its parent's.
    /// </summary>
    public IReadOnlyList<AttentionStep> AttentionHistory(int row)
    {
        if (!_recordsAttention) throw new InvalidOperationException("Attention was not recorded: set RecordAttention before Start.");
        if ((uint)row >= (uint)_rows) throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is outside the {_rows} rows.");
        return _history[row];
    }

    /// <summary>Feeds one token per row (the previous output, or BOS first); writes logits [rows, V].</summary>
    public void Step(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (tokens.Length != _rows) throw new ArgumentException($"Step needs {_rows} tokens, got {tokens.Length}.");
        if (Position >= _maxLength) throw new InvalidOperationException($"The cache holds {_maxLength} positions.");
        int n = _rows, t = Position;
        if (_recordsAttention) _recording = StartRecording(n, t + 1);
        var x = _x.AsSpan(0, n * _d);
        _model.TargetEmbedding.Lookup(tokens, x);                                  // [n, d] = E[token]·√d
        _model.Positions.AddTo(x, n, 1, offset: t);                                // + PE[t]
        for (int l = 0; l < _layers; l++) LayerStep(l, _model.Decoder.Layers[l], _cache[l], t);
        if (_model.Decoder.FinalNorm is { } final) final.Apply(x, x, n);
        _model.Generator.Apply(x, n, logits);                                      // [n, V] = x·Eᵀ
        Position++;
        if (_recording != null)
        {
            for (int r = 0; r < n; r++) _history[r].Add(_recording[r]);
            _recording = null;
        }
    }

    /// <summary>Keeps rows <paramref name="parents"/> (in that order): beam reordering and dropping finished rows.</summary>
    public void Reorder(ReadOnlySpan<int> parents)
    {
        foreach (int p in parents)
            if ((uint)p >= (uint)_rows) throw new ArgumentOutOfRangeException(nameof(parents), $"Parent row {p} is outside the {_rows} rows.");
        if (_recordsAttention)
        {
            var history = new List<AttentionStep>[parents.Length];
            for (int r = 0; r < parents.Length; r++) history[r] = new List<AttentionStep>(_history[parents[r]]);
            _history = history;
        }
        foreach (var cache in _cache) cache.Reorder(parents, Position, _d);
        var padding = new bool[parents.Length * _sourceLength];
        for (int r = 0; r < parents.Length; r++) _sourceMask.KeyPadding.Slice(parents[r] * _sourceLength, _sourceLength).CopyTo(padding.AsSpan(r * _sourceLength));
        _sourceMask.SetFromPadding(padding, parents.Length, _sourceLength);
        _rows = parents.Length;
        EnsureScratch(_rows);
    }

    private void LayerStep(int l, DecoderLayer layer, LayerCache cache, int t)
    {
        int n = _rows;
        bool pre = _model.Config.NormFirst;
        var x = _x.AsSpan(0, n * _d);
        var normed = _normed.AsSpan(0, n * _d);
        var branch = _branch.AsSpan(0, n * _d);

        // Masked self-attention: the new position sees the cached positions 0..t.
        var input = pre ? Normalize(layer.Norm1, x, normed) : x;
        var sa = layer.SelfAttention;
        Linear.Project(input, n, _d, sa.InProjWeight.Value.Span, sa.InProjBias.Value.Span, 3 * _d, _qkv);   // [n, 3d]
        for (int r = 0; r < n; r++)
        {
            _qkv.AsSpan(r * 3 * _d + _d, _d).CopyTo(cache.SelfK.AsSpan((r * _maxLength + t) * _d));
            _qkv.AsSpan(r * 3 * _d + 2 * _d, _d).CopyTo(cache.SelfV.AsSpan((r * _maxLength + t) * _d));
        }
        _selfMask.SetNone(n, t + 1);
        _attention.Forward(new HeadView(_qkv, 0, 3 * _d, 3 * _d), new HeadView(cache.SelfK, 0, _d, _maxLength * _d),
            new HeadView(cache.SelfV, 0, _d, _maxLength * _d), new HeadView(_context, 0, _d, _d), n, _heads, 1, t + 1, _dk, _selfMask, ForwardContext.Eval);
        if (_recording != null) KeepWeights(l, self: true, t + 1);
        sa.OutProj.Apply(_context.AsSpan(0, n * _d), n, branch);
        Residual(layer.Norm1, pre, x, branch);

        // Cross-attention over the encoder memory.
        input = pre ? Normalize(layer.Norm2, x, normed) : x;
        var ca = layer.CrossAttention;
        Linear.Project(input, n, _d, ca.InProjWeight.Value.Span[..(_d * _d)], ca.InProjBias.Value.Span[.._d], _d, _q);  // [n, d]
        _attention.Forward(new HeadView(_q, 0, _d, _d), new HeadView(cache.CrossKv, 0, 2 * _d, _sourceLength * 2 * _d),
            new HeadView(cache.CrossKv, _d, 2 * _d, _sourceLength * 2 * _d), new HeadView(_context, 0, _d, _d), n, _heads, 1, _sourceLength, _dk, _sourceMask, ForwardContext.Eval);
        if (_recording != null) KeepWeights(l, self: false, _sourceLength);
        ca.OutProj.Apply(_context.AsSpan(0, n * _d), n, branch);
        Residual(layer.Norm2, pre, x, branch);

        // Position-wise feed-forward.
        input = pre ? Normalize(layer.Norm3, x, normed) : x;
        var ff = layer.FeedForward;
        var hidden = _hidden.AsSpan(0, n * ff.Linear1.OutFeatures);
        ff.Linear1.Apply(input, n, hidden);                                        // [n, d_ff]
        if (ff.ActivationKind == Activation.Relu) Activations.Relu(hidden, hidden); else Activations.Gelu(hidden, hidden);
        ff.Linear2.Apply(hidden, n, branch);                                       // [n, d]
        Residual(layer.Norm3, pre, x, branch);
    }

    private AttentionStep[] StartRecording(int rows, int selfKeys)
    {
        float[][][] Maps(int keys) => Enumerable.Range(0, _layers).Select(_ => Enumerable.Range(0, _heads).Select(_ => new float[keys]).ToArray()).ToArray();
        return Enumerable.Range(0, rows).Select(_ => new AttentionStep(Maps(selfKeys), Maps(_sourceLength))).ToArray();
    }

    // The attention just run left its weights [rows, heads, 1, keys] in _attention.Weights.
    private void KeepWeights(int layer, bool self, int keys)
    {
        var weights = _attention.Weights.Span;
        for (int r = 0; r < _rows; r++)
        {
            var maps = self ? _recording![r].Self[layer] : _recording![r].Cross[layer];
            for (int h = 0; h < _heads; h++) weights.Slice((r * _heads + h) * keys, keys).CopyTo(maps[h]);
        }
    }

    private Span<float> Normalize(LayerNorm norm, Span<float> x, Span<float> into)
    {
        norm.Apply(x, into, _rows);
        return into;
    }

    // post-LN: x = LayerNorm(x + branch); pre-LN: x = x + branch
    private void Residual(LayerNorm norm, bool normFirst, Span<float> x, Span<float> branch)
    {
        TensorPrimitives.Add(x, branch, x);
        if (!normFirst) norm.Apply(x, x, _rows);
    }

    private void EnsureScratch(int rows)
    {
        int dFf = _model.Config.DFf;
        if (_x.Length >= rows * _d) return;
        _x = new float[rows * _d];
        _normed = new float[rows * _d];
        _qkv = new float[rows * 3 * _d];
        _q = new float[rows * _d];
        _context = new float[rows * _d];
        _branch = new float[rows * _d];
        _hidden = new float[rows * dFf];
    }

    /// <summary>One decoder layer's cached keys and values, row-major by decoding row.</summary>
    private sealed class LayerCache
    {
        public float[] SelfK = [], SelfV = [], CrossKv = [];
        private float[] _spare = [];
        private int _selfRow, _crossRow;

        public void Allocate(int rows, int maxLength, int sourceLength, int d)
        {
            (_selfRow, _crossRow) = (maxLength * d, sourceLength * 2 * d);
            // Checked one by one: Reorder swaps buffers with a shared spare, so their sizes drift apart.
            if (SelfK.Length < rows * _selfRow) SelfK = new float[rows * _selfRow];
            if (SelfV.Length < rows * _selfRow) SelfV = new float[rows * _selfRow];
            if (CrossKv.Length < rows * _crossRow) CrossKv = new float[rows * _crossRow];
        }

        public void Reorder(ReadOnlySpan<int> parents, int filled, int d)
        {
            Gather(ref SelfK, parents, _selfRow, filled * d);
            Gather(ref SelfV, parents, _selfRow, filled * d);
            Gather(ref CrossKv, parents, _crossRow, _crossRow);
        }

        // Row r of the result is row parents[r] of the buffer (first `used` floats); buffers swap to avoid allocating.
        private void Gather(ref float[] buffer, ReadOnlySpan<int> parents, int rowSize, int used)
        {
            int need = Math.Max(buffer.Length, parents.Length * rowSize);
            if (_spare.Length < need) _spare = new float[need];
            for (int r = 0; r < parents.Length; r++) buffer.AsSpan(parents[r] * rowSize, used).CopyTo(_spare.AsSpan(r * rowSize));
            (buffer, _spare) = (_spare, buffer);
        }
    }
}
