using Sharpformer.Kernels;
using Sharpformer.Layers;
using Sharpformer.Tensors;

namespace Sharpformer.Model;

/// <summary>
/// An RNN decode in progress. Each step embeds one token per row, advances the decoder's recurrent states with
/// <see cref="Layers.Recurrent.RecurrentStack.Step"/> (the same cell code as training's full-sequence pass), then
/// runs the network's <see cref="RnnNetwork.Head"/> (attention over the row's encoder states, h̃, tied projection)
/// on the new top state, as training does on every position. The per-row state is small and fixed: h (and c)
/// [layers, rows, H] plus the rows' encoder states; a step costs the same at every position. Rents a network of
/// the model's (with the row buffers it keeps for decoding) until disposed; reads the model's weights only.
/// </summary>
internal sealed class RnnDecoderState : IDecoderState
{
    private readonly RnnSeq2Seq _model;
    private readonly RnnNetwork _network;
    private readonly DecodeRows _rows;
    private readonly DecodeSourceMask _source;
    private readonly bool _withAttention;
    private bool _disposed;

    public RnnDecoderState(RnnSeq2Seq model, RnnEncodedSource encoded, int copies, int maxSteps, bool withAttention)
    {
        var config = model.Config;
        _source = new DecodeSourceMask(encoded, copies, maxSteps, config.PadId);
        if (encoded.InitialHidden.Rank != 3 || encoded.InitialHidden.Dim(0) != config.Layers || encoded.InitialHidden.Dim(2) != config.HiddenSize)
            throw new ArgumentException($"Initial states must be [{config.Layers}, B, {config.HiddenSize}], got {encoded.InitialHidden}.");
        (_model, _withAttention) = (model, withAttention);
        _network = model.Rent();
        _rows = _network.DecodeRows;
        _rows.Start(encoded, copies, config);
    }

    public int Rows => _source.Rows;
    public int Position { get; private set; }
    public StepAttention? LastAttention { get; private set; }

