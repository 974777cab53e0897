using System.Numerics.Tensors;

namespace Sharpformer.Inference;

/// <summary>
/// Turns one row of logits into log-probabilities in place. Greedy and beam search share this code so
/// that both see bit-identical values (beam search of width 1 then retraces greedy exactly).
/// </summary>
internal static class LogSoftmax
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
