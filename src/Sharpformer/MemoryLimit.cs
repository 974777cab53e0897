using System.Globalization;

namespace Sharpformer;

/// <summary>
/// The memory a run or a loaded model may need before Sharpformer refuses to allocate it: what the
/// user set (<c>--max-memory 8G</c>), else 75 % of the memory this process may use (physical memory,
/// or the container's or the GC's limit when lower). Estimates are checked against it before anything
/// is allocated, so an absurd size is a one-line error instead of an out-of-memory crash minutes later.
/// </summary>
public static class MemoryLimit
{
    private static long _current;

    /// <summary>75 % of the memory available to this process.</summary>
    public static long Default
    {
        get
        {
            long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            return total > 0 ? total / 4 * 3 : long.MaxValue;
        }
    }

    /// <summary>The limit for models loaded in this process (<see cref="Default"/> unless set; 0 restores the default).</summary>
    public static long Current
    {
        get => _current > 0 ? _current : Default;
        set => _current = Math.Max(0, value);
    }

    /// <summary>A configured limit in bytes (0 = <see cref="Current"/>).</summary>
    public static long Resolve(long configured) => configured > 0 ? configured : Current;

    /// <summary>
    /// Parses a size such as "8G", "512M", "1.5GB", "64K" or "1000000" (bytes); K, M, G and T are powers of 1024.
    /// Throws naming <paramref name="field"/> when the text is not a positive size.
    /// </summary>
    public static long Parse(string text, string field)
    {
        string t = text.Trim().ToUpperInvariant();
        if (t.EndsWith("IB", StringComparison.Ordinal)) t = t[..^2];
        else if (t.EndsWith('B')) t = t[..^1];
        long unit = 1;
        if (t.Length > 0 && "KMGT".IndexOf(t[^1]) is int power and >= 0)
        {
            unit = 1L << (10 * (power + 1));
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || !(value * unit >= 1) || value * unit > long.MaxValue / 2)
            throw UserInputException.ForField(field, $"expected a size such as 8G, 512M or 1.5G, got '{text}'");
        return (long)(value * unit);
    }

    /// <summary>A byte count for messages: "512 B", "3.4 MB", "12.0 GB" (powers of 1024).</summary>
    public static string Format(double bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        return u == 0 ? $"{bytes:0} B" : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {units[u]}");
    }
}
