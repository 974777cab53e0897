namespace Sharpformer.Text;

/// <summary>The three parts of a data split, each in the order the items had in the input.</summary>
public sealed record DataSplit<T>(IReadOnlyList<T> Train, IReadOnlyList<T> Valid, IReadOnlyList<T> Test);

/// <summary>
/// Splits items into train / validation / test by a key, so that all items sharing a key land
/// in the same part: a chatbot question asked twice, or an English sentence with two Korean
/// translations, can never be trained on and then scored. The fractions apply to distinct keys,
/// not to items.
/// </summary>
/// <remarks>
/// The result is a fixed function of the keys and the seed, the same in every process and on
/// every machine: the distinct keys are sorted by ordinal string order, shuffled by Fisher–Yates
/// with a SplitMix64 generator, and cut in order. Neither <see cref="HashCode"/> nor
/// <see cref="string.GetHashCode()"/> is involved (.NET salts both per process), and the input
/// order does not matter either, so re-sorting a source file keeps every key where it was.
/// </remarks>
public static class GroupedSplit
{
    /// <summary>
    /// The split of <paramref name="items"/> by <paramref name="key"/>: round(validFraction·K)
    /// of the K distinct keys go to validation, round(testFraction·K) to test and the rest to
    /// train.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A fraction is negative or NaN, or together they exceed 1.</exception>
    public static DataSplit<T> Split<T>(IReadOnlyList<T> items, Func<T, string> key, ulong seed,
        double validFraction = 0.1, double testFraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(key);
        if (!(validFraction >= 0) || !(testFraction >= 0) || validFraction + testFraction > 1)
            throw new ArgumentOutOfRangeException(nameof(validFraction),
                $"Fractions must be non-negative and sum to at most 1 (valid {validFraction}, test {testFraction}).");

        string[] keys = items.Select(key).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        Shuffle(keys, seed);
        int validCount = (int)Math.Round(validFraction * keys.Length, MidpointRounding.AwayFromZero);
        int testCount = Math.Min((int)Math.Round(testFraction * keys.Length, MidpointRounding.AwayFromZero), keys.Length - validCount);
        int trainCount = keys.Length - validCount - testCount;

        // 0 = train, 1 = valid, 2 = test, by position in the shuffled order.
        var part = new Dictionary<string, int>(keys.Length, StringComparer.Ordinal);
        for (int i = 0; i < keys.Length; i++) part[keys[i]] = i < trainCount ? 0 : i < trainCount + validCount ? 1 : 2;

        var parts = new[] { new List<T>(), new List<T>(), new List<T>() };
        foreach (T item in items) parts[part[key(item)]].Add(item);
        return new DataSplit<T>(parts[0], parts[1], parts[2]);
    }

    private static void Shuffle(string[] keys, ulong seed)
    {
        var random = new SplitMix64(seed);
        for (int i = keys.Length - 1; i > 0; i--)
        {
            int j = random.NextBelow(i + 1);
            (keys[i], keys[j]) = (keys[j], keys[i]);
        }
    }

    /// <summary>Steele, Lea and Flood's SplitMix64: a 64-bit counter through a bijective mixer.</summary>
    internal struct SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>A value in [0, <paramref name="bound"/>): the high word of a 64×64-bit product (bias below bound / 2^64).</summary>
        public int NextBelow(int bound) => (int)Math.BigMul(Next(), (ulong)bound, out _);
    }
}
