using Sharpformer.Kernels;
using Sharpformer.Layers;

namespace Sharpformer.Training;

/// <summary>
/// Adam (Kingma &amp; Ba) as torch.optim.Adam without weight decay:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
/// The paper's settings are β₁ = 0.9, β₂ = 0.98, ε = 1e-9. Moments are kept per parameter.
/// </summary>
public sealed class Adam
{
    private readonly IReadOnlyList<Parameter> _parameters;

    public Adam(IReadOnlyList<Parameter> parameters, double beta1 = 0.9, double beta2 = 0.98, double eps = 1e-9)
    {
        _parameters = parameters;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        FirstMoments = parameters.Select(p => new float[p.Length]).ToArray();
        SecondMoments = parameters.Select(p => new float[p.Length]).ToArray();
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }

    /// <summary>Number of steps taken (the t of the bias correction).</summary>
    public long Step { get; set; }

    public float[][] FirstMoments { get; }
    public float[][] SecondMoments { get; }

    /// <summary>One update of every parameter from its current gradient.</summary>
    public void Update(double learningRate)
    {
        Step++;
        double bc1 = 1 - Math.Pow(Beta1, Step), bc2 = 1 - Math.Pow(Beta2, Step);
        // p −= lr/bc1 · m / (√v/√bc2 + ε), PyTorch's arrangement of the same formula
        float stepSize = (float)(learningRate / bc1);
        float invSqrtBc2 = (float)(1 / Math.Sqrt(bc2));
        float b1 = (float)Beta1, b2 = (float)Beta2, eps = (float)Eps;
        ComputePool.For(_parameters.Count, i =>
        {
            var p = _parameters[i].Value.Span;
            var g = _parameters[i].Grad.Span;
            var m = FirstMoments[i].AsSpan();
            var v = SecondMoments[i].AsSpan();
            for (int j = 0; j < p.Length; j++)
            {
                float gj = g[j];
                float mj = b1 * m[j] + (1 - b1) * gj;
                float vj = b2 * v[j] + (1 - b2) * gj * gj;
                m[j] = mj;
                v[j] = vj;
                p[j] -= stepSize * mj / (MathF.Sqrt(vj) * invSqrtBc2 + eps);
            }
        });
    }
}
