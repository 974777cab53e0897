using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// LayerNorm(x) = (x − μ)/√(σ² + ε) · γ + β over the model dimension (PyTorch's nn.LayerNorm, ε = 1e-5).
/// Caches: a reference to the input, and each row's mean and 1/σ.
/// </summary>
public sealed class LayerNorm
{
    private Tensor? _input;
    private readonly Tensor _mean = new(0), _rstd = new(0), _partials = new(0);

    public LayerNorm(ParameterStore store, string name, int d, float eps = 1e-5f)
    {
        D = d;
        Eps = eps;
        Gamma = store.Get(name + ".weight", ParameterRole.NormGain, [d], p => p.Value.Span.Fill(1f));
        Beta = store.Get(name + ".bias", ParameterRole.Bias, [d]);
    }

    public int D { get; }
    public float Eps { get; }
    public Parameter Gamma { get; }
    public Parameter Beta { get; }
    public Tensor Output { get; } = new(0);
    public Tensor InputGrad { get; } = new(0);

    public IEnumerable<Parameter> Parameters() { yield return Gamma; yield return Beta; }

    /// <summary>x [N, d] → y [N, d].</summary>
    public Tensor Forward(Tensor x)
    {
        _input = x;
        int rows = x.Length / D;
        Output.ResizeLike(x);
        _mean.Resize(rows);
        _rstd.Resize(rows);
        LayerNormKernel.Forward(x.Span, Gamma.Value.Span, Beta.Value.Span, Output.Span, _mean.Span, _rstd.Span, rows, D, Eps);
        return Output;
    }

    /// <summary>dy [N, d] → dx [N, d]; accumulates dγ and dβ.</summary>
    public Tensor Backward(Tensor dy)
    {
        var x = _input ?? throw new InvalidOperationException("LayerNorm.Backward called before Forward.");
        int rows = x.Length / D;
        InputGrad.ResizeLike(x);
        _partials.Resize(LayerNormKernel.PartialsLength(rows, D));
        LayerNormKernel.Backward(dy.Span, x.Span, _mean.Span, _rstd.Span, Gamma.Value.Span,
            InputGrad.Span, Gamma.Grad.Span, Beta.Grad.Span, rows, D, _partials.Span);
        return InputGrad;
    }
}
