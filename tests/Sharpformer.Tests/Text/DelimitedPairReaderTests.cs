using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

public sealed class DelimitedPairReaderTests
{
    private static UserInputException Fails(Action read)
    {
        var ex = Assert.Throws<UserInputException>(read);
        Assert.DoesNotContain('\n', ex.Message);
        return ex;
    }

    [Fact]
    public void ReadsTheChatbotCsvLikePythonsCsvModule()
    {
        // Reference values from Python's csv.reader(newline=''): 11,823 rows, first and last as below.
        string path = Path.Combine(TestPaths.DataDir, "chatbot-ko", "ChatbotData.csv");
        var corpus = ParallelCorpus.ReadDelimited(path, "Q", "A");
        Assert.Equal(11823, corpus.Count);
        Assert.Equal(new SentencePair("12시 땡!", "하루가 또 가네요."), corpus.Pairs[0]);
        Assert.Equal(new SentencePair("힘들어서 결혼할까봐", "도피성 결혼은 하지 않길 바라요."), corpus.Pairs[^1]);
        Assert.Equal(path, corpus.SourcePath);
        Assert.Equal(path, corpus.TargetPath);

        var byIndex = ParallelCorpus.ReadDelimited(path, 0, 1, new CorpusReadOptions { HasHeader = true });
        Assert.Equal(corpus.Pairs, byIndex.Pairs);
    }

    [Fact]
    public void TatoebaTsvKeepsDoubleQuotesAsText()
    {
        string path = Path.Combine(TestPaths.DataDir, "ko-en", "tatoeba", "kor.txt");
        var corpus = ParallelCorpus.ReadDelimited(path, 0, 1);
        Assert.Equal(3798, corpus.Count);
        Assert.Equal(new SentencePair("Go.", "가."), corpus.Pairs[0]);
        Assert.Contains(new SentencePair("\"Are you Swedish?\" \"No, I'm Swiss.\"", "\"스웨덴 사람이세요?\" \"아니요, 스위스 사람이예요.\""), corpus.Pairs);
    }

    [Fact]
    public void CsvFollowsRfc4180Quoting()
    {
        using var dir = new TempDir();
        string path = dir.Write("q.csv",
            "id,src,tgt\r\n" +
            "1,\"Hallo, Welt\",\"Hello, world\"\r\n" +
            "2,\"Er sagte \"\"ja\"\"\",He said \"yes\"\r\n" +       // doubled quotes; bare quotes in an unquoted field stay
            "3,\"zwei\r\nZeilen\",\"two\nlines\"\r\n" +            // line breaks inside quotes are kept as written
            "4,  Leerzeichen  ,x\r\n" +
            "5,last,no newline at end");
        var corpus = ParallelCorpus.ReadDelimited(path, "src", "tgt");
        Assert.Equal(
            [new SentencePair("Hallo, Welt", "Hello, world"),
             new SentencePair("Er sagte \"ja\"", "He said \"yes\""),
             new SentencePair("zwei\r\nZeilen", "two\nlines"),
             new SentencePair("  Leerzeichen  ", "x"),
             new SentencePair("last", "no newline at end")],
            corpus.Pairs);
    }

    [Fact]
    public void FormatOptionOverridesTheFileName()
    {
        using var dir = new TempDir();
        string path = dir.Write("pairs.txt", "a,b\n\"c,d\",e\n");
        var corpus = ParallelCorpus.ReadDelimited(path, 0, 1, new CorpusReadOptions { Format = DelimitedFormat.Csv });
        Assert.Equal([new SentencePair("a", "b"), new SentencePair("c,d", "e")], corpus.Pairs);
    }

    [Fact]
    public void WrongFieldCountNamesThePhysicalLine()
    {
        using var dir = new TempDir();
        // The quoted field spans lines 2-3, so the bad row starts on line 4.
        string path = dir.Write("f.csv", "Q,A,label\n\"multi\nline\",a,0\nonly,two\n");
        Assert.Equal($"{path}, line 4: expected 3 fields but found 2 (a field holding a comma must be quoted)",
            Fails(() => ParallelCorpus.ReadDelimited(path, "Q", "A")).Message);

        string tsv = dir.Write("f.tsv", "a\tb\tc\nd\te\n");
        Assert.Equal($"{tsv}, line 2: expected 3 fields but found 2",
            Fails(() => ParallelCorpus.ReadDelimited(tsv, 0, 1)).Message);
    }

