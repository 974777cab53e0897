using Sharpformer.Kernels;

namespace Sharpformer.Tests.Kernels;

/// <summary>LayerNorm forward and backward against naive double-precision references.</summary>
public sealed class LayerNormKernelTests
{
    private const float Eps = 1e-5f;

    private sealed record Case(int Rows, int D, float[] X, float[] Gamma, float[] Beta, float[] Dy);

    private static Case MakeCase(int rows, int d, int seed)
    {
        var rng = new Random(seed);
        // an offset and a scale per row, so the mean really has to be removed
        var x = new float[rows * d];
        for (int r = 0; r < rows; r++)
        {
            float shift = (float)(rng.NextDouble() * 20 - 10), scale = (float)(0.1 + rng.NextDouble() * 3);
            for (int j = 0; j < d; j++) x[r * d + j] = shift + scale * (float)TestData.Gaussian(rng);
        }
        return new Case(rows, d, x, TestData.Uniform(rng, d, 0.5f, 1.5f), TestData.Uniform(rng, d, -0.5f, 0.5f), TestData.Uniform(rng, rows * d));
    }

    private static (double[] Y, double[] Mean, double[] Rstd) ReferenceForward(Case c)
    {
        int d = c.D;
        var y = new double[c.Rows * d];
        var mean = new double[c.Rows];
        var rstd = new double[c.Rows];
        for (int r = 0; r < c.Rows; r++)
        {
            double mu = 0, var = 0;
            for (int j = 0; j < d; j++) mu += c.X[r * d + j];
            mu /= d;
            for (int j = 0; j < d; j++) var += (c.X[r * d + j] - mu) * (c.X[r * d + j] - mu);
            var /= d;
            double rs = 1 / Math.Sqrt(var + Eps);
            for (int j = 0; j < d; j++) y[r * d + j] = (c.X[r * d + j] - mu) * rs * c.Gamma[j] + c.Beta[j];
            (mean[r], rstd[r]) = (mu, rs);
        }
        return (y, mean, rstd);
    }

