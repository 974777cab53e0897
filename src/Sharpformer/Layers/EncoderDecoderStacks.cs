using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// The encoder: N identical layers; in the pre-LN form a final LayerNorm closes the stack
/// (PyTorch's transformer.encoder.norm).
/// </summary>
public sealed class Encoder
{
    public Encoder(ParameterStore store, string prefix, int layers, LayerSettings s, DropoutLayer.SiteCounter sites)
    {
        Layers = Enumerable.Range(0, layers).Select(i => new EncoderLayer(store, $"{prefix}layers.{i}.", s, sites)).ToArray();
        FinalNorm = s.NormFirst ? new LayerNorm(store, prefix + "norm", s.D, s.NormEps) : null;
    }

    public IReadOnlyList<EncoderLayer> Layers { get; }
    public LayerNorm? FinalNorm { get; }

    public IEnumerable<Parameter> Parameters() =>
        Layers.SelectMany(l => l.Parameters()).Concat(FinalNorm?.Parameters() ?? []);

    /// <summary>x [B, S, d] → memory [B, S, d].</summary>
    public Tensor Forward(Tensor x, AttentionMask sourceMask, ForwardContext ctx)
    {
        for (int i = 0; i < Layers.Count; i++) x = Layers[i].Forward(x, sourceMask, ctx);
        return FinalNorm?.Forward(x) ?? x;
    }

    /// <summary>dMemory [B, S, d] → dx [B, S, d].</summary>
    public Tensor Backward(Tensor dMemory)
    {
        var d = FinalNorm?.Backward(dMemory) ?? dMemory;
        for (int i = Layers.Count - 1; i >= 0; i--) d = Layers[i].Backward(d);
        return d;
    }
}

/// <summary>The decoder: N identical layers, plus a final LayerNorm in the pre-LN form (transformer.decoder.norm).</summary>
public sealed class Decoder
{
    private Tensor? _memory;

    public Decoder(ParameterStore store, string prefix, int layers, LayerSettings s, DropoutLayer.SiteCounter sites)
    {
        Layers = Enumerable.Range(0, layers).Select(i => new DecoderLayer(store, $"{prefix}layers.{i}.", s, sites)).ToArray();
        FinalNorm = s.NormFirst ? new LayerNorm(store, prefix + "norm", s.D, s.NormEps) : null;
    }

    public IReadOnlyList<DecoderLayer> Layers { get; }
    public LayerNorm? FinalNorm { get; }

    /// <summary>Gradient w.r.t. the encoder memory, summed over every layer's cross-attention (after Backward).</summary>
    public Tensor MemoryGrad { get; } = new(0);

    public IEnumerable<Parameter> Parameters() =>
        Layers.SelectMany(l => l.Parameters()).Concat(FinalNorm?.Parameters() ?? []);

    /// <summary>y [B, T, d] with memory [B, S, d] → [B, T, d].</summary>
    public Tensor Forward(Tensor y, Tensor memory, AttentionMask targetMask, AttentionMask memoryMask, ForwardContext ctx)
    {
        _memory = memory;
        for (int i = 0; i < Layers.Count; i++) y = Layers[i].Forward(y, memory, targetMask, memoryMask, ctx);
        return FinalNorm?.Forward(y) ?? y;
    }

    /// <summary>One decoding step: y [n, 1, d] at <paramref name="position"/> → [n, 1, d], with one cache per layer.</summary>
    public Tensor Step(Tensor y, IReadOnlyList<DecoderLayerCache> caches, int position, AttentionMask memoryMask)
    {
        for (int i = 0; i < Layers.Count; i++) y = Layers[i].Step(y, caches[i], position, memoryMask);
        return FinalNorm?.Forward(y) ?? y;
    }

    /// <summary>dOut [B, T, d] → dy [B, T, d]; <see cref="MemoryGrad"/> receives the gradient for the encoder.</summary>
    public Tensor Backward(Tensor dOut)
    {
        var memory = _memory ?? throw new InvalidOperationException("Decoder.Backward called before Forward.");
        MemoryGrad.ResizeLike(memory).Clear();
        var g = FinalNorm?.Backward(dOut) ?? dOut;
        for (int i = Layers.Count - 1; i >= 0; i--) g = Layers[i].Backward(g, MemoryGrad);
        return g;
    }
}
