using System.Diagnostics;

namespace Sharpformer.Benchmarks;

/// <summary>Small helpers shared by the benchmarks: medians and the process's peak memory.</summary>
public static class BenchmarkStats
{
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("No samples.");
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>Peak resident set size of this process in MiB (VmHWM on Linux, else the peak working set).</summary>
    public static double PeakRssMb() => Status("VmHWM:") ?? Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);

    /// <summary>Resident set size of this process now, in MiB (VmRSS on Linux, else the working set).</summary>
    public static double CurrentRssMb() => Status("VmRSS:") ?? Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0);

    // A "Key:   123 kB" line of /proc/self/status in MiB, or null off Linux.
    private static double? Status(string key)
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
            foreach (var line in File.ReadLines(status))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0]) / 1024.0;
        return null;
    }

    /// <summary>Times <paramref name="action"/> <paramref name="repeats"/> times after <paramref name="warmup"/> untimed calls; returns milliseconds per call.</summary>
    public static List<double> Time(Action action, int warmup, int repeats)
    {
        for (int i = 0; i < warmup; i++) action();
        var ms = new List<double>(repeats);
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return ms;
    }
}
