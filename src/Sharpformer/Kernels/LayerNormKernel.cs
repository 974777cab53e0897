using System.Numerics.Tensors;

namespace Sharpformer.Kernels;

/// <summary>
/// Layer normalisation over the last axis of a [rows, d] matrix, forward and backward. Rows are
/// processed in fixed blocks spread over the pool; the backward's dγ/dβ partial sums are kept per
/// block and added in block order, so results do not depend on the thread count.
/// </summary>
public static unsafe class LayerNormKernel
{
    private const int BlockRows = 64;

    /// <summary>
    /// y = (x − mean) / √(var + eps) · gamma + beta per row (biased variance, as PyTorch).
    /// Writes each row's mean and 1/√(var + eps) for the backward pass. y may alias x.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> mean, Span<float> rstd, int rows, int d, float eps)
    {
        Check(x.Length, y.Length, rows, d);
        if (gamma.Length != d || beta.Length != d) throw new ArgumentException("gamma/beta length must equal d.");
        if (mean.Length < rows || rstd.Length < rows) throw new ArgumentException("mean/rstd buffers are too short.");
        fixed (float* px = x) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* py = y) fixed (float* pm = mean) fixed (float* pr = rstd)
        {
            var task = new ForwardTask { X = px, Gamma = pg, Beta = pb, Y = py, Mean = pm, Rstd = pr, Rows = rows, D = d, Eps = eps };
            ComputePool.For(Blocks(rows), ref task);
        }
    }

    /// <summary>
    /// dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)) with dx̂ = dy ⊙ γ; accumulates dγ += Σ dy ⊙ x̂ and dβ += Σ dy.
    /// <paramref name="partials"/> (caller-owned, <see cref="PartialsLength"/> floats) holds each row block's
    /// [dγ | dβ], summed in block order afterwards so the result does not depend on the thread count. dx may alias dy.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> gamma, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int rows, int d, Span<float> partials)
    {
        Check(x.Length, dy.Length, rows, d);
        if (dx.Length < rows * d) throw new ArgumentException("dx is too short.");
        if (gamma.Length != d || dgamma.Length != d || dbeta.Length != d) throw new ArgumentException("gamma/dgamma/dbeta length must be d.");
        if (mean.Length < rows || rstd.Length < rows) throw new ArgumentException("mean/rstd buffers are too short.");
        int blocks = Blocks(rows);
        if (partials.Length < blocks * 2 * d) throw new ArgumentException($"partials needs {blocks * 2 * d} floats, got {partials.Length}.");
        var partial = partials[..(blocks * 2 * d)];   // per block: [dγ | dβ]
        partial.Clear();
        fixed (float* pdy = dy) fixed (float* px = x) fixed (float* pm = mean) fixed (float* pr = rstd) fixed (float* pg = gamma)
        fixed (float* pdx = dx) fixed (float* pp = partial)
        {
            var task = new BackwardTask { Dy = pdy, X = px, Mean = pm, Rstd = pr, Gamma = pg, Dx = pdx, Partial = pp, Rows = rows, D = d };
            ComputePool.For(blocks, ref task);
        }
        for (int b = 0; b < blocks; b++)
        {
            TensorPrimitives.Add(dgamma, partial.Slice(b * 2 * d, d), dgamma);
            TensorPrimitives.Add(dbeta, partial.Slice(b * 2 * d + d, d), dbeta);
        }
    }

    /// <summary>The floats <see cref="Backward"/> needs for its per-block partial sums.</summary>
    public static int PartialsLength(int rows, int d) => Blocks(rows) * 2 * d;

    private static int Blocks(int rows) => (rows + BlockRows - 1) / BlockRows;

    private static void Check(int xLen, int yLen, int rows, int d)
    {
        if (rows < 0 || d <= 0) throw new ArgumentOutOfRangeException(nameof(d), $"LayerNorm needs rows ≥ 0 and d > 0 (rows={rows}, d={d}).");
        if (xLen < rows * d || yLen < rows * d) throw new ArgumentException($"LayerNorm buffers shorter than rows·d = {rows * d}.");
    }

    private struct ForwardTask : IComputeTask
    {
        public float* X, Gamma, Beta, Y, Mean, Rstd;
        public int Rows, D;
        public float Eps;

        public void Run(int block)
        {
            var gamma = new ReadOnlySpan<float>(Gamma, D);
            var beta = new ReadOnlySpan<float>(Beta, D);
            for (int r = block * BlockRows, end = Math.Min(Rows, r + BlockRows); r < end; r++)
            {
                var xr = new ReadOnlySpan<float>(X + (long)r * D, D);
                var yr = new Span<float>(Y + (long)r * D, D);
                float mu = TensorPrimitives.Sum(xr) / D;
                TensorPrimitives.Subtract(xr, mu, yr);                       // yr = x − μ
                float var = TensorPrimitives.SumOfSquares(yr) / D;           // two passes: no cancellation
                float rs = 1f / MathF.Sqrt(var + Eps);
                TensorPrimitives.Multiply(yr, rs, yr);                       // x̂
                TensorPrimitives.FusedMultiplyAdd(yr, gamma, beta, yr);      // x̂·γ + β
                Mean[r] = mu;
                Rstd[r] = rs;
            }
        }
    }

    private struct BackwardTask : IComputeTask
    {
        public float* Dy, X, Mean, Rstd, Gamma, Dx, Partial;
        public int Rows, D;

        public void Run(int block)
        {
            var gamma = new ReadOnlySpan<float>(Gamma, D);
            var dgamma = new Span<float>(Partial + (long)block * 2 * D, D);
            var dbeta = new Span<float>(Partial + (long)block * 2 * D + D, D);
            Span<float> xhat = D <= 2048 ? stackalloc float[D] : new float[D];
            for (int r = block * BlockRows, end = Math.Min(Rows, r + BlockRows); r < end; r++)
            {
                var xr = new ReadOnlySpan<float>(X + (long)r * D, D);
                var dyr = new ReadOnlySpan<float>(Dy + (long)r * D, D);
                var dxr = new Span<float>(Dx + (long)r * D, D);
                TensorPrimitives.Subtract(xr, Mean[r], xhat);
                TensorPrimitives.Multiply(xhat, Rstd[r], xhat);              // x̂
                TensorPrimitives.FusedMultiplyAdd(dyr, xhat, dgamma, dgamma); // dγ += dy·x̂
                TensorPrimitives.Add(dbeta, dyr, dbeta);                      // dβ += dy
                TensorPrimitives.Multiply(dyr, gamma, dxr);                   // dx̂ = dy·γ  (dxr may alias dyr)
                float meanDxhat = TensorPrimitives.Sum(dxr) / D;
                float meanDxhatXhat = TensorPrimitives.Dot(dxr, xhat) / D;
                // dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))
                TensorPrimitives.MultiplyAdd(xhat, -meanDxhatXhat, dxr, dxr);
                TensorPrimitives.Subtract(dxr, meanDxhat, dxr);
                TensorPrimitives.Multiply(dxr, Rstd[r], dxr);
            }
        }
    }
}
