using Sharpformer.Kernels;
using Sharpformer.Layers;
using Sharpformer.Tensors;

namespace Sharpformer.Model;

/// <summary>
/// A Transformer decode in progress: each step feeds one new token per row through the decoder
/// layers' <see cref="DecoderLayer.Step"/>, which appends its keys and values to the layer's cache and
/// reuses the memory keys and values computed once at the start. The result equals the full decoder on
/// the whole prefix (the look-ahead mask makes earlier positions independent of later ones), at a cost
/// per step that does not grow with the square of the length. Rents a network of the model's (with the
/// caches and scratch it keeps for decoding) until disposed; reads the model's weights only.
/// </summary>
internal sealed class TransformerDecoderState : IDecoderState
{
    private readonly Transformer _model;
    private readonly TransformerNetwork _network;
    private readonly DecoderLayerCache[] _caches;
    private readonly DecodeSourceMask _source;
    private readonly bool _withAttention;
    private readonly float[] _scratch;
    private bool _disposed;

    public TransformerDecoderState(Transformer model, TransformerMemory encoded, int copies, int maxSteps, bool withAttention)
    {
        _source = new DecodeSourceMask(encoded, copies, maxSteps, model.Config.PadId);
        var memory = encoded.Memory;                                                           // [B, S, d]
        int d = model.Config.DModel;
        if (memory.Rank != 3 || memory.Dim(2) != d) throw new ArgumentException($"Memory must be [B, S, {d}], got {memory}.");
        (_model, _withAttention) = (model, withAttention);
        _network = model.Rent();
        _scratch = _network.DecodeScratch(Math.Max(model.Config.VocabSize, encoded.Batch * encoded.SourceLength * 2 * d));
        var layers = _network.Decoder.Layers;
        _caches = _network.DecodeCaches();
        for (int l = 0; l < layers.Count; l++) layers[l].StartDecoding(memory, copies, _caches[l], maxSteps, _scratch);
    }

    public int Rows => _source.Rows;
    public int Position { get; private set; }
    public StepAttention? LastAttention { get; private set; }

    public Span<float> Step(ReadOnlySpan<int> tokens)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _source.CheckStep(tokens.Length, Position);
        var logits = _network.Step(tokens, Position, _caches, _source.Mask).Span;              // [n, V]
        int vocab = _model.Config.VocabSize;
        for (int r = 0; r < Rows; r++) LogSoftmax.InPlace(logits.Slice(r * vocab, vocab), _scratch);
        Position++;
        if (_withAttention) LastAttention = KeepAttention();
        return logits;
    }

    public void Reorder(ReadOnlySpan<int> parents)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _source.CheckParents(parents);
        foreach (var cache in _caches) cache.Reorder(parents, Position);
        _source.Reorder(parents);
        if (LastAttention != null) LastAttention = new StepAttention(Gather(LastAttention.Self, parents), Gather(LastAttention.Cross, parents));
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _model.Return(_network);
    }

    // Each layer's weights of the step just run, [rows, h, 1, keys] → [rows, h, keys].
    private StepAttention KeepAttention()
    {
        Tensor Copy(Tensor w) => Tensor.FromArray(w.Span.ToArray(), w.Dim(0), w.Dim(1), w.Dim(3));
        var layers = _network.Decoder.Layers;
        return new StepAttention(layers.Select(l => Copy(l.SelfAttention.Weights)).ToArray(), layers.Select(l => Copy(l.CrossAttention.Weights)).ToArray());
    }

    private static Tensor[] Gather(IReadOnlyList<Tensor> maps, ReadOnlySpan<int> parents)
    {
        var result = new Tensor[maps.Count];
        for (int l = 0; l < maps.Count; l++)
        {
            var m = maps[l];
            int row = m.Dim(1) * m.Dim(2);
            result[l] = new Tensor(parents.Length, m.Dim(1), m.Dim(2));
            for (int r = 0; r < parents.Length; r++) m.Span.Slice(parents[r] * row, row).CopyTo(result[l].Span[(r * row)..]);
        }
        return result;
    }
}
