using Sharpformer.Evaluation;

namespace Sharpformer.Analysis;

/// <summary>Source lengths from <see cref="Min"/> to <see cref="Max"/> tokens, both included (<see cref="Max"/> null: no upper end).</summary>
public sealed record LengthBucket(int Min, int? Max)
{
    public bool Contains(int length) => length >= Min && (Max == null || length <= Max);

    /// <summary>"≤ 10", "11–20", "&gt; 30" (or "7" for a bucket of one length).</summary>
    public string Label => Max switch
    {
        null => $"> {Min - 1}",
        _ when Min <= 0 => $"≤ {Max}",
        _ when Min == Max => $"{Min}",
        _ => $"{Min}–{Max}",
    };
}

/// <summary>One bucket's share of a test set and the scores of a system's output on it.</summary>
/// <param name="Sentences">How many test sentences fall into the bucket.</param>
/// <param name="Bleu">sacreBLEU-exact corpus BLEU of the bucket's sentences alone (null when the bucket is empty).</param>
/// <param name="Chrf">chrF2 of the same sentences (null when empty).</param>
public sealed record BucketScore(LengthBucket Bucket, int Sentences, BleuScore? Bleu, ChrfScore? Chrf);

/// <summary>
/// BLEU by source length: the test set is split by how many subword tokens each source has (without EOS), and each
/// part is scored as a corpus of its own, so a bucket's BLEU is exactly what sacreBLEU gives for those lines.
/// </summary>
public static class LengthBuckets
{
    /// <summary>The buckets ≤ b₁, b₁+1–b₂, …, &gt; b_last for increasing upper bounds (e.g. 10, 20, 30).</summary>
    public static IReadOnlyList<LengthBucket> FromUpperBounds(IReadOnlyList<int> bounds)
    {
        if (bounds.Count == 0) throw UserInputException.ForField("Buckets", "give at least one upper bound, e.g. 10,20,30");
        for (int i = 0; i < bounds.Count; i++)
        {
            if (bounds[i] < 1) throw UserInputException.ForField("Buckets", $"bounds must be positive, got {bounds[i]}");
            if (i > 0 && bounds[i] <= bounds[i - 1])
                throw UserInputException.ForField("Buckets", $"bounds must increase, got {bounds[i - 1]} then {bounds[i]}");
        }
        var buckets = new List<LengthBucket> { new(0, bounds[0]) };
        for (int i = 1; i < bounds.Count; i++) buckets.Add(new LengthBucket(bounds[i - 1] + 1, bounds[i]));
        buckets.Add(new LengthBucket(bounds[^1] + 1, null));
        return buckets;
    }

    /// <summary>The index of the bucket holding <paramref name="length"/>.</summary>
    public static int Assign(int length, IReadOnlyList<LengthBucket> buckets)
    {
        for (int i = 0; i < buckets.Count; i++)
            if (buckets[i].Contains(length)) return i;
        throw new ArgumentOutOfRangeException(nameof(length), $"No bucket holds length {length}.");
    }

    /// <summary>
    /// Scores <paramref name="hypotheses"/> against <paramref name="references"/> bucket by bucket, each sentence i going
    /// to the bucket of <paramref name="sourceLengths"/>[i].
    /// </summary>
    public static IReadOnlyList<BucketScore> Score(IReadOnlyList<int> sourceLengths, IReadOnlyList<string> hypotheses, IReadOnlyList<string> references,
        IReadOnlyList<LengthBucket> buckets, BleuOptions? options = null)
    {
        if (hypotheses.Count != sourceLengths.Count || references.Count != sourceLengths.Count)
            throw new ArgumentException($"{sourceLengths.Count} source lengths, {hypotheses.Count} hypotheses and {references.Count} references: they must match.");
        var members = buckets.Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < sourceLengths.Count; i++) members[Assign(sourceLengths[i], buckets)].Add(i);
        return buckets.Select((bucket, k) =>
        {
            var rows = members[k];
            if (rows.Count == 0) return new BucketScore(bucket, 0, null, null);
            var hyps = rows.Select(i => hypotheses[i]).ToArray();
            IReadOnlyList<string> refs = rows.Select(i => references[i]).ToArray();
            return new BucketScore(bucket, rows.Count, Bleu.Corpus(hyps, [refs], options ?? BleuOptions.Default), Chrf.Corpus(hyps, [refs]));
        }).ToArray();
    }
}
