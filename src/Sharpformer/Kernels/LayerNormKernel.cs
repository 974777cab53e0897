using System.Numerics.Tensors;

namespace Sharpformer.Kernels;

/// <summary>Layer normalisation over the last axis of a [rows, d] matrix, forward and backward.</summary>
public static class LayerNormKernel
{
    /// <summary>
    /// y = (x − mean) / √(var + eps) · gamma + beta per row (biased variance, as PyTorch).
    /// Writes each row's mean and 1/√(var + eps) for the backward pass.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> mean, Span<float> rstd, int rows, int d, float eps)
    {
        Check(x.Length, y.Length, rows, d);
        if (gamma.Length != d || beta.Length != d) throw new ArgumentException("gamma/beta length must equal d.");
        if (mean.Length < rows || rstd.Length < rows) throw new ArgumentException("mean/rstd buffers are too short.");
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * d, d);
            var yr = y.Slice(r * d, d);
            float mu = TensorPrimitives.Sum(xr) / d;
            TensorPrimitives.Subtract(xr, mu, yr);                       // yr = x − μ
            float var = TensorPrimitives.SumOfSquares(yr) / d;           // two passes: no cancellation
            float rs = 1f / MathF.Sqrt(var + eps);
            TensorPrimitives.Multiply(yr, rs, yr);                       // x̂
            TensorPrimitives.FusedMultiplyAdd(yr, gamma, beta, yr);      // x̂·γ + β
            mean[r] = mu;
            rstd[r] = rs;
        }
    }

    /// <summary>
    /// dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)) with dx̂ = dy ⊙ γ; accumulates dγ += Σ dy ⊙ x̂ and dβ += Σ dy.
    /// <paramref name="scratch"/> needs d floats. dx may alias dy.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> gamma, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int rows, int d, Span<float> scratch)
    {
        Check(x.Length, dy.Length, rows, d);
        if (dx.Length < rows * d) throw new ArgumentException("dx is too short.");
        if (gamma.Length != d || dgamma.Length != d || dbeta.Length != d || scratch.Length < d) throw new ArgumentException("gamma/dgamma/dbeta/scratch length must be d.");
        var xhat = scratch[..d];
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * d, d);
            var dyr = dy.Slice(r * d, d);
            var dxr = dx.Slice(r * d, d);
            TensorPrimitives.Subtract(xr, mean[r], xhat);
            TensorPrimitives.Multiply(xhat, rstd[r], xhat);              // x̂
            TensorPrimitives.FusedMultiplyAdd(dyr, xhat, dgamma, dgamma); // dγ += dy·x̂
            TensorPrimitives.Add(dbeta, dyr, dbeta);                      // dβ += dy
            TensorPrimitives.Multiply(dyr, gamma, dxr);                   // dx̂ = dy·γ  (dxr may alias dyr)
            float meanDxhat = TensorPrimitives.Sum(dxr) / d;
            float meanDxhatXhat = TensorPrimitives.Dot(dxr, xhat) / d;
            // dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))
            TensorPrimitives.MultiplyAdd(xhat, -meanDxhatXhat, dxr, dxr);
            TensorPrimitives.Subtract(dxr, meanDxhat, dxr);
            TensorPrimitives.Multiply(dxr, rstd[r], dxr);
        }
    }

    private static void Check(int xLen, int yLen, int rows, int d)
    {
        if (rows < 0 || d <= 0) throw new ArgumentOutOfRangeException(nameof(d), $"LayerNorm needs rows ≥ 0 and d > 0 (rows={rows}, d={d}).");
        if (xLen < rows * d || yLen < rows * d) throw new ArgumentException($"LayerNorm buffers shorter than rows·d = {rows * d}.");
    }
}
