using System.Text;
using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

[Collection(Multi30kTokenizerCollection.Name)]
public sealed class SubwordTokenizerRoundTripTests(Multi30kTokenizerFixture fixture)
{
    private readonly SubwordTokenizer _tokenizer = fixture.Tokenizer;

    private static List<string> Failures(SubwordTokenizer tokenizer, IEnumerable<string> lines) => RoundTrip.Failures(tokenizer, lines);

    [Theory]
    [InlineData("train")]
    [InlineData("val")]
    [InlineData("test2016")]
    public void EveryMulti30kLineRoundTripsExactly(string split)
    {
        ParallelCorpus corpus = split == "train" ? fixture.Train : Multi30kTokenizerFixture.Read(split);
        Assert.Empty(Failures(_tokenizer, corpus.Sources));
        Assert.Empty(Failures(_tokenizer, corpus.Targets));
    }

    [Fact]
    public void KoreanLinesRoundTripThroughByteFallback()
    {
        // Hangul never occurs in Multi30k, so every syllable goes through byte pieces.
        var chatbot = ParallelCorpus.ReadDelimited(Path.Combine(TestPaths.DataDir, "chatbot-ko", "ChatbotData.csv"), "Q", "A");
        Assert.Empty(Failures(_tokenizer, chatbot.Sources.Concat(chatbot.Targets)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("   ")]
    [InlineData("Zwei  Leerzeichen")]
    [InlineData(" führendes Leerzeichen")]
    [InlineData("Leerzeichen am Ende  ")]
    [InlineData("Tab\tund\r\nZeilenumbruch\n")]
    [InlineData("geschütztes\u00A0Leerzeichen")]
    [InlineData("ÄÖÜ äöü ß — „Zitat“ …")]
    [InlineData("MiXeD CaSe, punctuation?! (yes); 12.5% @home #1")]
    public void SpacingCasingAndPunctuationAreKept(string text) => Assert.Equal(text, _tokenizer.Decode(_tokenizer.Encode(text)));

    [Theory]
    [InlineData("€")]
    [InlineData("😀")]
    [InlineData("中")]
    [InlineData("\u0000")]
    [InlineData("ǅ")]
    public void UnseenCharactersBecomeTheirUtf8Bytes(string character)
    {
        // Reference: .NET's own UTF-8 encoder. The dummy-prefix "▁" comes first, then one byte piece per byte.
        string[] expected = ["▁", .. Encoding.UTF8.GetBytes(character).Select(b => $"<0x{b:X2}>")];
        Assert.Equal(expected, _tokenizer.Pieces(character));
        int[] ids = _tokenizer.Encode(character);
        Assert.Equal(Encoding.UTF8.GetBytes(character).Select(b => 4 + b), ids[1..]);
        Assert.DoesNotContain(SubwordTokenizer.UnkId, ids);

        string sentence = $"Ein {character} im Satz{character}";
        Assert.Equal(sentence, _tokenizer.Decode(_tokenizer.Encode(sentence)));
    }

    [Fact]
    public void TextSpellingSpecialPiecesStaysOrdinaryText()
    {
        const string text = "<s> </s> <pad> <unk> <0x41> <0xFF>";
        int[] ids = _tokenizer.Encode(text);
        Assert.All(ids, id => Assert.True(id >= 4, $"special id {id} produced from plain text"));
        Assert.Equal(text, _tokenizer.Decode(ids));
    }

    [Fact]
    public void TheSpaceMarkCharacterItselfDecodesAsASpace()
    {
        // Documented limitation of SentencePiece-style whitespace marking.
        Assert.Equal("a b", _tokenizer.Decode(_tokenizer.Encode("a\u2581b")));
    }
}
