using Google.Protobuf;
using Microsoft.ML.Tokenizers;
using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

[Collection(Multi30kTokenizerCollection.Name)]
public sealed class SubwordTokenizerVocabularyTests(Multi30kTokenizerFixture fixture)
{
    private readonly SubwordTokenizer _tokenizer = fixture.Tokenizer;

    [Fact]
    public void SpecialIdsAreFixed()
    {
        Assert.Equal((0, 1, 2, 3), (SubwordTokenizer.PadId, SubwordTokenizer.BosId, SubwordTokenizer.EosId, SubwordTokenizer.UnkId));
        Assert.Equal(["<pad>", "<s>", "</s>", "<unk>", "<0x00>"], Enumerable.Range(0, 5).Select(_tokenizer.IdToPiece));
        Assert.Equal("<0xFF>", _tokenizer.IdToPiece(259));
        Assert.Equal(8000, _tokenizer.VocabSize);
    }

    [Fact]
    public void DecodeSkipsSpecialsAndEncodeCanFrameWithThem()
    {
        const string text = "Ein Mann fährt Fahrrad.";
        int[] ids = _tokenizer.Encode(text);
        Assert.Equal([SubwordTokenizer.BosId, .. ids, SubwordTokenizer.EosId], _tokenizer.Encode(text, addBos: true, addEos: true));
        int[] noisy = [SubwordTokenizer.BosId, .. ids, SubwordTokenizer.EosId, SubwordTokenizer.PadId, SubwordTokenizer.PadId];
        Assert.Equal(text, _tokenizer.Decode(noisy));
        Assert.Equal("", _tokenizer.Decode([SubwordTokenizer.UnkId, SubwordTokenizer.PadId]));
    }

    [Fact]
    public void DecodeRejectsIdsOutsideTheVocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.Decode([5, 8000]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.Decode([-1]));
    }

    [Fact]
    public void SubwordsAreCompactOnMulti30k()
    {
        // Loose quality guard: a joint 8k vocabulary needs few pieces per space-separated word.
        foreach (IEnumerable<string> side in new[] { fixture.Train.Sources, fixture.Train.Targets })
        {
            long words = 0, tokens = 0;
            foreach (string line in side)
            {
                words += line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
                tokens += _tokenizer.Encode(line).Length;
            }
            Assert.InRange(tokens / (double)words, 1.0, 1.4);
        }
    }

    [Fact]
    public void SaveThenLoadGivesTheSameVocabularyAndEncodings()
    {
        using var dir = new TempDir();
        _tokenizer.Save(dir.Path);
        var loaded = SubwordTokenizer.Load(dir.Path);
        Assert.Equal(_tokenizer.ModelBytes.ToArray(), File.ReadAllBytes(Path.Combine(dir.Path, SubwordTokenizer.ModelFileName)));
        Assert.Equal(_tokenizer.VocabSize, loaded.VocabSize);
        for (int id = 0; id < loaded.VocabSize; id++) Assert.Equal(_tokenizer.IdToPiece(id), loaded.IdToPiece(id));
        foreach (string line in Multi30kTokenizerFixture.Read("val").Sources)
            Assert.Equal(_tokenizer.Encode(line), loaded.Encode(line));

        string[] vocabLines = File.ReadAllLines(Path.Combine(dir.Path, SubwordTokenizer.VocabFileName));
        Assert.Equal("<pad>\t0", vocabLines[0]);
        Assert.Equal("<0x00>\t0", vocabLines[4]);
        Assert.StartsWith(_tokenizer.IdToPiece(260) + "\t0", vocabLines[260]);
        Assert.Equal(_tokenizer.IdToPiece(261) + "\t-1", vocabLines[261]);
    }

    [Fact]
    public void SavedModelLoadsThroughMicrosoftMlTokenizersOwnLoader()
    {
        using var dir = new TempDir();
        _tokenizer.Save(dir.Path);
        using FileStream stream = File.OpenRead(Path.Combine(dir.Path, SubwordTokenizer.ModelFileName));
        SentencePieceTokenizer library = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        Assert.Equal((1, 2, 3), (library.BeginningOfSentenceId, library.EndOfSentenceId, library.UnknownId));
        Assert.True(library.ByteFallback);
        Assert.Equal(8000, library.Vocabulary.Count);
        Assert.Equal(0, library.Vocabulary["<pad>"]);
        foreach (string line in Multi30kTokenizerFixture.Read("test2016").Targets.Take(200))
        {
            var ids = library.EncodeToIds(line, addBeginningOfSentence: false, addEndOfSentence: false);
            Assert.Equal(_tokenizer.Encode(line), ids);
            Assert.Equal(line, library.Decode(ids, considerSpecialTokens: false));
        }
    }

    [Fact]
    public void SavedModelSpellsOutItsSettingsInTheSentencePieceProtobuf()
    {
        // Independent check of the file: parse ModelProto with raw protobuf reads, field numbers from sentencepiece_model.proto.
        var pieceTypes = new List<int>();
        var pieceScores = new List<float>();
        var trainer = new Dictionary<int, object>();
        var normalizer = new Dictionary<int, object>();
        var model = new CodedInputStream(_tokenizer.ModelBytes.ToArray());
        for (uint tag; (tag = model.ReadTag()) != 0;)
        {
            var inner = new CodedInputStream(model.ReadBytes().ToByteArray());
            int field = WireFormat.GetTagFieldNumber(tag);
            int type = 1; float score = 0;
            for (uint t; (t = inner.ReadTag()) != 0;)
            {
                int f = WireFormat.GetTagFieldNumber(t);
                object value = WireFormat.GetTagWireType(t) switch
                {
                    WireFormat.WireType.Varint => inner.ReadInt64(),
                    WireFormat.WireType.Fixed32 => inner.ReadFloat(),
                    _ => inner.ReadString(),
                };
                if (field == 1 && f == 3) type = (int)(long)value;
                if (field == 1 && f == 2) score = (float)value;
                if (field == 2) trainer[f] = value;
                if (field == 3) normalizer[f] = value;
            }
            if (field == 1) { pieceTypes.Add(type); pieceScores.Add(score); }
        }

        Assert.Equal(8000, pieceTypes.Count);
        Assert.Equal([3, 3, 3, 2], pieceTypes.Take(4));                  // CONTROL pad/bos/eos, UNKNOWN unk
        Assert.All(pieceTypes.Skip(4).Take(256), t => Assert.Equal(6, t)); // BYTE
        Assert.All(pieceTypes.Skip(260), t => Assert.Equal(1, t));         // NORMAL
        for (int i = 261; i < pieceScores.Count; i++) Assert.True(pieceScores[i] < pieceScores[i - 1]);
        Assert.Equal(2L, trainer[3]);    // model_type BPE
        Assert.Equal(1L, trainer[35]);   // byte_fallback
        Assert.Equal((3L, 1L, 2L, 0L), ((long)trainer[40], (long)trainer[41], (long)trainer[42], (long)trainer[43])); // unk, bos, eos, pad ids
        Assert.Equal(1L, normalizer[3]); // add_dummy_prefix
        Assert.Equal(0L, normalizer[4]); // remove_extra_whitespaces off: spacing survives
        Assert.Equal(1L, normalizer[5]); // escape_whitespaces
    }
}
