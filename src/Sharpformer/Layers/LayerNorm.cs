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
    private readonly Tensor _mean = new(0), _rstd = new(0), _scratch;

    public LayerNorm(string name, int d, float eps = 1e-5f)
    {
        D = d;
        Eps = eps;
        Gamma = new Parameter(name + ".weight", ParameterRole.NormGain, d);
        Beta = new Parameter(name + ".bias", ParameterRole.Bias, d);
        Gamma.Value.Span.Fill(1f);
        _scratch = new Tensor(d);
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
        Output.Resize(x.Shape.ToArray());
        _mean.Resize(rows);
        _rstd.Resize(rows);
        LayerNormKernel.Forward(x.Span, Gamma.Value.Span, Beta.Value.Span, Output.Span, _mean.Span, _rstd.Span, rows, D, Eps);
        return Output;
    }

    /// <summary>Inference path: normalises x into y without caching.</summary>
    public void Apply(ReadOnlySpan<float> x, Span<float> y, int rows)
    {
        Span<float> mean = rows <= 256 ? stackalloc float[rows] : new float[rows];
        Span<float> rstd = rows <= 256 ? stackalloc float[rows] : new float[rows];
        LayerNormKernel.Forward(x, Gamma.Value.Span, Beta.Value.Span, y, mean, rstd, rows, D, Eps);
    }

    /// <summary>dy [N, d] → dx [N, d]; accumulates dγ and dβ.</summary>
    public Tensor Backward(Tensor dy)
    {
        var x = _input ?? throw new InvalidOperationException("LayerNorm.Backward called before Forward.");
        int rows = x.Length / D;
        InputGrad.Resize(x.Shape.ToArray());
        LayerNormKernel.Backward(dy.Span, x.Span, _mean.Span, _rstd.Span, Gamma.Value.Span,
            InputGrad.Span, Gamma.Grad.Span, Beta.Grad.Span, rows, D, _scratch.Span);
        return InputGrad;
    }
}
