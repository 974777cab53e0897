using Sharpformer.Kernels;

namespace Sharpformer.Tests.Kernels;

/// <summary>The double-precision error function against published values and a 28-digit reference.</summary>
public sealed class ErfTests
{
    /// <summary>
    /// erf by its Maclaurin series in System.Decimal (28–29 significant digits). The largest term for
    /// |x| ≤ 5.5 is below 1e12, so the sum keeps ≳ 16 correct digits after the decimal point.
    /// </summary>
    public static double DecimalReference(double x)
    {
        const decimal twoOverSqrtPi = 1.1283791670955125738961589031m;
        // via the shortest round-trip string: a plain (decimal) cast would keep only 15 significant digits of x
        decimal xm = decimal.Parse(x.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
        decimal x2 = xm * xm, term = xm, sum = xm;
        for (int n = 1; n < 400; n++)
        {
            term = -term * x2 / n;
            decimal add = term / (2 * n + 1);
            if (add == 0m) break;
            sum += add;
        }
        return (double)(sum * twoOverSqrtPi);
    }

    [Theory]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(0.1, 0.1124629160182849)]
    [InlineData(1.5, 0.9661051464753108)]
    [InlineData(4.0, 0.9999999845827421)]
    [InlineData(5.0, 0.9999999999984626)]
    [InlineData(5.5, 0.9999999999999927)]
    [InlineData(1.9999999, 0.9953222629522538)]     // both sides of the series / continued-fraction switch at 2
    [InlineData(2.0000001, 0.9953222670856509)]
    [InlineData(2.4999999, 0.9995930477647266)]     // where the series alone would lose ≈ 8e-15
    [InlineData(2.5, 0.999593047982555)]
    [InlineData(1e-5, 1.1283791670579e-05)]
    public void Matches_published_values_and_is_odd(double x, double expected)
    {
        // expected values: erf at 40 digits (mpmath), rounded to double
        Assert.InRange(Math.Abs(Erf.Compute(x) - expected), 0, 1e-15 * expected);
        Assert.Equal(-Erf.Compute(x), Erf.Compute(-x));
    }

    [Fact]
    public void Published_values_agree_with_the_decimal_reference()
    {
        // guards the reference itself before it is used on a grid
        Assert.InRange(Math.Abs(DecimalReference(0.5) - 0.5204998778130465), 0, 1e-16);
        Assert.InRange(Math.Abs(DecimalReference(3.0) - 0.9999779095030014), 0, 1e-15);
    }

    [Fact]
    public void Matches_the_decimal_reference_on_a_dense_grid()
    {
        double worst = 0, at = 0;
        for (double x = -5.5; x <= 5.5; x += 0.00137)
        {
            double reference = DecimalReference(x);
            double err = Math.Abs(Erf.Compute(x) - reference) / Math.Max(Math.Abs(reference), 1e-300);
            if (err > worst) (worst, at) = (err, x);
        }
        Assert.True(worst < 2e-15, $"largest relative error {worst:E2} at x = {at}");
    }

    [Fact]
    public void Tiny_arguments_follow_the_linear_term()
    {
        const double twoOverSqrtPi = 1.1283791670955126;
        foreach (double x in new[] { 1e-300, 1e-20, 1e-10, 1e-8, -1e-9 })
            Assert.InRange(Math.Abs(Erf.Compute(x) - twoOverSqrtPi * x), 0, 1e-15 * Math.Abs(x));
        Assert.Equal(0.0, Erf.Compute(0.0));
    }

    [Fact]
    public void Is_continuous_and_accurate_across_the_series_to_continued_fraction_switch()
    {
        foreach (double s in new[] { 2.0, 2.5 })
            foreach (double x in new[] { s - 0.1, s - 1e-7, Math.BitDecrement(s), s, Math.BitIncrement(s), s + 1e-7, s + 0.1 })
            {
                double reference = DecimalReference(x);
                Assert.InRange(Math.Abs(Erf.Compute(x) - reference), 0, 1e-15);
                Assert.InRange(Math.Abs(Erf.Compute(-x) + reference), 0, 1e-15);
            }
        // the slope 2/√π·e^(−4) ≈ 0.02 at 2 makes neighbouring doubles differ by ≪ 1e-15: any jump at the switch is rounding
        double below = Erf.Compute(Math.BitDecrement(2.0)), above = Erf.Compute(Math.BitIncrement(2.0));
        Assert.InRange(Math.Abs(above - below), 0, 1e-15);
    }

    [Fact]
    public void Large_arguments_saturate_monotonically()
    {
        double previous = Erf.Compute(5.5);
        for (double x = 5.5; x <= 8; x += 0.01)
        {
            double e = Erf.Compute(x);
            Assert.True(e >= previous && e <= 1.0, $"erf({x}) = {e:R} after {previous:R}");
            previous = e;
        }
        Assert.Equal(1.0, Erf.Compute(6.5));
        Assert.Equal(1.0, Erf.Compute(30));
        Assert.Equal(-1.0, Erf.Compute(-1e300));
        Assert.Equal(1.0, Erf.Compute(double.PositiveInfinity));
        Assert.Equal(-1.0, Erf.Compute(double.NegativeInfinity));
        Assert.True(double.IsNaN(Erf.Compute(double.NaN)));
    }
}
