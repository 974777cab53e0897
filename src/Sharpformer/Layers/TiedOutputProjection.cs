using Sharpformer.Kernels;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// The pre-softmax linear map sharing its weight with the embeddings: logits = h·Eᵀ (no bias).
/// Backward adds the second path of the tied weight's gradient: dE += dLogitsᵀ·h.
/// Caches: a reference to h.
/// </summary>
public sealed class TiedOutputProjection
{
    private Tensor? _input;

    public TiedOutputProjection(Parameter embedding) => Weight = embedding;

    public Parameter Weight { get; }
    public int VocabSize => Weight.Shape[0];
    public int D => Weight.Shape[1];
    public Tensor Output { get; } = new(0);
    public Tensor InputGrad { get; } = new(0);

    /// <summary>h [B, T, d] → logits [B, T, V].</summary>
    public Tensor Forward(Tensor h)
    {
        _input = h;
        int n = h.Length / D;
        Output.Resize(h.Dim(0), h.Dim(1), VocabSize);
        // logits [n, V] = h [n, d]·Eᵀ
        Gemm.Sgemm(false, true, n, VocabSize, D, 1f, h.Span, D, Weight.Value.Span, D, 0f, Output.Span, VocabSize);
        return Output;
    }

    /// <summary>dLogits [B, T, V] → dh [B, T, d]; accumulates dE += dLogitsᵀ·h.</summary>
    public Tensor Backward(Tensor dLogits)
    {
        var h = _input ?? throw new InvalidOperationException("Backward before Forward.");
        int n = h.Length / D;
        InputGrad.ResizeLike(h);
        Linear.ProjectBackward(dLogits.Span, h.Span, n, D, Weight.Value.Span, VocabSize, Weight.Grad.Span, default, InputGrad.Span);
        return InputGrad;
    }
}
