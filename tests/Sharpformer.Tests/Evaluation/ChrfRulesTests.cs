using Sharpformer.Evaluation;

namespace Sharpformer.Tests.Evaluation;

/// <summary>sacreBLEU's chrF rules on small inputs whose scores are worked out by hand.</summary>
public sealed class ChrfRulesTests
{
    private static IReadOnlyList<IReadOnlyList<string>> Streams(params string[][] streams) => streams;

    [Fact]
    public void OrdersWithoutNgramsOnBothSidesAreLeftOutOfTheAverage()
    {
        // "abc" vs "abd": 1-grams 2/3 matched, 2-grams 1/2, 3-grams 0/1, orders 4-6 empty.
        // Precision = recall = (2/3 + 1/2 + 0) / 3 = 7/18, so F2 = 7/18 as well.
        Assert.Equal(100 * 7.0 / 18, Chrf.Sentence("abc", ["abd"]), 10);
    }

    [Fact]
    public void HypothesisNgramsOfOrdersTheReferenceLacksAreNotCounted()
    {
        // "abcdef" vs "ab": orders 1-2 only. P = (2/6 + 1/5)/2 = 4/15, R = 1, F2 = 5PR/(4P+R) = 20/31.
        Assert.Equal(100 * 20.0 / 31, Chrf.Sentence("abcdef", ["ab"]), 10);
    }

    [Fact]
    public void WhitespaceIsIgnored() =>
        Assert.Equal(100.0, Chrf.Sentence(" a b\tc ", ["ab c"]), 10);

    [Fact]
    public void EachSegmentUsesItsBestReference() =>
        Assert.Equal(100.0, Chrf.Sentence("abc", ["xyz", "abc", "abd"]), 10);

    [Fact]
    public void CorpusSumsStatisticsBeforeScoring()
    {
        // Summed per order: (9,9,8) (7,7,6) (5,5,4) (3,3,3) (2,2,2) (1,1,1), so
        // P = R = (8/9 + 6/7 + 4/5 + 3) / 6 = 1747/1890 — not the mean of 7/18 and 1.
        ChrfScore s = Chrf.Corpus(["abc", "abcdef"], Streams(["abd", "abcdef"]));
        Assert.Equal(100 * 1747.0 / 1890, s.Score, 10);
        Assert.Equal("nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|compat:sacrebleu-2.6.0", s.Signature);
        Assert.Equal("chrF2 = 92.43", s.ToString());
    }

    [Fact]
    public void CharactersAreCodePoints()
    {
        // The emoji is one character: 1-grams 3/3, 2-grams 2/2, 3-grams 1/1 → 100. Counting UTF-16
        // units would also give 100, so compare against a reference differing in the emoji's low half.
        Assert.Equal(100.0, Chrf.Sentence("a\U0001F600b", ["a\U0001F600b"]), 10);
        // "a😀b" vs "a😁b": 1-grams 2/3, 2-grams 0/2, 3-grams 0/1 → P = R = (2/3)/3 = 2/9.
        Assert.Equal(100 * 2.0 / 9, Chrf.Sentence("a\U0001F600b", ["a\U0001F601b"]), 10);
    }

    [Fact]
    public void LowercaseOptionAndEmptyHypothesis()
    {
        Assert.Equal(100.0, Chrf.Sentence("ABC", ["abc"], lowercase: true), 10);
        Assert.Equal(0.0, Chrf.Sentence("ABC", ["abc"]), 10);
        Assert.Equal(0.0, Chrf.Sentence("", ["abc"]), 10);
    }
}
