using System.Text;
using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

/// <summary>A 4,000-piece vocabulary trained on every chatbot question and answer (about a second), shared by the tests of one class.</summary>
public sealed class ChatbotTokenizerFixture
{
    public ChatbotTokenizerFixture()
    {
        Corpus = ParallelCorpus.ReadDelimited(Path.Combine(TestPaths.DataDir, "chatbot-ko", "ChatbotData.csv"), "Q", "A");
        Lines = [.. Corpus.Sources, .. Corpus.Targets];
        Tokenizer = SubwordTokenizer.Train(Lines, 4000);
    }

    public ParallelCorpus Corpus { get; }

    public List<string> Lines { get; }

    public SubwordTokenizer Tokenizer { get; }
}

/// <summary>
/// Korean through the subword tokenizer: Decode(Encode(s)) == s for every line, unseen
/// characters as UTF-8 byte pieces, and the two documented exceptions.
/// </summary>
public sealed class KoreanChatbotTokenizerTests(ChatbotTokenizerFixture fixture) : IClassFixture<ChatbotTokenizerFixture>
{
    private readonly SubwordTokenizer _tokenizer = fixture.Tokenizer;

    private static List<string> Failures(SubwordTokenizer tokenizer, IEnumerable<string> lines) => RoundTrip.Failures(tokenizer, lines);

    [Fact]
    public void EveryChatbotQuestionAndAnswerRoundTripsExactly()
    {
        Assert.Equal(4000, _tokenizer.VocabSize);
        Assert.Equal(2 * 11823, fixture.Lines.Count);
        Assert.Empty(Failures(_tokenizer, fixture.Lines));
    }

    [Theory]
    [InlineData("tatoeba", "tatoeba")]
    [InlineData("news-v1", "dev")]
    [InlineData("news-v1", "test")]
    public void OtherKoreanEnglishTextRoundTripsToo(string folder, string stem)
    {
        // Syllables, Hanja and Latin words the chatbot never uses, long news lines, and headlines
        // ending in runs of no-break spaces.
        string dir = Path.Combine(TestPaths.DataDir, "ko-en", folder);
        var corpus = ParallelCorpus.ReadTextFiles(Path.Combine(dir, stem + ".ko"), Path.Combine(dir, stem + ".en"));
        Assert.Empty(Failures(_tokenizer, corpus.Sources.Concat(corpus.Targets)));
    }

    [Fact]
    public void TheVocabularyHoldsRealKoreanSubwords()
    {
        // Loose quality guard: byte pieces alone would need about 3 ids per syllable; a trained
        // vocabulary of this size needs about two pieces per space-separated word.
        long words = 0, tokens = 0;
        foreach (string line in fixture.Lines)
        {
            words += line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            tokens += _tokenizer.Encode(line).Length;
        }
        Assert.InRange(tokens / (double)words, 1.0, 2.2);
        Assert.NotNull(_tokenizer.PieceToId("▁좋아요"));
    }

    [Theory]
    [InlineData("  앞에 공백 두 칸")]
    [InlineData("뒤에 공백  ")]
    [InlineData("가운데   공백 세 칸")]
    [InlineData(" ")]
    [InlineData("")]
    [InlineData("탭\t그리고\r\n줄바꿈\n")]
    [InlineData("줄바꿈 없는\u00A0공백\u3000전각 공백")]
    [InlineData("오늘 날씨 좋다😀👍 진짜!!")]
    [InlineData("ㅋㅋㅋㅋ ㅠㅠ ㅎㅎ")]
    [InlineData("SNS에 사진 3장 올렸어. GPS 3.5km, 100% OK?")]
    [InlineData("\"따옴표\" (괄호) [대괄호] ~물결~ …")]
    [InlineData("조합형 e\u0301 와 NUL\u0000 문자")]
    public void SpacingScriptsAndSymbolsAreKept(string text) => Assert.Equal(text, _tokenizer.Decode(_tokenizer.Encode(text)));

    [Theory]
    [InlineData("똠")]
    [InlineData("뷁")]
    [InlineData("😀")]
    [InlineData("€")]
    public void UnseenCharactersBecomeTheirUtf8Bytes(string character)
    {
        Assert.DoesNotContain(fixture.Lines, line => line.Contains(character, StringComparison.Ordinal));
        // Reference: .NET's own UTF-8 encoder; the dummy-prefix "▁" comes first.
        string[] expected = ["▁", .. Encoding.UTF8.GetBytes(character).Select(b => $"<0x{b:X2}>")];
        Assert.Equal(expected, _tokenizer.Pieces(character));
        Assert.Equal(Encoding.UTF8.GetBytes(character).Select(b => 4 + b), _tokenizer.Encode(character)[1..]);

        string sentence = $"이건 {character}{character} 처음 봐요{character}";
        Assert.Equal(sentence, _tokenizer.Decode(_tokenizer.Encode(sentence)));
    }

    [Fact]
    public void TheSpaceMarkCharacterDecodesAsASpace()
    {
        // Documented exception: "▁" (U+2581) is how the model writes a space, so a literal one
        // in the text cannot be told apart from a space.
        Assert.Equal("안녕 하세요", _tokenizer.Decode(_tokenizer.Encode("안녕\u2581하세요")));
    }

    [Fact]
    public void ALoneSurrogateComesBackAsTheReplacementCharacter()
    {
        // Documented exception: text that is not valid UTF-16 has no UTF-8 form; it is encoded as
        // the bytes of U+FFFD (EF BF BD), never as <unk> and never with an exception. (Built in
        // code: theory data would not carry a lone surrogate through unchanged.)
        (string Text, string Decoded)[] cases = [("\uD800", "\uFFFD"), ("앞\uDC00뒤", "앞\uFFFD뒤")];
        foreach ((string text, string decoded) in cases)
        {
            int[] ids = _tokenizer.Encode(text);
            Assert.DoesNotContain(SubwordTokenizer.UnkId, ids);
            Assert.Equal(decoded, _tokenizer.Decode(ids));
        }
    }
}