    [Fact]
    public void UnterminatedQuoteNamesTheLineWhereItOpened()
    {
        using var dir = new TempDir();
        string path = dir.Write("u.csv", "Q,A\nok,fine\n\"never closed,x\nmore\n");
        Assert.Equal($"{path}, line 3: unterminated quoted field (the quote opened on this line is never closed)",
            Fails(() => ParallelCorpus.ReadDelimited(path, "Q", "A")).Message);
    }

    [Fact]
    public void TextAfterAClosingQuoteIsAnError()
    {
        using var dir = new TempDir();
        string path = dir.Write("c.csv", "Q,A\n\"ab\"c,d\n");
        Assert.Equal($"{path}, line 2: unexpected character 'c' after a closing quote (a quote inside a field must be doubled)",
            Fails(() => ParallelCorpus.ReadDelimited(path, "Q", "A")).Message);
    }

    [Fact]
    public void MissingColumnNameListsTheHeader()
    {
        using var dir = new TempDir();
        string path = dir.Write("h.csv", "\uFEFFQ,A,label\nx,y,0\n");
        Assert.Equal($"{path}, line 1: no column named \"Answer\" in the header (columns: \"Q\", \"A\", \"label\")",
            Fails(() => ParallelCorpus.ReadDelimited(path, "Q", "Answer")).Message);
    }

    [Fact]
    public void ColumnIndexOutOfRangeIsNamed()
    {
        using var dir = new TempDir();
        string path = dir.Write("i.tsv", "a\tb\n");
        Assert.Equal($"{path}: there is no column at index 2; rows have 2 fields (0-based indices 0 to 1)",
            Fails(() => ParallelCorpus.ReadDelimited(path, 0, 2)).Message);
    }

    [Fact]
    public void ColumnNameWithoutHeaderIsRejected()
    {
        using var dir = new TempDir();
        string path = dir.Write("n.csv", "Q,A\nx,y\n");
        Assert.Equal($"{path}: a column is chosen by name (\"Q\") but the file is read without a header row",
            Fails(() => ParallelCorpus.ReadDelimited(path, "Q", "A", new CorpusReadOptions { HasHeader = false })).Message);
    }

    [Fact]
    public void EmptyFieldAndEmptyLineAreNamedOrSkipped()
    {
        using var dir = new TempDir();
        string path = dir.Write("e.csv", "Q,A,label\r\nx,y,0\r\nz,,1\r\n\r\nw,v,2");
        Assert.Equal($"{path}, line 3: the field of column \"A\" is empty",
            Fails(() => ParallelCorpus.ReadDelimited(path, "Q", "A")).Message);
        Assert.Equal($"{path}, line 3: the field of column \"A\" is empty",
            Fails(() => ParallelCorpus.ReadDelimited(path, 0, 1, new CorpusReadOptions { HasHeader = true })).Message);

        string emptyLine = dir.Write("l.csv", "Q,A\nx,y\n\nw,v\n");
        Assert.Equal($"{emptyLine}, line 3: empty line (every row must hold a pair)",
            Fails(() => ParallelCorpus.ReadDelimited(emptyLine, "Q", "A")).Message);

        var skipped = ParallelCorpus.ReadDelimited(path, "Q", "A", new CorpusReadOptions { SkipEmptyLines = true });
        Assert.Equal([new SentencePair("x", "y"), new SentencePair("w", "v")], skipped.Pairs);
        Assert.Equal(2, skipped.SkippedEmpty);
    }

    [Fact]
    public void InvalidUtf8AndEmptyFileAreNamed()
    {
        using var dir = new TempDir();
        string bad = dir.WriteBytes("b.csv", [.. "Q,A\nx,y\nz,"u8, 0xFE, .. "\n"u8]);
        Assert.Equal($"{bad}, line 3: invalid UTF-8 (byte 3 of the line)", Fails(() => ParallelCorpus.ReadDelimited(bad, "Q", "A")).Message);

        string empty = dir.Write("e.tsv", "");
        Assert.Equal($"{empty}: the file is empty", Fails(() => ParallelCorpus.ReadDelimited(empty, 0, 1)).Message);

        string headerOnly = dir.Write("h.csv", "Q,A\r\n");
        Assert.Equal($"{headerOnly}: the file has no data rows", Fails(() => ParallelCorpus.ReadDelimited(headerOnly, "Q", "A")).Message);
    }
}
