namespace Sharpformer.Inspection;

/// <summary>
/// Cosine similarity between rows of a table [n, d]: cos(a, b) = a·b / (‖a‖·‖b‖), in double precision.
/// A zero row has no direction; its similarity to anything is 0 (to itself, 1).
/// </summary>
public static class VectorSimilarity
{
    /// <summary>cos(a, b); 0 when either vector is zero.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Vectors of {a.Length} and {b.Length} values.");
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>The rows of <paramref name="table"/> [n, d] scaled to unit length (zero rows stay zero).</summary>
    public static double[][] UnitRows(ReadOnlySpan<float> table, int n, int d)
    {
        if (table.Length != n * d) throw new ArgumentException($"A [{n}, {d}] table needs {n * d} values, got {table.Length}.");
        var unit = new double[n][];
        for (int i = 0; i < n; i++)
        {
            var row = table.Slice(i * d, d);
            double norm = 0;
            foreach (float x in row) norm += (double)x * x;
            norm = Math.Sqrt(norm);
            unit[i] = new double[d];
            if (norm > 0)
                for (int j = 0; j < d; j++) unit[i][j] = row[j] / norm;
        }
        return unit;
    }

    /// <summary>C [n, n] with C[i, j] = cos(row i, row j) of a table [n, d]: symmetric, ones on the diagonal.</summary>
    public static float[][] CosineMatrix(ReadOnlySpan<float> table, int n, int d)
    {
        var unit = UnitRows(table, n, d);
        var c = new float[n][];
        for (int i = 0; i < n; i++) c[i] = new float[n];
        for (int i = 0; i < n; i++)
        {
            c[i][i] = 1f;
            for (int j = i + 1; j < n; j++) c[i][j] = c[j][i] = (float)Dot(unit[i], unit[j]);
        }
        return c;
    }

    /// <summary>cos of every unordered pair i &lt; j of the given rows (n(n−1)/2 values).</summary>
    public static float[] PairCosines(double[][] unitRows)
    {
        int n = unitRows.Length;
        var pairs = new float[(long)n * (n - 1) / 2];
        long k = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) pairs[k++] = (float)Dot(unitRows[i], unitRows[j]);
        return pairs;
    }

    /// <summary>For each row, its largest cosine with another row (its nearest neighbour's similarity).</summary>
    public static float[] NearestNeighbourCosines(double[][] unitRows)
    {
        int n = unitRows.Length;
        var best = new float[n];
        Array.Fill(best, float.NegativeInfinity);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                float c = (float)Dot(unitRows[i], unitRows[j]);
                if (c > best[i]) best[i] = c;
                if (c > best[j]) best[j] = c;
            }
        return best;
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}

/// <summary>Summary numbers of a sample of values.</summary>
public sealed record Distribution(long Count, double Mean, double StdDev, double Min, double P05, double Median, double P95, double Max)
{
    public static Distribution Of(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return new Distribution(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double sum = 0, sumSq = 0;
        foreach (float v in sorted) { sum += v; sumSq += (double)v * v; }
        double mean = sum / sorted.Length;
        double variance = Math.Max(0, sumSq / sorted.Length - mean * mean);
        return new Distribution(sorted.Length, mean, Math.Sqrt(variance), sorted[0], Quantile(sorted, 0.05), Quantile(sorted, 0.5), Quantile(sorted, 0.95), sorted[^1]);
    }

    // Linear interpolation between the closest ranks (numpy's default).
    private static double Quantile(float[] sorted, double q)
    {
        double at = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(at), hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
    }
}

/// <summary>Counts of values in equal bins over [Min, Max]; <see cref="Fractions"/> sum to 1 over the values inside.</summary>
public sealed record Histogram(double Min, double Max, long[] Counts)
{
    public double BinWidth => (Max - Min) / Counts.Length;
    public double[] Centers => Enumerable.Range(0, Counts.Length).Select(i => Min + (i + 0.5) * BinWidth).ToArray();
    public double[] Fractions
    {
        get
        {
            double total = Counts.Sum();
            return Counts.Select(c => total == 0 ? 0 : c / total).ToArray();
        }
    }

    /// <summary>Bins values (the upper edge belongs to the last bin; values outside the range are not counted).</summary>
    public static Histogram Of(ReadOnlySpan<float> values, int bins, double min, double max)
    {
        var counts = new long[bins];
        double width = (max - min) / bins;
        foreach (float v in values)
        {
            if (v < min || v > max || float.IsNaN(v)) continue;
            counts[Math.Min(bins - 1, (int)((v - min) / width))]++;
        }
        return new Histogram(min, max, counts);
    }
}
