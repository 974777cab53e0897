using System.Text;
using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

public sealed class ParallelTextReaderTests
{
    private static string Multi30k(string file) => Path.Combine(TestPaths.DataDir, "multi30k", file);

    private static UserInputException Fails(Action read)
    {
        var ex = Assert.Throws<UserInputException>(read);
        Assert.DoesNotContain('\n', ex.Message);
        return ex;
    }

    [Fact]
    public void ReadsBundledMulti30kSplitsWithTheirDocumentedLineCounts()
    {
        var val = ParallelCorpus.ReadTextFiles(Multi30k("val.de"), Multi30k("val.en"));
        Assert.Equal(1014, val.Count);
        Assert.Equal("Eine Gruppe von Männern lädt Baumwolle auf einen Lastwagen", val.Pairs[0].Source);
        Assert.Equal("A group of men are loading cotton onto a truck", val.Pairs[0].Target);
        Assert.Equal(Multi30k("val.de"), val.SourcePath);
        Assert.Equal(Multi30k("val.en"), val.TargetPath);
        Assert.Equal(29000, ParallelCorpus.ReadTextFiles(Multi30k("train.de"), Multi30k("train.en")).Count);
        Assert.Equal(1000, ParallelCorpus.ReadTextFiles(Multi30k("test2016.de"), Multi30k("test2016.en")).Count);
    }

    [Fact]
    public void KeepsTextExactlyAcrossLineEndingStylesAndStripsTheBom()
    {
        using var dir = new TempDir();
        byte[] bom = [0xEF, 0xBB, 0xBF];
        string src = dir.WriteBytes("a.de", [.. bom, .. Encoding.UTF8.GetBytes("Grüße, Welt!\r\n  zwei  Leerzeichen \r\nTab\there\rCR bleibt")]);
        string tgt = dir.Write("a.en", "Hello, world!\nsecond \nthird\n");
        var corpus = ParallelCorpus.ReadTextFiles(src, tgt);
        Assert.Equal(
            [new SentencePair("Grüße, Welt!", "Hello, world!"),
             new SentencePair("  zwei  Leerzeichen ", "second "),
             new SentencePair("Tab\there\rCR bleibt", "third")],
            corpus.Pairs);
    }

    [Fact]
    public void MisalignedFilesNameBothFilesAndBothCounts()
    {
        using var dir = new TempDir();
        string src = dir.Write("x.de", "a\nb\nc\n");
        string tgt = dir.Write("x.en", "a\nb");
        var ex = Fails(() => ParallelCorpus.ReadTextFiles(src, tgt));
        Assert.Equal($"{src} has 3 lines but {tgt} has 2; parallel files must have the same number of lines", ex.Message);
    }

    [Fact]
    public void EmptyFileIsNamed()
    {
        using var dir = new TempDir();
        string src = dir.Write("e.de", "");
        string tgt = dir.Write("e.en", "x\n");
        Assert.Equal($"{src}: the file is empty", Fails(() => ParallelCorpus.ReadTextFiles(src, tgt)).Message);

        string bomOnly = dir.WriteBytes("b.de", [0xEF, 0xBB, 0xBF]);
        Assert.Equal($"{bomOnly}: the file is empty", Fails(() => ParallelCorpus.ReadTextFiles(bomOnly, tgt)).Message);
    }

    [Fact]
    public void EmptyLineIsNamedWithItsLineNumber()
    {
        using var dir = new TempDir();
        string src = dir.Write("s.de", "eins\nzwei\ndrei\n");
        string tgt = dir.Write("s.en", "one\n\nthree\n");
        Assert.Equal($"{tgt}, line 2: empty line (every line must hold a sentence)",
            Fails(() => ParallelCorpus.ReadTextFiles(src, tgt)).Message);

        string blank = dir.Write("w.de", "eins\n \t \ndrei\n");
        string full = dir.Write("w.en", "one\ntwo\nthree\n");
        Assert.Equal($"{blank}, line 2: line holds only whitespace (every line must hold a sentence)",
            Fails(() => ParallelCorpus.ReadTextFiles(blank, full)).Message);
    }

    [Fact]
    public void SkipEmptyLinesDropsThePairOnBothSides()
    {
        using var dir = new TempDir();
        string src = dir.Write("s.de", "eins\nzwei\n\nvier\n");
        string tgt = dir.Write("s.en", "one\n\nthree\nfour\n");
        var corpus = ParallelCorpus.ReadTextFiles(src, tgt, new CorpusReadOptions { SkipEmptyLines = true });
        Assert.Equal([new SentencePair("eins", "one"), new SentencePair("vier", "four")], corpus.Pairs);
        Assert.Equal(2, corpus.SkippedEmpty);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]                     // never valid in UTF-8
    [InlineData(new byte[] { 0xC3 })]                     // truncated 2-byte sequence
    [InlineData(new byte[] { 0xC0, 0x80 })]               // overlong encoding of U+0000
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]         // UTF-16 surrogate encoded in UTF-8
    [InlineData(new byte[] { 0xE2, 0x82 })]               // truncated 3-byte sequence
    public void InvalidUtf8NamesTheLine(byte[] bad)
    {
        using var dir = new TempDir();
        byte[] bytes = [.. Encoding.UTF8.GetBytes("gut\r\nauch gut ä\n"), .. Encoding.UTF8.GetBytes("ab"), .. bad, .. Encoding.UTF8.GetBytes("cd\nok\n")];
        string src = dir.WriteBytes("bad.de", bytes);
        string tgt = dir.Write("bad.en", "a\nb\nc\nd\n");
        Assert.Equal($"{src}, line 3: invalid UTF-8 (byte 3 of the line)", Fails(() => ParallelCorpus.ReadTextFiles(src, tgt)).Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        using var dir = new TempDir();
        string missing = Path.Combine(dir.Path, "nope.de");
        string tgt = dir.Write("x.en", "a\n");
        Assert.Equal($"{missing}: file not found", Fails(() => ParallelCorpus.ReadTextFiles(missing, tgt)).Message);
    }

    [Fact]
    public void TatoebaColumnFilesMatchTheirTsvSource()
    {
        // tatoeba.en / tatoeba.ko were cut from kor.txt with `cut -f1` / `cut -f2`: both readers must agree.
        string dir = Path.Combine(TestPaths.DataDir, "ko-en", "tatoeba");
        var lines = ParallelCorpus.ReadTextFiles(Path.Combine(dir, "tatoeba.ko"), Path.Combine(dir, "tatoeba.en"));
        var tsv = ParallelCorpus.ReadDelimited(Path.Combine(dir, "kor.txt"), 1, 0);
        Assert.Equal(3798, lines.Count);
        Assert.Equal(lines.Pairs, tsv.Pairs);
    }

    [Theory]
    [InlineData("dev", 1000, 5)]
    [InlineData("test", 2000, 3)]
    public void KoreanNewsSetsReadAsLineAlignedPairs(string split, int pairs, int koreanLinesEndingInWhitespace)
    {
        // Counts from data/README.md; the runs of no-break spaces and spaces that end some Korean
        // lines are kept as read.
        string dir = Path.Combine(TestPaths.DataDir, "ko-en", "news-v1");
        var corpus = ParallelCorpus.ReadTextFiles(Path.Combine(dir, split + ".ko"), Path.Combine(dir, split + ".en"));
        Assert.Equal(pairs, corpus.Count);
        Assert.Equal(koreanLinesEndingInWhitespace, corpus.Sources.Count(s => char.IsWhiteSpace(s[^1])));
    }
}
