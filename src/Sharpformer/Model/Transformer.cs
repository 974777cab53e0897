using Sharpformer.Layers;
using Sharpformer.Tensors;

namespace Sharpformer.Model;

/// <summary>
/// The Transformer of Figure 1: shared embedding (×√d) + positional encoding → encoder stack;
/// shifted target embedding → decoder stack (masked self-attention, cross-attention) → tied
/// linear projection → logits. Parameter names follow PyTorch (embed.weight,
/// transformer.encoder.layers.{i}.…), so reference weights load by name.
/// </summary>
public sealed class Transformer
{
    private readonly AttentionMask _sourceMask = new(), _targetMask = new();
    private int _batch, _sourceLength, _targetLength;

    public Transformer(TransformerConfig config)
    {
        Config = config.Validate();
        var sites = new DropoutLayer.SiteCounter();
        var s = config.LayerSettings();
        Embed = new Parameter("embed.weight", ParameterRole.Embedding, config.VocabSize, config.DModel);
        Positions = config.Positions == PositionEncodingKind.Sinusoidal
            ? new SinusoidalPositionalEncoding(config.DModel)
            : new LearnedPositionalEncoding("pos_embed", config.MaxPositions, config.DModel);
        SourceEmbedding = new Embedding(Embed, Positions, new DropoutLayer(config.Dropout, sites.Next()));
        TargetEmbedding = new Embedding(Embed, Positions, new DropoutLayer(config.Dropout, sites.Next()));
        Encoder = new Encoder("transformer.encoder.", config.EncoderLayers, s, sites);
        Decoder = new Decoder("transformer.decoder.", config.DecoderLayers, s, sites);
        Generator = new TiedOutputProjection(Embed);
        Parameters = new[] { Embed }.Concat(Positions.Parameters()).Concat(Encoder.Parameters()).Concat(Decoder.Parameters()).ToArray();
        ParameterByName = Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    public TransformerConfig Config { get; }
    public Parameter Embed { get; }
    public IPositionalEncoding Positions { get; }
    public Embedding SourceEmbedding { get; }
    public Embedding TargetEmbedding { get; }
    public Encoder Encoder { get; }
    public Decoder Decoder { get; }
    public TiedOutputProjection Generator { get; }

    /// <summary>Every learned tensor, in a fixed order (the checkpoint and optimizer order).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }
    public IReadOnlyDictionary<string, Parameter> ParameterByName { get; }
    public long ParameterCount => Parameters.Sum(p => (long)p.Length);

    /// <summary>The source mask of the last Encode (key padding).</summary>
    public AttentionMask SourceMask => _sourceMask;

    /// <summary>src [B, S] → memory [B, S, d].</summary>
    public Tensor Encode(ReadOnlySpan<int> source, int batch, int sourceLength, ForwardContext ctx)
    {
        (_batch, _sourceLength) = (batch, sourceLength);
        _sourceMask.SetFromIds(source, batch, sourceLength, Config.PadId, causal: false);
        var x = SourceEmbedding.Forward(source, batch, sourceLength, ctx);         // [B, S, d]
        return Encoder.Forward(x, _sourceMask, ctx);                               // [B, S, d]
    }

    /// <summary>tgt_in [B, T] attending to memory [B, S, d] → decoder output [B, T, d].</summary>
    public Tensor DecodeHidden(ReadOnlySpan<int> targetIn, int targetLength, Tensor memory, ForwardContext ctx)
    {
        _targetLength = targetLength;
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
        var dy = Decoder.Backward(dh, _batch, _sourceLength, Config.DModel);       // [B, T, d]
        TargetEmbedding.Backward(dy);
        var dx = Encoder.Backward(Decoder.MemoryGrad);                             // [B, S, d]
        SourceEmbedding.Backward(dx);
    }

    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.Grad.Clear();
    }
}
