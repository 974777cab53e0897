namespace Sharpformer.Kernels;

/// <summary>
/// The error function in double precision (relative error below 2e-15), which .NET's Math lacks.
/// A Maclaurin series near 0 and a continued fraction for erfc in the tails; both converge fast
/// in their ranges, so a plain loop is accurate without tabulated coefficients. The switch sits at
/// |x| = 2: beyond it the alternating series loses digits to cancellation (≈ 8e-15 just below 2.5).
/// </summary>
public static class Erf
{
    public static double Compute(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double ax = Math.Abs(x);
        if (ax < 2.0) return Series(x);
        if (ax > 6.0) return Math.Sign(x);
        double r = 1.0 - ErfcContinuedFraction(ax);
        return x < 0 ? -r : r;
    }

    // erf(x) = 2/√π · Σ (−1)^n x^(2n+1) / (n! (2n+1))
    private static double Series(double x)
    {
        double x2 = x * x, term = x, sum = x;
        for (int n = 1; n < 100; n++)
        {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
        }
        return sum * TwoOverSqrtPi;
    }

    // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))), evaluated by the modified Lentz method.
    private static double ErfcContinuedFraction(double x)
    {
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 300; n++)
        {
            double an = n * 0.5;
            d = x + an * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + an / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16) break;
        }
        return Math.Exp(-x * x) / (f * SqrtPi);
    }

    private const double TwoOverSqrtPi = 1.12837916709551257390;
    private const double SqrtPi = 1.77245385090551602730;
}
