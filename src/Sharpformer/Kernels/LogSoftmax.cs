using System.Numerics.Tensors;

namespace Sharpformer.Kernels;

/// <summary>
/// Turns one row of logits into log-probabilities in place. Every decoder state uses this code, so
/// every search sees bit-identical values (beam search of width 1 retraces greedy exactly).
/// </summary>
public static class LogSoftmax
{
    /// <summary>row ← row − log Σ exp(row), computed as (x − max) − log Σ exp(x − max) so exp cannot overflow.</summary>
    public static void InPlace(Span<float> row, Span<float> scratch)
    {
        float max = TensorPrimitives.Max(row);
        TensorPrimitives.Subtract(row, max, row);
        var e = scratch[..row.Length];
        TensorPrimitives.Exp(row, e);
        float logSum = MathF.Log(TensorPrimitives.Sum(e));
        TensorPrimitives.Subtract(row, logSum, row);
    }
}
