using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

public sealed class SubwordTokenizerTrainingTests
{
    private static List<string> ValLines()
    {
        var val = Multi30kTokenizerFixture.Read("val");
        return [.. val.Sources, .. val.Targets];
    }

    [Fact]
    public void TrainingIsDeterministic()
    {
        List<string> lines = ValLines();
        byte[] first = SubwordTokenizer.Train(lines, 1500).ModelBytes.ToArray();
        byte[] second = SubwordTokenizer.Train(lines.ToArray(), 1500).ModelBytes.ToArray();
        Assert.Equal(first, second);
    }

    [Fact]
    public void VocabularySizeIsConfigurable()
    {
        var tokenizer = SubwordTokenizer.Train(ValLines(), 1000);
        Assert.Equal(1000, tokenizer.VocabSize);
    }

    [Fact]
    public void ASmallCorpusStopsWhenNoPairRepeats()
    {
        var tokenizer = SubwordTokenizer.Train(["abc abc", "xyz"], 5000);
        // 260 reserved + 7 characters (▁ a b c x y z) + merges of the only repeated pairs: ▁a, ▁ab, ▁abc.
        Assert.Equal(260 + 7 + 3, tokenizer.VocabSize);
        Assert.Equal(["▁abc", "▁", "x", "y", "z"], tokenizer.Pieces("abc xyz"));
    }

    [Fact]
    public void AKoreanVocabularyRoundTripsKoreanLinesWithRealSubwords()
    {
        var chatbot = ParallelCorpus.ReadDelimited(Path.Combine(TestPaths.DataDir, "chatbot-ko", "ChatbotData.csv"), "Q", "A");
        string tatoeba = Path.Combine(TestPaths.DataDir, "ko-en", "tatoeba");
        var koEn = ParallelCorpus.ReadTextFiles(Path.Combine(tatoeba, "tatoeba.ko"), Path.Combine(tatoeba, "tatoeba.en"));
        var tokenizer = SubwordTokenizer.Train(chatbot.Sources.Concat(chatbot.Targets), 8000);

        foreach (string line in chatbot.Sources.Concat(chatbot.Targets).Concat(koEn.Sources).Concat(koEn.Targets))
            Assert.Equal(line, tokenizer.Decode(tokenizer.Encode(line)));
        Assert.Equal(["▁하루가", "▁또", "▁가네요", "."], tokenizer.Pieces("하루가 또 가네요."));
    }

    [Fact]
    public void TooSmallAVocabularyIsAUserError()
    {
        var ex = Assert.Throws<UserInputException>(() => SubwordTokenizer.Train(["Grüße aus Köln"], 265));
        Assert.Equal("vocabulary size 265 is too small for this training text: 260 reserved pieces + 13 characters need at least 273", ex.Message);
    }

    [Fact]
    public void RareCharactersBeyondTheCoverageUseBytePieces()
    {
        string[] texts = [.. Enumerable.Repeat("aaaa bbbb", 1000), "é"];
        var tokenizer = SubwordTokenizer.Train(texts, 300, new SubwordTrainingOptions { CharacterCoverage = 0.999 });
        Assert.Null(tokenizer.PieceToId("é"));
        Assert.Equal(["▁", "<0xC3>", "<0xA9>"], tokenizer.Pieces("é"));
        var full = SubwordTokenizer.Train(texts, 300, new SubwordTrainingOptions { CharacterCoverage = 1.0 });
        Assert.NotNull(full.PieceToId("é"));
    }

    [Fact]
    public void LoadingAMissingOrBrokenModelIsAUserError()
    {
        using var dir = new TempDir();
        string missing = Path.Combine(dir.Path, "none");
        var ex = Assert.Throws<UserInputException>(() => SubwordTokenizer.Load(missing));
        Assert.Equal($"{Path.Combine(missing, SubwordTokenizer.ModelFileName)}: tokenizer model not found", ex.Message);

        string model = dir.WriteBytes(SubwordTokenizer.ModelFileName, "not a protobuf at all"u8.ToArray());
        ex = Assert.Throws<UserInputException>(() => SubwordTokenizer.Load(dir.Path));
        Assert.StartsWith($"{model}: ", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
