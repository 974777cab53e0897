using System.Text.RegularExpressions;
using Sharpformer.Evaluation;

namespace Sharpformer.Tests.Evaluation;

/// <summary>
/// The intl rules on tricky strings. The expected outputs are those of sacreBLEU 2.6.0's three
/// substitutions run with Python's <c>regex</c> module: split punctuation from a non-number
/// before it, then from a non-number after it, then split every symbol.
/// </summary>
public sealed class TokenizerIntlTests
{
    [Theory]
    [InlineData("Hello, world!", "Hello , world !")]
    // A period or comma between two numbers stays; currency signs are symbols.
    [InlineData("It costs $1,000.50 today.", "It costs $ 1,000.50 today .")]
    [InlineData("1,2,3", "1,2,3")]
    [InlineData("3.14 and .5 and 5, 6", "3.14 and . 5 and 5 , 6")]
    // No padding, unlike 13a: punctuation at the very start or end next to a number stays attached.
    [InlineData("He was born in 1990.", "He was born in 1990.")]
    [InlineData(".5", ".5")]
    [InlineData("5.", "5.")]
    [InlineData("50% off at 10:30", "50 % off at 10:30")]
    // Apostrophes, dashes and underscores are punctuation like any other (13a keeps "Don't" and "x-1").
    [InlineData("Don't stop, it's John's.", "Don ' t stop , it ' s John ' s .")]
    [InlineData("well-known 1990-2000 x-1 -5", "well - known 1990-2000 x - 1 - 5")]
    [InlineData("a_b", "a _ b")]
    [InlineData("Wait...what?!", "Wait . . . what ? !")]
    [InlineData("x..y", "x . . y")]
    // Unicode punctuation (Pi, Pf, Ps, Pd, Po) and symbols (So, Sc, Sm, Sk).
    [InlineData("«Ça va?» ¿Qué tal? ¡Hola!", "« Ça va ? » ¿ Qué tal ? ¡ Hola !")]
    [InlineData("„Zitat“ — und… so", "„ Zitat “ — und … so")]
    [InlineData("20°C, 15€ und 3 · 4", "20 ° C , 15 € und 3 · 4")]
    [InlineData("a+b=c <x> x^2 ~y |z|", "a + b = c < x > x ^ 2 ~ y | z |")]
    [InlineData("(see [1])", "( see [ 1 ] )")]
    [InlineData("http://x.org/a", "http : / / x . org / a")]
    // No SGML entities are decoded.
    [InlineData("Tom &amp; Jerry &quot;x&quot;", "Tom & amp ; Jerry & quot ; x & quot ;")]
    // Hangul letters stay whole; the Korean wave dash is a symbol.
    [InlineData("안녕하세요! 반가워요~ ㅋㅋ", "안녕하세요 ! 반가워요 ~ ㅋㅋ")]
    // Outside the BMP: emoji are symbols, mathematical digits are numbers (one code point each,
    // not two surrogates).
    [InlineData("좋아요😀👍 정말?", "좋아요 😀 👍 정말 ?")]
    [InlineData("𝟏,𝟐 and 𝟏.", "𝟏,𝟐 and 𝟏.")]
    // Superscripts and Roman numerals are numbers (No, Nl), not only 0-9.
    [InlineData("²,³ Ⅻ.Ⅳ", "²,³ Ⅻ.Ⅳ")]
    // Every whitespace, no-break and ideographic spaces included, becomes one space.
    [InlineData("a\u00A0b\u3000c ", "a b c")]
    public void SplitsLikeSacreBleu(string line, string expected) => Assert.Equal(expected, TokenizerIntl.Tokenize(line));

    [Fact]
    public void MatchesSacreBleusRegexesRunByDotNetOnBmpText()
    {
        // In the BMP one UTF-16 unit is one code point, so .NET's regex engine running sacreBLEU's
        // patterns is an independent reference for the hand-written scan (its leftmost,
        // non-overlapping matching included). Random strings over a mix of letters, digits,
        // punctuation, symbols and spaces.
        (Regex Pattern, string Replacement)[] passes =
        [
            (new Regex(@"(\P{N})(\p{P})"), "$1 $2 "),
            (new Regex(@"(\p{P})(\P{N})"), " $1 $2"),
            (new Regex(@"(\p{S})"), " $1 "),
        ];
        const string pool = "ab가힣 \u00A01٣²Ⅻ.,-'\"!?«»„“…—_()$€°+=^~·%";
        var random = new Random(20240611);
        for (int trial = 0; trial < 3000; trial++)
        {
            char[] chars = new char[random.Next(0, 12)];
            for (int i = 0; i < chars.Length; i++) chars[i] = pool[random.Next(pool.Length)];
            string line = new(chars);
            string expected = line;
            foreach ((Regex pattern, string replacement) in passes) expected = pattern.Replace(expected, replacement);
            expected = string.Join(' ', expected.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(expected, TokenizerIntl.Tokenize(line));
        }
    }

    [Fact]
    public void BleuOptionsChooseTheTokenizer()
    {
        const string hyp = "Don't pay 20€.", reference = "Don't pay 20 €.";
        // 13a keeps "20€" whole and scores below 100; intl splits "€" and the two lines agree.
        Assert.True(Bleu.Corpus([hyp], [[reference]]).Score < 100);
        Assert.Equal(100, Bleu.Corpus([hyp], [[reference]], new BleuOptions { Tokenize = BleuTokenizer.Intl }).Score, 9);
        // none: whitespace only, so "20€." and "20" / "€." are different tokens.
        BleuScore none = Bleu.Corpus([hyp], [[reference]], new BleuOptions { Tokenize = BleuTokenizer.None });
        Assert.Equal(3, none.SysLen);
        Assert.Equal(4, none.RefLen);
        Assert.Contains("|tok:none|", none.Signature);
    }

    [Theory]
    [InlineData("13a", BleuTokenizer.Mteval13a)]
    [InlineData("intl", BleuTokenizer.Intl)]
    [InlineData("none", BleuTokenizer.None)]
    public void NamesParseAndPrintBack(string name, BleuTokenizer tokenizer)
    {
        Assert.Equal(tokenizer, BleuTokenizers.Parse(name));
        Assert.Equal(name, tokenizer.Name());
    }

    [Theory]
    [InlineData("INTL")]
    [InlineData("v14")]
    [InlineData("")]
    public void UnknownNamesAreAUserError(string name)
    {
        var e = Assert.Throws<UserInputException>(() => BleuTokenizers.Parse(name, "--tokenize"));
        Assert.Equal($"--tokenize: unknown BLEU tokenizer \"{name}\" (expected 13a, intl, none)", e.Message);
    }
}
