using System.Numerics.Tensors;
using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// A fully connected layer as PyTorch's nn.Linear: y = x·Wᵀ + b with W stored [out, in].
/// Caches: a reference to the input x (its owner keeps it unchanged until Backward).
/// </summary>
public sealed class Linear
{
    private Tensor? _input;

    public Linear(ParameterStore store, string name, int inFeatures, int outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = store.Get(name + ".weight", ParameterRole.Weight, [outFeatures, inFeatures]);
        Bias = bias ? store.Get(name + ".bias", ParameterRole.Bias, [outFeatures]) : null;
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public Tensor Output { get; } = new(0);
    public Tensor InputGrad { get; } = new(0);

    public IEnumerable<Parameter> Parameters()
    {
        yield return Weight;
        if (Bias != null) yield return Bias;
    }

    /// <summary>x [N, in] (any leading shape) → y [N, out].</summary>
    public Tensor Forward(Tensor x)
    {
        _input = x;
        int n = Rows(x);
        Output.ResizeLike(x, lastDim: OutFeatures);
        Apply(x.Span, n, Output.Span);
        return Output;
    }

    /// <summary>y [n, out] = x [n, in]·Wᵀ + b into a caller-owned buffer; caches nothing (inference path).</summary>
    public void Apply(ReadOnlySpan<float> x, int n, Span<float> y) =>
        Project(x, n, InFeatures, Weight.Value.Span, Bias == null ? default : Bias.Value.Span, OutFeatures, y);

    /// <summary>y [n, outF] = x [n, inF]·Wᵀ + b for any weight block W [outF, inF] (b may be empty).</summary>
    public static void Project(ReadOnlySpan<float> x, int n, int inF, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int outF, Span<float> y)
    {
        // y [n, out] = x [n, in] · Wᵀ [in, out]
        Gemm.Sgemm(false, true, n, outF, inF, 1f, x, inF, w, inF, 0f, y, outF);
        if (!b.IsEmpty) Activations.AddBias(y[..(n * outF)], b, n);
    }

    /// <summary>
    /// The backward of <see cref="Project"/>: dW [outF, inF] += dyᵀ·x, db += Σ dy (when db is not empty),
    /// and, when dx is not empty, dx [n, inF] = dy·W (or += when <paramref name="accumulateDx"/>).
    /// </summary>
    public static void ProjectBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int n, int inF, ReadOnlySpan<float> w, int outF,
        Span<float> dw, Span<float> db, Span<float> dx, bool accumulateDx = false)
    {
        // dW [out, in] += dyᵀ [out, n] · x [n, in]
        Gemm.Sgemm(true, false, outF, inF, n, 1f, dy, outF, x, inF, 1f, dw, inF);
        if (!db.IsEmpty) Activations.AccumulateBiasGrad(dy, db, n);
        // dx [n, in] = dy [n, out] · W [out, in]
        if (!dx.IsEmpty) Gemm.Sgemm(false, false, n, inF, outF, 1f, dy, outF, w, inF, accumulateDx ? 1f : 0f, dx, inF);
    }

    /// <summary>dy [N, out] → dx [N, in]; accumulates dW += dyᵀ·x and db += Σ dy.</summary>
    public Tensor Backward(Tensor dy)
    {
        var x = _input ?? throw new InvalidOperationException("Linear.Backward called before Forward.");
        int n = Rows(x);
        InputGrad.ResizeLike(x);
        ProjectBackward(dy.Span, x.Span, n, InFeatures, Weight.Value.Span, OutFeatures,
            Weight.Grad.Span, Bias == null ? default : Bias.Grad.Span, InputGrad.Span);
        return InputGrad;
    }

    private int Rows(Tensor x)
    {
        if (x.Dim(-1) != InFeatures) throw new ArgumentException($"{Weight.Name}: input has {x.Dim(-1)} features, expected {InFeatures}.");
        return x.Length / InFeatures;
    }
}
