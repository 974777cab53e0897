using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

public sealed class TrainingWordSplitterTests
{
    private static Dictionary<string, long> Split(params string[] texts)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string t in texts) TrainingWordSplitter.CountStretches(t, counts);
        return counts;
    }

    [Fact]
    public void PiecesNeverCrossSpacesOrLetterDigitPunctuationBoundaries()
    {
        // A space mark starts a stretch and may lead any class ("▁("); a class change always cuts.
        Assert.Equal(
            new Dictionary<string, long> { ["▁Dogs"] = 1, [","] = 1, ["▁2"] = 1, ["▁cats"] = 2, ["!?"] = 1, ["▁"] = 1, ["▁x"] = 1, ["▁("] = 1, ["19"] = 1, ["a"] = 1, [")"] = 1 },
            Split("Dogs, 2 cats!?  x", "(19a) cats"));
    }

    [Fact]
    public void HangulAndCombiningMarksAreLetters()
    {
        Assert.Equal(new Dictionary<string, long> { ["▁안녕하세요"] = 1, ["!"] = 1, ["▁Cafe\u0301"] = 1 }, Split("안녕하세요! Cafe\u0301"));
    }
}