    // dx_j = Σ_i dy_i γ_i ∂x̂_i/∂x_j with ∂x̂_i/∂x_j = rstd·(δ_ij − 1/d − x̂_i x̂_j / d): the full Jacobian, O(d²) per row.
    private static (double[] Dx, double[] DGamma, double[] DBeta) ReferenceBackward(Case c)
    {
        int d = c.D;
        var (_, mean, rstd) = ReferenceForward(c);
        var dx = new double[c.Rows * d];
        var dgamma = new double[d];
        var dbeta = new double[d];
        for (int r = 0; r < c.Rows; r++)
        {
            var xhat = new double[d];
            for (int j = 0; j < d; j++) xhat[j] = (c.X[r * d + j] - mean[r]) * rstd[r];
            for (int i = 0; i < d; i++)
            {
                double dyi = c.Dy[r * d + i];
                dgamma[i] += dyi * xhat[i];
                dbeta[i] += dyi;
                for (int j = 0; j < d; j++)
                    dx[r * d + j] += dyi * c.Gamma[i] * rstd[r] * ((i == j ? 1.0 : 0.0) - 1.0 / d - xhat[i] * xhat[j] / d);
            }
        }
        return (dx, dgamma, dbeta);
    }

    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int d in TestData.OddLengths) { data.Add(1, d); data.Add(5, d); }
        return data;
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Forward_matches_the_reference(int rows, int d)
    {
        var c = MakeCase(rows, d, rows * 1000 + d);
        var (yRef, meanRef, rstdRef) = ReferenceForward(c);
        var y = new float[rows * d];
        var mean = new float[rows];
        var rstd = new float[rows];
        LayerNormKernel.Forward(c.X, c.Gamma, c.Beta, y, mean, rstd, rows, d, Eps);
        Precision.AssertClose(y, yRef, 1e-5, $"layernorm y [{rows}, {d}]");
        Precision.AssertClose(mean, meanRef, 1e-6, "mean");
        Precision.AssertClose(rstd, rstdRef, 1e-5, "rstd");
    }

    [Fact]
    public void A_constant_row_normalises_to_beta()
    {
        var x = Enumerable.Repeat(3.25f, 7).ToArray();
        var gamma = TestData.Uniform(new Random(1), 7);
        var beta = TestData.Uniform(new Random(2), 7);
        var y = new float[7];
        LayerNormKernel.Forward(x, gamma, beta, y, new float[1], new float[1], 1, 7, Eps);
        Assert.Equal(beta, y);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Backward_matches_the_full_jacobian_and_accumulates_parameter_gradients(int rows, int d)
    {
        var c = MakeCase(rows, d, 7 + rows * 1000 + d);
        var (dxRef, dgRef, dbRef) = ReferenceBackward(c);
        var mean = new float[rows];
        var rstd = new float[rows];
        LayerNormKernel.Forward(c.X, c.Gamma, c.Beta, new float[rows * d], mean, rstd, rows, d, Eps);

        // dγ and dβ start non-zero: Backward must add to them, not overwrite
        var rng = new Random(d);
        var dgamma0 = TestData.Uniform(rng, d);
        var dbeta0 = TestData.Uniform(rng, d);
        var dgamma = (float[])dgamma0.Clone();
        var dbeta = (float[])dbeta0.Clone();
        var dx = new float[rows * d];
        LayerNormKernel.Backward(c.Dy, c.X, mean, rstd, c.Gamma, dx, dgamma, dbeta, rows, d, new float[LayerNormKernel.PartialsLength(rows, d)]);

        Precision.AssertClose(dx, dxRef, d == 1 ? 1e-6 : 1e-4, $"layernorm dx [{rows}, {d}]");
        Precision.AssertClose(dgamma, dgRef.Select((v, i) => v + dgamma0[i]).ToArray(), 1e-5, "dgamma");
        Precision.AssertClose(dbeta, dbRef.Select((v, i) => v + dbeta0[i]).ToArray(), 1e-5, "dbeta");
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Backward_with_dx_aliasing_dy_gives_the_same_result(int rows, int d)
    {
        var c = MakeCase(rows, d, 31 + d);
        var mean = new float[rows];
        var rstd = new float[rows];
        LayerNormKernel.Forward(c.X, c.Gamma, c.Beta, new float[rows * d], mean, rstd, rows, d, Eps);

        var dx = new float[rows * d];
        var dg1 = new float[d];
        var db1 = new float[d];
        LayerNormKernel.Backward(c.Dy, c.X, mean, rstd, c.Gamma, dx, dg1, db1, rows, d, new float[LayerNormKernel.PartialsLength(rows, d)]);

        var inPlace = (float[])c.Dy.Clone();
        var dg2 = new float[d];
        var db2 = new float[d];
        LayerNormKernel.Backward(inPlace, c.X, mean, rstd, c.Gamma, inPlace, dg2, db2, rows, d, new float[LayerNormKernel.PartialsLength(rows, d)]);
        Assert.Equal(dx, inPlace);
        Assert.Equal(dg1, dg2);
        Assert.Equal(db1, db2);
    }

    [Fact]
    public void Backward_agrees_with_a_finite_difference_of_the_double_forward()
    {
        var c = MakeCase(2, 7, 99);
        var mean = new float[2];
        var rstd = new float[2];
        LayerNormKernel.Forward(c.X, c.Gamma, c.Beta, new float[14], mean, rstd, 2, 7, Eps);
        var dx = new float[14];
        LayerNormKernel.Backward(c.Dy, c.X, mean, rstd, c.Gamma, dx, new float[7], new float[7], 2, 7, new float[LayerNormKernel.PartialsLength(2, 7)]);

        var xd = TestData.ToDoubles(c.X);
        double Objective()
        {
            double s = 0;
            for (int r = 0; r < 2; r++)
            {
                double mu = 0, var = 0;
                for (int j = 0; j < 7; j++) mu += xd[r * 7 + j] / 7;
                for (int j = 0; j < 7; j++) var += (xd[r * 7 + j] - mu) * (xd[r * 7 + j] - mu) / 7;
                for (int j = 0; j < 7; j++) s += c.Dy[r * 7 + j] * ((xd[r * 7 + j] - mu) / Math.Sqrt(var + Eps) * c.Gamma[j] + c.Beta[j]);
            }
            return s;
        }
        var fd = new double[14];
        const double h = 1e-6;
        for (int i = 0; i < 14; i++)
        {
            double keep = xd[i];
            xd[i] = keep + h; double up = Objective();
            xd[i] = keep - h; double down = Objective();
            xd[i] = keep;
            fd[i] = (up - down) / (2 * h);
        }
        Precision.AssertClose(dx, fd, 1e-4, "layernorm dx vs finite difference");
    }

    [Fact]
    public void Rejects_inconsistent_buffers()
    {
        Assert.Throws<ArgumentException>(() => LayerNormKernel.Forward(new float[6], new float[3], new float[3], new float[5], new float[2], new float[2], 2, 3, Eps));
        Assert.Throws<ArgumentException>(() => LayerNormKernel.Forward(new float[6], new float[2], new float[3], new float[6], new float[2], new float[2], 2, 3, Eps));
        Assert.Throws<ArgumentException>(() => LayerNormKernel.Forward(new float[6], new float[3], new float[3], new float[6], new float[1], new float[2], 2, 3, Eps));
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerNormKernel.Forward(new float[6], new float[0], new float[0], new float[6], new float[2], new float[2], 2, 0, Eps));
        Assert.Throws<ArgumentException>(() => LayerNormKernel.Backward(new float[6], new float[6], new float[2], new float[2], new float[3], new float[6], new float[3], new float[3], 2, 3, new float[LayerNormKernel.PartialsLength(2, 3) - 1]));   // partials too short
        Assert.Throws<ArgumentException>(() => LayerNormKernel.Backward(new float[6], new float[6], new float[2], new float[2], new float[3], new float[5], new float[3], new float[3], 2, 3, new float[LayerNormKernel.PartialsLength(2, 3)]));   // dx too short
        Assert.Throws<ArgumentException>(() => LayerNormKernel.Backward(new float[6], new float[6], new float[2], new float[2], new float[3], new float[6], new float[2], new float[3], 2, 3, new float[LayerNormKernel.PartialsLength(2, 3)]));   // dγ of the wrong size
    }
}
