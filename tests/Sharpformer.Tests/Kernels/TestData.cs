namespace Sharpformer.Tests.Kernels;

/// <summary>Seeded random inputs for kernel and layer tests.</summary>
internal static class TestData
{
    /// <summary>The odd lengths every kernel is run at: scalar-only, one vector plus tail, many vectors plus tail.</summary>
    public static readonly int[] OddLengths = [1, 7, 33, 257];

    public static float[] Uniform(Random rng, int n, float lo = -1f, float hi = 1f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (float)rng.NextDouble() * (hi - lo);
        return a;
    }

    public static float[] Normal(Random rng, int n, double std = 1.0)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(std * Gaussian(rng));
        return a;
    }

    public static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public static double[] ToDoubles(ReadOnlySpan<float> a)
    {
        var d = new double[a.Length];
        for (int i = 0; i < a.Length; i++) d[i] = a[i];
        return d;
    }
}
