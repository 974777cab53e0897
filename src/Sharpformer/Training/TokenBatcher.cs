using Sharpformer.Kernels;

namespace Sharpformer.Training;

/// <summary>One tokenised training example (ids without BOS/EOS).</summary>
public sealed record Example(int[] Source, int[] Target);

/// <summary>
/// Groups examples into batches of similar length under a token budget (length bucketing), so
/// little compute is spent on padding. The batches are fixed once (sorted by length with seeded
/// tie-breaking, then cut under the budget); each epoch visits them in an order that is a pure
/// function of (seed, epoch), so a run can resume at any batch of any epoch and see exactly the
/// same data as an uninterrupted one.
/// </summary>
public sealed class TokenBatcher
{
    private readonly IReadOnlyList<Example> _examples;
    private readonly List<int[]> _batches;
    private readonly int _padId, _bosId, _eosId;

    /// <param name="maxTokens">Budget per batch: sentences × the longest padded side (source + EOS or target + 1).</param>
    /// <param name="maxSentences">Upper bound on sentences per batch (0 = none).</param>
    public TokenBatcher(IReadOnlyList<Example> examples, int maxTokens, int maxSentences, int padId, int bosId, int eosId, int seed)
    {
        if (maxTokens <= 0) throw new ArgumentOutOfRangeException(nameof(maxTokens), "The token budget must be positive.");
        _examples = examples;
        (_padId, _bosId, _eosId) = (padId, bosId, eosId);
        Seed = seed;
        _batches = MakeBatches(examples, maxTokens, maxSentences, seed);
    }

    public int Seed { get; }
    public int BatchCount => _batches.Count;
    public int ExampleCount => _examples.Count;

    /// <summary>The padded length an example occupies: the longer of source+EOS and target+1.</summary>
    public static int PaddedLength(Example e) => Math.Max(e.Source.Length + 1, e.Target.Length + 1);

    /// <summary>The order of batch indices in <paramref name="epoch"/> (a seeded shuffle).</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = Enumerable.Range(0, _batches.Count).ToArray();
        new Random(EpochSeed(Seed, epoch)).Shuffle(order);
        return order;
    }

    /// <summary>
    /// A fixed mix of (seed, epoch) through the SplitMix64 finaliser. Not HashCode.Combine: that is salted
    /// per process, so a rerun or a resumed run would see another batch order.
    /// </summary>
    private static int EpochSeed(int seed, int epoch) =>
        (int)(Dropout.Mix(unchecked((uint)seed * 0x9E3779B97F4A7C15UL + (uint)epoch + 0x5EEDUL)) & 0x7FFFFFFF);

    /// <summary>The batches of an epoch from position <paramref name="start"/> on (for resuming).</summary>
    public IEnumerable<(int Position, Seq2SeqBatch Batch)> Epoch(int epoch, int start = 0)
    {
        var order = EpochOrder(epoch);
        for (int i = start; i < order.Length; i++) yield return (i, Build(_batches[order[i]]));
    }

    /// <summary>All batches in a fixed order (for validation).</summary>
    public IEnumerable<Seq2SeqBatch> InOrder() => _batches.Select(Build);

    private Seq2SeqBatch Build(int[] members)
    {
        var sources = members.Select(i => _examples[i].Source.Append(_eosId).ToArray()).ToList();
        var targets = members.Select(i => _examples[i].Target).ToList();
        return Seq2SeqBatch.FromSequences(sources, targets, _padId, _bosId, _eosId);
    }

    private static List<int[]> MakeBatches(IReadOnlyList<Example> examples, int maxTokens, int maxSentences, int seed)
    {
        // Sort by padded length, then by source and target length; a seeded key breaks ties so
        // equal-length sentences do not always share a batch.
        var rng = new Random(seed);
        var tie = Enumerable.Range(0, examples.Count).Select(_ => rng.Next()).ToArray();
        var order = Enumerable.Range(0, examples.Count)
            .OrderBy(i => PaddedLength(examples[i])).ThenBy(i => examples[i].Source.Length).ThenBy(i => examples[i].Target.Length).ThenBy(i => tie[i])
            .ToArray();
        var batches = new List<int[]>();
        var current = new List<int>();
        int longest = 0;
        foreach (int i in order)
        {
            int len = PaddedLength(examples[i]);
            int newLongest = Math.Max(longest, len);
            bool full = current.Count > 0 && ((current.Count + 1) * newLongest > maxTokens || (maxSentences > 0 && current.Count >= maxSentences));
            if (full)
            {
                batches.Add(current.ToArray());
                current.Clear();
                newLongest = len;
            }
            current.Add(i);
            longest = newLongest;
        }
        if (current.Count > 0) batches.Add(current.ToArray());
        return batches;
    }
}
