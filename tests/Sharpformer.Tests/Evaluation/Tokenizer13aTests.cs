using Sharpformer.Evaluation;

namespace Sharpformer.Tests.Evaluation;

/// <summary>
/// The 13a rules on tricky strings. Each expectation is worked out by hand from mteval-v13a:
/// split ASCII symbols except ' , - .; split a period/comma unless a digit precedes it, and
/// unless a digit follows it; split a dash that follows a digit; decode four SGML entities.
/// </summary>
public sealed class Tokenizer13aTests
{
    [Theory]
    // Plain punctuation is split off; sentence-final period too.
    [InlineData("Hello, world!", "Hello , world !")]
    [InlineData("A man in a red shirt.", "A man in a red shirt .")]
    // Commas and periods inside numbers stay; a period after a final digit is split (the padding
    // space after it is a non-digit).
    [InlineData("It costs $1,000.50 today.", "It costs $ 1,000.50 today .")]
    [InlineData("He was 5.", "He was 5 .")]
    [InlineData("3.14 and .5 and 5, 6", "3.14 and . 5 and 5 , 6")]
    [InlineData("1,2,3", "1,2,3")]
    [InlineData(",a", ", a")]
    // A dash is split only after a digit; hyphenated words and negative numbers stay whole.
    [InlineData("well-known 1990-2000 x-1 -5", "well-known 1990 - 2000 x-1 -5")]
    [InlineData("a 5-year-old boy", "a 5 - year-old boy")]
    // Apostrophes are never split.
    [InlineData("Don't stop, it's John's.", "Don't stop , it's John's .")]
    // Runs of periods: within one pass a character used as the left neighbour of a match cannot
    // start the next one, but every period still ends up separated.
    [InlineData("Wait...what?!", "Wait . . . what ? !")]
    // Brackets, slashes, colons, percent signs.
    [InlineData("(see [1])", "( see [ 1 ] )")]
    [InlineData("http://x.org/a", "http : / / x . org / a")]
    [InlineData("50% off at 10:30", "50 % off at 10 : 30")]
    // The four entities are decoded, and then the symbols they produce are split.
    [InlineData("Tom &amp; Jerry &quot;cartoon&quot; &lt;b&gt;", "Tom & Jerry \" cartoon \" < b >")]
    // Decoding is one replacement after the other: &amp;quot; becomes the text &quot;, not a quote.
    [InlineData("&amp;quot;", "& quot ;")]
    // Entity names are case-sensitive, and an ampersand outside an entity is split like any symbol.
    [InlineData("&AMP; AT&T", "& AMP ; AT & T")]
    // Non-ASCII letters are ordinary word characters; non-ASCII punctuation is not split.
    [InlineData("Größe: 3,5 m. Straße über Äpfel.", "Größe : 3,5 m . Straße über Äpfel .")]
    [InlineData("„Hallo“ — sagte er.", "„Hallo“ — sagte er .")]
    // <skipped> markers vanish; a dash at a line break joins the word; other line breaks are spaces.
    [InlineData("a <skipped> b", "a b")]
    [InlineData("hyphen-\nated line\nbreak", "hyphenated line break")]
    // Python's whitespace: tab, no-break space and the information separators U+001C..U+001F.
    [InlineData("a\tb\u00A0c\u001Fd  ", "a b c d")]
    [InlineData("", "")]
    public void TokenizesLikeMteval13a(string input, string expected) =>
        Assert.Equal(expected, Tokenizer13a.Tokenize(input));

    [Fact]
    public void BleuLowercasesBeforeTokenizingSoUppercaseEntitiesDecode()
    {
        Assert.Equal(["äpfel", "&", "birnen", "."], Bleu.Tokens("ÄPFEL &AMP; Birnen.", lowercase: true));
        Assert.Equal(["ÄPFEL", "&", "AMP", ";", "Birnen", "."], Bleu.Tokens("ÄPFEL &AMP; Birnen.", lowercase: false));
    }
}
