using System.Globalization;

namespace Sharpformer.Evaluation;

/// <summary>A chrF score with the description of how it was computed.</summary>
/// <param name="Score">chrF, 0..100.</param>
/// <param name="Signature">sacreBLEU-style signature, e.g. <c>nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|compat:sacrebleu-2.6.0</c>.</param>
public sealed record ChrfScore(double Score, string Signature)
{
    /// <summary>sacreBLEU's one-line summary, e.g. <c>chrF2 = 56.79</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"chrF{Chrf.Beta} = {Score:F2}");
}

/// <summary>
/// chrF (Popović, 2015) as sacreBLEU 2.6.0's default <c>CHRF()</c>: character n-grams of
/// orders 1..6 over the sentence with all whitespace removed, no word n-grams, beta 2.
/// Precision and recall are averaged over the orders where both hypothesis and reference have
/// n-grams (its "effective order", not the eps smoothing of chrF++.py), then combined into an
/// F-beta score. With several references each segment uses the one giving the best sentence
/// F-score (the first of equals); a corpus sums the chosen statistics over segments.
/// </summary>
public static class Chrf
{
    /// <summary>Character n-gram orders 1..CharOrder.</summary>
    public const int CharOrder = 6;

    /// <summary>Recall weighs beta times as much as precision.</summary>
    public const int Beta = 2;

    /// <summary>Corpus chrF: per-order statistics summed over segments, then one F-score.</summary>
    /// <param name="hypotheses">System output, one sentence per segment.</param>
    /// <param name="referenceStreams">One or more reference streams, each with one line per hypothesis;
    /// an empty reference line is skipped for that segment.</param>
    /// <param name="lowercase">Lowercase everything first.</param>
    /// <exception cref="ArgumentException">A stream's length differs from the hypotheses', or a segment has no non-empty reference.</exception>
    public static ChrfScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> referenceStreams,
        bool lowercase = false)
    {
        List<string>[] segments = ReferenceSegments.Group(hypotheses, referenceStreams, out int referenceCount);
        var corpus = new long[3 * CharOrder];
        for (int i = 0; i < segments.Length; i++)
        {
            long[] best = BestSegmentStatistics(hypotheses[i], segments[i], lowercase);
            for (int k = 0; k < corpus.Length; k++) corpus[k] += best[k];
        }
        string signature = $"nrefs:{ReferenceSegments.Describe(referenceCount)}|case:{(lowercase ? "lc" : "mixed")}"
            + $"|eff:yes|nc:{CharOrder}|nw:0|space:no|compat:{Bleu.CompatibleWith}";
        return new ChrfScore(FScore(corpus), signature);
    }

    /// <summary>chrF of one sentence against its best-matching reference (empty references are skipped).</summary>
    public static double Sentence(string hypothesis, IReadOnlyList<string> references, bool lowercase = false)
    {
        ArgumentNullException.ThrowIfNull(references);
        var streams = references.Select(r => (IReadOnlyList<string>)[r]).ToList();
        return Corpus([hypothesis], streams, lowercase).Score;
    }

    // The [hypothesis, reference, matched] n-gram counts of each order against the reference
    // that gives the highest sentence F-score.
    private static long[] BestSegmentStatistics(string hypothesis, List<string> references, bool lowercase)
    {
        Dictionary<string, int>[] hypothesisNgrams = CharNgrams(hypothesis, lowercase);
        long[] best = [];
        double bestScore = -1.0;
        foreach (string reference in references)
        {
            Dictionary<string, int>[] referenceNgrams = CharNgrams(reference, lowercase);
            var stats = new long[3 * CharOrder];
            for (int order = 0; order < CharOrder; order++)
            {
                long hypCount = 0, refCount = 0, matched = 0;
                foreach ((string ngram, int count) in hypothesisNgrams[order])
                {
                    hypCount += count;
                    if (referenceNgrams[order].TryGetValue(ngram, out int inReference)) matched += Math.Min(count, inReference);
                }
                foreach (int count in referenceNgrams[order].Values) refCount += count;
                // Hypothesis n-grams of an order the reference lacks are not counted.
                stats[3 * order] = refCount > 0 ? hypCount : 0;
                stats[3 * order + 1] = refCount;
                stats[3 * order + 2] = matched;
            }
            double score = FScore(stats);
            if (score > bestScore)
            {
                bestScore = score;
                best = stats;
            }
        }
        return best;
    }

    /// <summary>Counts of every character (code point) n-gram, orders 1..6, of the whitespace-free sentence.</summary>
    internal static Dictionary<string, int>[] CharNgrams(string sentence, bool lowercase)
    {
        if (lowercase) sentence = PythonText.Lower(sentence);
        string text = PythonText.RemoveWhitespace(sentence);
        int[] starts = PythonText.CodePointStarts(text);
        int length = starts.Length - 1;
        var ngrams = new Dictionary<string, int>[CharOrder];
        for (int n = 1; n <= CharOrder; n++)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i + n <= length; i++)
            {
                string ngram = text.Substring(starts[i], starts[i + n] - starts[i]);
                counts[ngram] = counts.GetValueOrDefault(ngram) + 1;
            }
            ngrams[n - 1] = counts;
        }
        return ngrams;
    }

    /// <summary>The chrF score (0..100) of [hypothesis, reference, matched] counts per order.</summary>
    internal static double FScore(long[] stats)
    {
        const double factor = Beta * Beta;
        double avgPrecision = 0, avgRecall = 0;
        int effectiveOrder = 0;
        for (int order = 0; order < CharOrder; order++)
        {
            long hyp = stats[3 * order], reference = stats[3 * order + 1], matched = stats[3 * order + 2];
            if (hyp > 0 && reference > 0)
            {
                avgPrecision += (double)matched / hyp;
                avgRecall += (double)matched / reference;
                effectiveOrder++;
            }
        }
        if (effectiveOrder == 0) return 0.0;
        avgPrecision /= effectiveOrder;
        avgRecall /= effectiveOrder;
        if (avgPrecision + avgRecall == 0) return 0.0;
        return 100 * ((1 + factor) * avgPrecision * avgRecall / (factor * avgPrecision + avgRecall));
    }
}
