using System.Runtime.Intrinsics;
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
    private readonly ParameterChunks _chunks;

    public Adam(IReadOnlyList<Parameter> parameters, double beta1 = 0.9, double beta2 = 0.98, double eps = 1e-9)
    {
        _parameters = parameters;
        _chunks = new ParameterChunks(parameters);
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
        var task = new UpdateTask
        {
            Chunks = _chunks, Parameters = _parameters, FirstMoments = FirstMoments, SecondMoments = SecondMoments,
            StepSize = stepSize, InvSqrtBc2 = invSqrtBc2, B1 = b1, B2 = b2, Eps = eps,
        };
        ComputePool.For(_chunks.Count, ref task);
    }

    // One chunk of the update; a struct task so the step allocates nothing.
    private struct UpdateTask : IComputeTask
    {
        public ParameterChunks Chunks;
        public IReadOnlyList<Parameter> Parameters;
        public float[][] FirstMoments, SecondMoments;
        public float StepSize, InvSqrtBc2, B1, B2, Eps;

        public readonly void Run(int c)
        {
            float stepSize = StepSize, invSqrtBc2 = InvSqrtBc2, b1 = B1, b2 = B2, eps = Eps;
            var r = Chunks.Ranges[c];
            var p = Parameters[r.Parameter].Value.Span.Slice(r.Start, r.Length);
            var g = Parameters[r.Parameter].Grad.Span.Slice(r.Start, r.Length);
            var m = FirstMoments[r.Parameter].AsSpan(r.Start, r.Length);
            var v = SecondMoments[r.Parameter].AsSpan(r.Start, r.Length);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vb1 = Vector256.Create(b1); var vb1c = Vector256.Create(1 - b1);
                var vb2 = Vector256.Create(b2); var vb2c = Vector256.Create(1 - b2);
                var vStep = Vector256.Create(stepSize); var vInv = Vector256.Create(invSqrtBc2); var vEps = Vector256.Create(eps);
                for (; j <= p.Length - 8; j += 8)
                {
                    var gj = Vector256.Create(g[j..]);
                    var mj = vb1 * Vector256.Create(m[j..]) + vb1c * gj;
                    var vj = vb2 * Vector256.Create(v[j..]) + vb2c * gj * gj;
                    mj.CopyTo(m[j..]);
                    vj.CopyTo(v[j..]);
                    (Vector256.Create(p[j..]) - vStep * mj / (Vector256.Sqrt(vj) * vInv + vEps)).CopyTo(p[j..]);
                }
            }
            for (; j < p.Length; j++)
            {
                float gj = g[j];
                float mj = b1 * m[j] + (1 - b1) * gj;
                float vj = b2 * v[j] + (1 - b2) * gj * gj;
                m[j] = mj;
                v[j] = vj;
                p[j] -= stepSize * mj / (MathF.Sqrt(vj) * invSqrtBc2 + eps);
            }
        }
    }
}