    public Span<float> Step(ReadOnlySpan<int> tokens)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _source.CheckStep(tokens.Length, Position);
        var config = _model.Config;
        int n = Rows, h = config.HiddenSize;
        var input = _network.TargetEmbedding.Forward(tokens, n, 1, ForwardContext.Eval);           // [n, 1, E]
        if (config.Attention == RnnAttentionKind.None) input = RnnNetwork.Join(input, _rows.Context, _rows.Input);   // [n, 1, E + M]
        // h_t, c_t [layers, n, H] from h_{t−1}, c_{t−1}, updated in place
        var hidden = _rows.Hidden.Span;
        var cell = _rows.Cell.Span;
        _network.Decoder.Step(input.Span, n, hidden, cell, hidden, cell);
        hidden.Slice((config.Layers - 1) * n * h, n * h).CopyTo(_rows.Query.Resize(n, 1, h).Span);   // the top layer's h_t [n, 1, H]
        var logits = _network.Head(_rows.Query, _rows.Memory, _source.Mask, _rows.Keys, _rows.Context, ForwardContext.Eval).Span;   // [n, V]
        int vocab = config.VocabSize;
        var scratch = _rows.Scratch(vocab);
        for (int r = 0; r < n; r++) LogSoftmax.InPlace(logits.Slice(r * vocab, vocab), scratch);
        Position++;
        if (_withAttention)
            LastAttention = new StepAttention([], _network.AttentionWeights is { } a ? [Tensor.FromArray(a.Span.ToArray(), n, 1, _source.SourceLength)] : []);
        return logits;
    }

    public void Reorder(ReadOnlySpan<int> parents)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _source.CheckParents(parents);
        _rows.Reorder(parents, Rows, _model.Config);
        _source.Reorder(parents);
        if (LastAttention is { Cross.Count: > 0 } last) LastAttention = new StepAttention([], [Gather(last.Cross[0], parents)]);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _model.Return(_network);
    }

    // [rows, 1, S] → the rows named by parents.
    private static Tensor Gather(Tensor map, ReadOnlySpan<int> parents)
    {
        int row = map.Dim(1) * map.Dim(2);
        var result = new Tensor(parents.Length, map.Dim(1), map.Dim(2));
        for (int r = 0; r < parents.Length; r++) map.Span.Slice(parents[r] * row, row).CopyTo(result.Span[(r * row)..]);
        return result;
    }

    /// <summary>
    /// What a decode keeps per row, kept with the network a decoder state rents so that decode after decode reuses
    /// the buffers: h, c [layers, rows, H], the rows' encoder states [rows, S, M] and keys [rows, S, A], rnn's context
    /// [rows, 1, M], and the step's scratch.
    /// </summary>
    internal sealed class DecodeRows
    {
        private Tensor _spare = new(0);
        private float[] _scratch = [];

        public Tensor Hidden { get; private set; } = new(0);
        public Tensor Cell { get; private set; } = new(0);
        public Tensor Memory { get; private set; } = new(0);
        public Tensor Keys { get; private set; } = new(0);
        public Tensor Context { get; private set; } = new(0);
        public Tensor Query { get; } = new(0);
        public Tensor Input { get; } = new(0);

        /// <summary>Fills the rows of a decode that repeats each source row <paramref name="copies"/> times.</summary>
        public void Start(RnnEncodedSource encoded, int copies, RnnConfig config)
        {
            int batch = encoded.Batch, rows = batch * copies, s = encoded.SourceLength;
            Expand(encoded.InitialHidden, Hidden, config.Layers, batch, copies);
            if (encoded.InitialCell != null) Expand(encoded.InitialCell, Cell, config.Layers, batch, copies);
            else Cell.Resize(0);
            // the rows' encoder states, keys and context: row r reads source row r / copies
            if (config.Attention != RnnAttentionKind.None) Repeat(encoded.Memory, Memory.Resize(rows, s, config.MemoryWidth), copies);
            if (encoded.Keys != null) Repeat(encoded.Keys, Keys.Resize(rows, s, encoded.Keys.Dim(2)), copies);
            if (encoded.Context != null) Repeat(encoded.Context, Context.Resize(rows, 1, encoded.Context.Dim(1)), copies);
        }

        /// <summary>Row r becomes old row parents[r] in every buffer.</summary>
        public void Reorder(ReadOnlySpan<int> parents, int rows, RnnConfig config)
        {
            Hidden = GatherLayers(Hidden, parents, rows, config.Layers);
            if (Cell.Length > 0) Cell = GatherLayers(Cell, parents, rows, config.Layers);
            if (config.Attention != RnnAttentionKind.None) Memory = GatherRows(Memory, parents, rows);
            if (config.Attention == RnnAttentionKind.Additive) Keys = GatherRows(Keys, parents, rows);
            if (config.Attention == RnnAttentionKind.None) Context = GatherRows(Context, parents, rows);
        }

        public Span<float> Scratch(int length)
        {
            if (_scratch.Length < length) _scratch = new float[length];
            return _scratch.AsSpan(0, length);
        }

        // [layers, B, H] → [layers, B·copies, H]
        private static void Expand(Tensor states, Tensor into, int layers, int batch, int copies)
        {
            int h = states.Dim(2);
            into.Resize(layers, batch * copies, h);
            for (int l = 0; l < layers; l++)
                for (int r = 0; r < batch * copies; r++)
                    states.Span.Slice((l * batch + r / copies) * h, h).CopyTo(into.Span.Slice((l * batch * copies + r) * h, h));
        }

        // [B, …] → [B·copies, …], row r from row r / copies
        private static void Repeat(Tensor source, Tensor into, int copies)
        {
            int row = source.Length / source.Dim(0);
            for (int r = 0; r < into.Dim(0); r++) source.Span.Slice(r / copies * row, row).CopyTo(into.Span.Slice(r * row, row));
        }

        // [rows, …] → [parents, …]; the buffers swap with a spare, so reordering allocates nothing once sizes are reached
        private Tensor GatherRows(Tensor buffer, ReadOnlySpan<int> parents, int rows)
        {
            int row = buffer.Length / rows;
            Span<int> shape = stackalloc int[buffer.Rank];
            for (int i = 0; i < shape.Length; i++) shape[i] = buffer.Dim(i);
            shape[0] = parents.Length;
            _spare.Resize(shape);
            for (int r = 0; r < parents.Length; r++) buffer.Span.Slice(parents[r] * row, row).CopyTo(_spare.Span.Slice(r * row, row));
            (var result, _spare) = (_spare, buffer);
            return result;
        }

        // [layers, rows, H] → [layers, parents, H]
        private Tensor GatherLayers(Tensor buffer, ReadOnlySpan<int> parents, int rows, int layers)
        {
            int h = buffer.Dim(2);
            _spare.Resize(layers, parents.Length, h);
            for (int l = 0; l < layers; l++)
                for (int r = 0; r < parents.Length; r++)
                    buffer.Span.Slice((l * rows + parents[r]) * h, h).CopyTo(_spare.Span.Slice((l * parents.Length + r) * h, h));
            (var result, _spare) = (_spare, buffer);
            return result;
        }
    }
}
