using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// Dropout at one site of the network. Each site has a fixed id, so its mask at a given step is
/// a pure function of (seed, step, site): independent of threads, reproducible after a resume.
/// Caches: the scaled mask (only when dropout was applied).
/// </summary>
public sealed class DropoutLayer
{
    private readonly Tensor _mask = new(0);
    private bool _applied;

    public DropoutLayer(float p, int siteId)
    {
        // negated so that NaN fails the test too
        if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout must be in [0, 1), got {p}.");
        P = p;
        SiteId = siteId;
    }

    public float P { get; }
    public int SiteId { get; }

    /// <summary>Whether the last forward pass dropped anything (training with p &gt; 0).</summary>
    public bool Applied => _applied;

    /// <summary>The scaled mask (0 or 1/(1−p)) of the last forward pass in training.</summary>
    public ReadOnlySpan<float> Mask => _mask.Span;

    /// <summary>x ← dropout(x) in place; a no-op in evaluation or when p = 0.</summary>
    public void ForwardInPlace(Span<float> x, ForwardContext ctx)
    {
        _applied = ctx.Training && P > 0f;
        if (!_applied) return;
        _mask.Resize(x.Length);
        ulong counter = ((ulong)ctx.Step << 20) ^ (ulong)SiteId;
        Kernels.Dropout.Forward(x, x, _mask.Span, P, ctx.Seed, counter);
    }

    /// <summary>dx ← dx ⊙ mask in place (the gradient of the last forward).</summary>
    public void BackwardInPlace(Span<float> dx)
    {
        if (_applied) Kernels.Dropout.Backward(dx, _mask.Span, dx);
    }

    /// <summary>Hands out unique site ids as a model is assembled.</summary>
    public sealed class SiteCounter
    {
        private int _next;
        public int Next() => _next++;
    }
}
