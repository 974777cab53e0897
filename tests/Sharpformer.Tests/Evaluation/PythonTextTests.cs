using Sharpformer.Evaluation;

namespace Sharpformer.Tests.Evaluation;

/// <summary>Python <c>str</c> semantics the metrics depend on, with expectations from the Python documentation.</summary>
public sealed class PythonTextTests
{
    [Theory]
    // Final sigma: Σ after a letter and not before one (a period is skipped over) lowercases to
    // ς (U+03C2), otherwise to σ (U+03C3).
    [InlineData("ΟΔΟΣ", "οδο\u03C2")]
    [InlineData("ΣΑΣ ΟΔΟΣ.", "\u03C3α\u03C2 οδο\u03C2.")]
    [InlineData("Σ", "\u03C3")]
    [InlineData("ΑΣ.Β", "α\u03C3.β")]
    // İ has a two-code-point lowercase: i + combining dot above.
    [InlineData("İstanbul", "i\u0307stanbul")]
    [InlineData("ÄÖÜ ẞ Straße", "äöü ß straße")]
    public void LowerFollowsPython(string input, string expected) =>
        Assert.Equal(expected, PythonText.Lower(input));

    [Fact]
    public void SplitAndStripUsePythonWhitespace()
    {
        Assert.Equal(["a", "b", "c"], PythonText.SplitWhitespace("\u001C a\u2003b\u3000c \u001E"));
        Assert.Equal("abc", PythonText.RemoveWhitespace(" a \t b\u00A0c\n"));
        Assert.Equal(" x", PythonText.RStrip(" x \u001F\r\n"));
    }

    [Fact]
    public void CodePointStartsTreatsSurrogatePairsAsOneCharacter()
    {
        string s = "a\U0001F600b";
        Assert.Equal([0, 1, 3, 4], PythonText.CodePointStarts(s));
    }
}
