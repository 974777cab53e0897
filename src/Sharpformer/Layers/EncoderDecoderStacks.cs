using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// The encoder: N identical layers; in the pre-LN form a final LayerNorm closes the stack
/// (PyTorch's transformer.encoder.norm).
/// </summary>
public sealed class Encoder
{
    public Encoder(string prefix, int layers, LayerSettings s, DropoutLayer.SiteCounter sites)
    {
        Layers = Enumerable.Range(0, layers).Select(i => new EncoderLayer($"{prefix}layers.{i}.", s, sites)).ToArray();
        FinalNorm = s.NormFirst ? new LayerNorm(prefix + "norm", s.D, s.NormEps) : null;
    }

    public IReadOnlyList<EncoderLayer> Layers { get; }
    public LayerNorm? FinalNorm { get; }

    public IEnumerable<Parameter> Parameters() =>
        Layers.SelectMany(l => l.Parameters()).Concat(FinalNorm?.Parameters() ?? []);

    /// <summary>x [B, S, d] → memory [B, S, d].</summary>
    public Tensor Forward(Tensor x, AttentionMask sourceMask, ForwardContext ctx)
    {
        foreach (var layer in Layers) x = layer.Forward(x, sourceMask, ctx);
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
    public Decoder(string prefix, int layers, LayerSettings s, DropoutLayer.SiteCounter sites)
    {
        Layers = Enumerable.Range(0, layers).Select(i => new DecoderLayer($"{prefix}layers.{i}.", s, sites)).ToArray();
        FinalNorm = s.NormFirst ? new LayerNorm(prefix + "norm", s.D, s.NormEps) : null;
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
        foreach (var layer in Layers) y = layer.Forward(y, memory, targetMask, memoryMask, ctx);
        return FinalNorm?.Forward(y) ?? y;
    }

    /// <summary>dOut [B, T, d] → dy [B, T, d]; <see cref="MemoryGrad"/> receives the gradient for the encoder.</summary>
    public Tensor Backward(Tensor dOut, int batch, int sourceLength, int d)
    {
        MemoryGrad.ResizeZeroed(batch, sourceLength, d);
        var g = FinalNorm?.Backward(dOut) ?? dOut;
        for (int i = Layers.Count - 1; i >= 0; i--) g = Layers[i].Backward(g, MemoryGrad);
        return g;
    }
}
