namespace Sharpformer.Evaluation;

/// <summary>
/// BLEU (Papineni et al., 2002) computed the way sacreBLEU 2.6.0 computes it: <c>13a</c>
/// tokenization by default (<c>intl</c> or <c>none</c> through <see cref="BleuOptions"/>),
/// n-grams up to 4, clipped counts against the per-n-gram maximum over the references, the
/// reference length closest to the hypothesis length (the shorter one on a tie), and "exp"
/// smoothing (the k-th order whose matches are zero gets precision 100 / (2^k · total)).
/// </summary>
public static class Bleu
{
    /// <summary>The highest n-gram order.</summary>
    public const int MaxOrder = 4;

    /// <summary>The implementation whose numbers these are meant to reproduce.</summary>
    public const string CompatibleWith = "sacrebleu-2.6.0";

    // sacreBLEU takes the log of a zero precision as this number rather than -infinity.
    private const double LogOfZero = -9999999999.0;

    /// <summary>
    /// Corpus BLEU: statistics are summed over all segments before the score is formed.
    /// </summary>
    /// <param name="hypotheses">System output, one detokenized sentence per segment.</param>
    /// <param name="referenceStreams">One or more reference translations of the whole corpus, each with
    /// one line per hypothesis; an empty reference line is skipped for that segment.</param>
    /// <param name="lowercase">Lowercase hypotheses and references first (case-insensitive BLEU).</param>
    /// <exception cref="ArgumentException">A stream's length differs from the hypotheses', or a segment has no non-empty reference.</exception>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> referenceStreams,
        bool lowercase = false) =>
        Corpus(hypotheses, referenceStreams, new BleuOptions { Lowercase = lowercase });

    /// <summary>Corpus BLEU with a chosen tokenizer and casing, e.g. <c>new BleuOptions { Tokenize = BleuTokenizer.Intl }</c>.</summary>
    /// <inheritdoc cref="Corpus(IReadOnlyList{string}, IReadOnlyList{IReadOnlyList{string}}, bool)"/>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> referenceStreams,
        BleuOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Score(hypotheses, referenceStreams, options, effectiveOrder: false);
    }

    /// <summary>
    /// Sentence BLEU as sacreBLEU's <c>BLEU(effective_order=True).sentence_score</c>: the geometric
    /// mean runs only over the orders the hypothesis has n-grams for, so short sentences are not
    /// zeroed, with the same "exp" smoothing as the corpus score.
    /// </summary>
    /// <param name="hypothesis">One detokenized sentence.</param>
    /// <param name="references">Its references (empty ones are skipped; at least one must remain).</param>
    /// <param name="lowercase">Lowercase both first.</param>
    public static double Sentence(string hypothesis, IReadOnlyList<string> references, bool lowercase = false) =>
        Sentence(hypothesis, references, new BleuOptions { Lowercase = lowercase });

    /// <summary>Sentence BLEU with a chosen tokenizer and casing.</summary>
    /// <inheritdoc cref="Sentence(string, IReadOnlyList{string}, bool)"/>
    public static double Sentence(string hypothesis, IReadOnlyList<string> references, BleuOptions options)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(options);
        var streams = references.Select(r => (IReadOnlyList<string>)[r]).ToList();
        return Score([hypothesis], streams, options, effectiveOrder: true).Score;
    }

    /// <summary>The tokens 13a BLEU counts, optionally lowercased.</summary>
    internal static List<string> Tokens(string sentence, bool lowercase) => Tokens(sentence, new BleuOptions { Lowercase = lowercase });

    /// <summary>The tokens BLEU counts: optional lowercasing, right-strip, the tokenizer, split on whitespace.</summary>
    internal static List<string> Tokens(string sentence, BleuOptions options)
    {
        if (options.Lowercase) sentence = PythonText.Lower(sentence);
        return PythonText.SplitWhitespace(options.Tokenize.Tokenize(PythonText.RStrip(sentence)));
    }

    /// <summary>sacreBLEU's signature, e.g. <c>nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|compat:sacrebleu-2.6.0</c>.</summary>
    internal static string Signature(int referenceCount, BleuOptions options, bool effectiveOrder) =>
        $"nrefs:{ReferenceSegments.Describe(referenceCount)}|case:{(options.Lowercase ? "lc" : "mixed")}"
        + $"|eff:{(effectiveOrder ? "yes" : "no")}|tok:{options.Tokenize.Name()}|smooth:exp|compat:{CompatibleWith}";

    private static BleuScore Score(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> referenceStreams,
        BleuOptions options, bool effectiveOrder)
    {
        List<string>[] segments = ReferenceSegments.Group(hypotheses, referenceStreams, out int referenceCount);
        var counts = new int[MaxOrder];
        var totals = new int[MaxOrder];
        int sysLen = 0, refLen = 0;
        for (int i = 0; i < segments.Length; i++)
        {
            List<string> hypothesis = Tokens(hypotheses[i], options);
            var references = segments[i].Select(r => Tokens(r, options)).ToList();
            sysLen += hypothesis.Count;
            refLen += ClosestReferenceLength(hypothesis.Count, references);
            AddMatches(hypothesis, references, counts, totals);
        }
        return FromStatistics(counts, totals, sysLen, refLen, effectiveOrder, Signature(referenceCount, options, effectiveOrder));
    }

    /// <summary>The reference length nearest the hypothesis length; on a tie the shorter reference.</summary>
    internal static int ClosestReferenceLength(int hypothesisLength, IEnumerable<IReadOnlyCollection<string>> references)
    {
        int best = -1, bestDiff = int.MaxValue;
        foreach (IReadOnlyCollection<string> reference in references)
        {
            int diff = Math.Abs(hypothesisLength - reference.Count);
            if (diff < bestDiff || (diff == bestDiff && reference.Count < best))
            {
                bestDiff = diff;
                best = reference.Count;
            }
        }
        return best;
    }

    // A hypothesis n-gram counts as matched at most as often as it occurs in any single reference.
    private static void AddMatches(List<string> hypothesis, List<List<string>> references, int[] counts, int[] totals)
    {
        var maxReferenceCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (List<string> reference in references)
            foreach ((string ngram, int count) in CountNgrams(reference))
                if (!maxReferenceCounts.TryGetValue(ngram, out int seen) || count > seen)
                    maxReferenceCounts[ngram] = count;

        foreach ((string ngram, int count) in CountNgrams(hypothesis))
        {
            int order = NgramOrder(ngram);
            totals[order - 1] += count;
            if (maxReferenceCounts.TryGetValue(ngram, out int inReference))
                counts[order - 1] += Math.Min(count, inReference);
        }
    }

    /// <summary>Every n-gram of order 1..4 with its count; tokens are joined by one space (tokens never hold one).</summary>
    internal static Dictionary<string, int> CountNgrams(List<string> tokenList)
    {
        string[] tokens = tokenList.ToArray(); // string.Join's (array, start, count) overload needs an array
        var ngrams = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int n = 1; n <= MaxOrder; n++)
            for (int start = 0; start + n <= tokens.Length; start++)
            {
                string ngram = string.Join(' ', tokens, start, n);
                ngrams[ngram] = ngrams.GetValueOrDefault(ngram) + 1;
            }
        return ngrams;
    }

    private static int NgramOrder(string ngram) => ngram.AsSpan().Count(' ') + 1;

    /// <summary>
    /// The score from summed statistics, following sacreBLEU's <c>compute_bleu</c> with "exp"
    /// smoothing step by step (including its early exit to 0 when nothing matches at all).
    /// </summary>
    internal static BleuScore FromStatistics(int[] counts, int[] totals, int sysLen, int refLen,
        bool effectiveOrder, string signature)
    {
        double bp = sysLen >= refLen ? 1.0 : sysLen > 0 ? Math.Exp(1 - (double)refLen / sysLen) : 0.0;
        var precisions = new double[MaxOrder];
        if (counts.All(c => c == 0))
            return new BleuScore(0.0, counts, totals, precisions, bp, sysLen, refLen, signature);

        double smoothing = 1.0;
        int ordersUsed = MaxOrder;
        for (int n = 1; n <= MaxOrder; n++)
        {
            if (totals[n - 1] == 0) break; // this and higher orders keep precision 0
            if (effectiveOrder) ordersUsed = n;
            if (counts[n - 1] == 0)
            {
                smoothing *= 2;
                precisions[n - 1] = 100.0 / (smoothing * totals[n - 1]);
            }
            else
            {
                precisions[n - 1] = 100.0 * counts[n - 1] / totals[n - 1];
            }
        }

        double logSum = 0;
        for (int i = 0; i < ordersUsed; i++)
            logSum += precisions[i] == 0 ? LogOfZero : Math.Log(precisions[i]);
        double score = bp * Math.Exp(logSum / ordersUsed);
        return new BleuScore(score, counts, totals, precisions, bp, sysLen, refLen, signature);
    }
}
