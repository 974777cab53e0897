using Sharpformer.Evaluation;

namespace Sharpformer.Tests.Evaluation;

/// <summary>sacreBLEU's BLEU rules on small inputs whose scores are worked out by hand.</summary>
public sealed class BleuRulesTests
{
    private static IReadOnlyList<IReadOnlyList<string>> Streams(params string[][] streams) => streams;

    [Fact]
    public void ExpSmoothingHalvesTheFloorForEachZeroOrder()
    {
        // p1 = 3/4, p2 = 1/3, p3 = 1/(2·2), p4 = 1/(4·1): the product is 1562500·10⁻⁸ in percent
        // terms, and its fourth root is √1250 = 35.3553…
        BleuScore s = Bleu.FromStatistics([3, 1, 0, 0], [4, 3, 2, 1], sysLen: 4, refLen: 4, effectiveOrder: false, "");
        Assert.Equal([75.0, 100.0 / 3, 25.0, 25.0], s.Precisions);
        Assert.Equal(Math.Sqrt(1250), s.Score, 10);
        Assert.Equal(1.0, s.Bp);
    }

    [Fact]
    public void NoMatchAtAllScoresZeroWithZeroPrecisions()
    {
        BleuScore s = Bleu.FromStatistics([0, 0, 0, 0], [5, 4, 3, 2], sysLen: 5, refLen: 10, effectiveOrder: false, "");
        Assert.Equal(0.0, s.Score);
        Assert.Equal([0.0, 0.0, 0.0, 0.0], s.Precisions);
        Assert.Equal(Math.Exp(1 - 10.0 / 5), s.Bp, 12);
    }

    [Fact]
    public void ShortHypothesisIsZeroForTheCorpusButNotForSentenceBleu()
    {
        // "a b c" has no 4-gram: corpus BLEU takes log(0) for p4, sentence BLEU (effective order)
        // averages p1..p3 = 100 and keeps only the brevity penalty exp(1 − 4/3).
        Assert.Equal(0.0, Bleu.Corpus(["a b c"], Streams(["a b c d"])).Score);
        Assert.Equal(100 * Math.Exp(-1.0 / 3), Bleu.Sentence("a b c", ["a b c d"]), 10);
    }

    [Fact]
    public void CountsAreClippedByTheMostGenerousReference()
    {
        // "the" occurs 4 times in the hypothesis, at most twice in one reference.
        BleuScore s = Bleu.Corpus(["the the the the"], Streams(["the cat"], ["the the dog"]));
        Assert.Equal(2, s.Counts[0]);
        Assert.Equal([4, 3, 2, 1], s.Totals);
        Assert.Equal(4, s.SysLen);
        Assert.Equal(3, s.RefLen); // 3 is nearer to 4 than 2 is
    }

    [Theory]
    [InlineData(5, new[] { 3, 7 }, 3)] // equally far: the shorter wins
    [InlineData(5, new[] { 7, 3 }, 3)]
    [InlineData(5, new[] { 4, 6 }, 4)]
    [InlineData(5, new[] { 9, 6, 2 }, 6)]
    [InlineData(0, new[] { 2, 1 }, 1)]
    public void ClosestReferenceLengthPrefersTheShorterOnATie(int hypothesisLength, int[] referenceLengths, int expected)
    {
        var references = referenceLengths.Select(n => (IReadOnlyCollection<string>)Enumerable.Repeat("w", n).ToArray());
        Assert.Equal(expected, Bleu.ClosestReferenceLength(hypothesisLength, references));
    }

    [Fact]
    public void EmptyHypothesisHasZeroBrevityPenalty()
    {
        BleuScore s = Bleu.Corpus([""], Streams(["a b c d e"]));
        Assert.Equal(0.0, s.Score);
        Assert.Equal(0.0, s.Bp);
        Assert.Equal(0, s.SysLen);
        Assert.Equal(5, s.RefLen);
    }

    [Fact]
    public void LowercaseMakesCaseDifferencesVanish()
    {
        string[] hyp = ["THE CAT SAT ON THE MAT"];
        var refs = Streams(["the cat sat on the mat"]);
        Assert.Equal(0.0, Bleu.Corpus(hyp, refs).Score);
        Assert.Equal(100.0, Bleu.Corpus(hyp, refs, lowercase: true).Score, 10);
    }

    [Fact]
    public void EmptyReferencesAreSkippedAndTheSignatureSaysVar()
    {
        // Segment 2 has only its second reference, so the number of references varies.
        BleuScore s = Bleu.Corpus(["a b c d", "e f g h"], Streams(["a b c d", ""], ["x", "e f g h"]));
        Assert.Equal(100.0, s.Score, 10);
        Assert.StartsWith("nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp", s.Signature);
        Assert.StartsWith("nrefs:2|case:lc|", Bleu.Corpus(["a"], Streams(["a"], ["b"]), lowercase: true).Signature);
    }

    [Fact]
    public void SummaryLineHasSacreBleuLayout()
    {
        BleuScore s = Bleu.FromStatistics([3, 1, 0, 0], [4, 3, 2, 1], sysLen: 4, refLen: 5, effectiveOrder: false, "");
        // bp = exp(1 − 5/4) = 0.7788…, score = 0.7788 · 35.355 = 27.535…
        Assert.Equal("BLEU = 27.53 75.0/33.3/25.0/25.0 (BP = 0.779 ratio = 0.800 hyp_len = 4 ref_len = 5)", s.ToString());
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Bleu.Corpus(["a", "b"], Streams(["a"])));
        Assert.Throws<ArgumentException>(() => Bleu.Corpus(["a"], Streams([""], [""])));
        Assert.Throws<ArgumentException>(() => Bleu.Corpus(["a"], Streams()));
        Assert.Throws<ArgumentException>(() => Bleu.Sentence("a", []));
    }
}
