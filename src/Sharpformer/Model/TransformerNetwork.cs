using Sharpformer.Layers;
using Sharpformer.Tensors;

namespace Sharpformer.Model;

/// <summary>
/// Figure 1 of the paper, assembled from layers over one set of weights: shared embedding (×√d) +
/// positional encoding → encoder stack; shifted target embedding → decoder stack (masked
/// self-attention, cross-attention) → tied linear projection → logits.
/// A network is a workspace: its layers hold the activations of its last forward pass (what Backward
/// needs) and the buffers they reuse, so a training step of a fixed shape allocates nothing. It is used
/// by one thread at a time; every caller that runs the model at the same time gets its own
/// (<see cref="Transformer.CreateWorkspace"/>), all sharing the weights.
/// </summary>
public sealed class TransformerNetwork : ITrainingNetwork
{
    private readonly AttentionMask _sourceMask = new(), _targetMask = new();
    private DecoderLayerCache[] _decodeCaches = [];
    private float[] _decodeScratch = [];
    private int _batch;

    internal TransformerNetwork(TransformerConfig config, ParameterStore store)
    {
        Config = config;
        var sites = new DropoutLayer.SiteCounter();
        var s = config.LayerSettings();
        var embed = store.Get("embed.weight", ParameterRole.Embedding, [config.VocabSize, config.DModel]);
        Positions = config.Positions == PositionEncodingKind.Sinusoidal
            ? new SinusoidalPositionalEncoding(config.DModel)
            : new LearnedPositionalEncoding(store, "pos_embed", config.MaxPositions, config.DModel);
        SourceEmbedding = new Embedding(embed, Positions, new DropoutLayer(config.Dropout, sites.Next()));
        TargetEmbedding = new Embedding(embed, Positions, new DropoutLayer(config.Dropout, sites.Next()));
        Encoder = new Encoder(store, "transformer.encoder.", config.EncoderLayers, s, sites);
        Decoder = new Decoder(store, "transformer.decoder.", config.DecoderLayers, s, sites);
        Generator = new TiedOutputProjection(embed);
        Parameters = store.Parameters;
    }

    public TransformerConfig Config { get; }
    public IPositionalEncoding Positions { get; }
    public Embedding SourceEmbedding { get; }
    public Embedding TargetEmbedding { get; }
    public Encoder Encoder { get; }
    public Decoder Decoder { get; }
    public TiedOutputProjection Generator { get; }

    /// <summary>The weights this network runs on, in checkpoint order (shared with its model).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// ∂L/∂x [B, S, d] after a Backward, x = E[id]·√d + PE[pos] the embedded source before dropout: how much the loss
    /// depends on each source position's input vector (a buffer of the encoder, valid until the next Backward).
    /// </summary>
    public Tensor SourceEmbeddingGrad { get; private set; } = new(0);

    /// <summary>The key-padding mask of the last <see cref="Encode"/>.</summary>
    internal AttentionMask SourceMask => _sourceMask;

    /// <summary>src [B, S] → memory [B, S, d] (a buffer of this network, valid until its next Encode).</summary>
    public Tensor Encode(ReadOnlySpan<int> source, int batch, int sourceLength, ForwardContext ctx)
    {
        _batch = batch;
        _sourceMask.SetFromIds(source, batch, sourceLength, Config.PadId, causal: false);
        var x = SourceEmbedding.Forward(source, batch, sourceLength, ctx);         // [B, S, d]
        return Encoder.Forward(x, _sourceMask, ctx);                               // [B, S, d]
    }

    /// <summary>tgt_in [B, T] attending to memory [B, S, d] → decoder output [B, T, d].</summary>
    public Tensor DecodeHidden(ReadOnlySpan<int> targetIn, int targetLength, Tensor memory, ForwardContext ctx)
    {
        _targetMask.SetFromIds(targetIn, _batch, targetLength, Config.PadId, causal: true);
        var y = TargetEmbedding.Forward(targetIn, _batch, targetLength, ctx);     // [B, T, d]
        return Decoder.Forward(y, memory, _targetMask, _sourceMask, ctx);          // [B, T, d]
    }

    /// <summary>The whole model: (src [B, S], tgt_in [B, T]) → logits [B, T, V].</summary>
    public Tensor Forward(ReadOnlySpan<int> source, ReadOnlySpan<int> targetIn, int batch, int sourceLength, int targetLength, ForwardContext ctx)
    {
        var memory = Encode(source, batch, sourceLength, ctx);
        var h = DecodeHidden(targetIn, targetLength, memory, ctx);
        return Generator.Forward(h);                                               // [B, T, V]
    }

    /// <summary>dLogits [B, T, V] → accumulates the gradient of every parameter.</summary>
    public void Backward(Tensor dLogits)
    {
        var dh = Generator.Backward(dLogits);                                      // [B, T, d]
        var dy = Decoder.Backward(dh);                                             // [B, T, d]
        TargetEmbedding.Backward(dy);
        var dx = Encoder.Backward(Decoder.MemoryGrad);                             // [B, S, d]
        SourceEmbedding.Backward(dx);                                              // through dropout, in place
        SourceEmbeddingGrad = dx;
    }

    /// <summary>
    /// One decoding step: the token of every row at <paramref name="position"/> → logits [n, 1, V], through
    /// the same embedding, decoder layers and projection as <see cref="Forward"/>, with the layers' caches.
    /// </summary>
    internal Tensor Step(ReadOnlySpan<int> tokens, int position, IReadOnlyList<DecoderLayerCache> caches, AttentionMask sourceMask)
    {
        var y = TargetEmbedding.Forward(tokens, tokens.Length, 1, ForwardContext.Eval, positionOffset: position);   // [n, 1, d] = E·√d + PE[t]
        var h = Decoder.Step(y, caches, position, sourceMask);                                                         // [n, 1, d]
        return Generator.Forward(h);                                                                                  // [n, 1, V]
    }

    /// <summary>
    /// The key/value caches of the decode this network is rented for, one per decoder layer, kept with the
    /// network so that decode after decode reuses the same buffers instead of allocating them again.
    /// </summary>
    internal DecoderLayerCache[] DecodeCaches()
    {
        if (_decodeCaches.Length != Decoder.Layers.Count) _decodeCaches = Decoder.Layers.Select(_ => new DecoderLayerCache()).ToArray();
        return _decodeCaches;
    }

    /// <summary>A scratch buffer of at least <paramref name="length"/> floats for the decode this network is rented for.</summary>
    internal float[] DecodeScratch(int length)
    {
        if (_decodeScratch.Length < length) _decodeScratch = new float[length];
        return _decodeScratch;
    }

    public void ZeroGrad()
    {
        for (int i = 0; i < Parameters.Count; i++) Parameters[i].Grad.Clear();
    }
}
