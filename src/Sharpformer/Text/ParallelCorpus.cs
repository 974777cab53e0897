namespace Sharpformer.Text;

/// <summary>
/// Sentence pairs read from line-aligned text files or from two columns of a CSV/TSV file,
/// with the file names they came from. Read it with <see cref="ReadTextFiles"/> or
/// <see cref="ReadDelimited"/>; both throw <see cref="UserInputException"/> with a one-line
/// message naming the file and 1-based line when the input is unusable.
/// </summary>
public sealed class ParallelCorpus
{
    public ParallelCorpus(IReadOnlyList<SentencePair> pairs, string sourcePath, string targetPath, int skippedEmpty = 0)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        Pairs = pairs;
        SourcePath = sourcePath;
        TargetPath = targetPath;
        SkippedEmpty = skippedEmpty;
    }

    /// <summary>The pairs in file order.</summary>
    public IReadOnlyList<SentencePair> Pairs { get; }

    /// <summary>The file the source sentences came from.</summary>
    public string SourcePath { get; }

    /// <summary>The file the target sentences came from (the same file as the source for a CSV/TSV file).</summary>
    public string TargetPath { get; }

    /// <summary>How many pairs were dropped because a side was empty (only with <see cref="CorpusReadOptions.SkipEmptyLines"/>).</summary>
    public int SkippedEmpty { get; }

    /// <summary>Number of pairs.</summary>
    public int Count => Pairs.Count;

    /// <summary>The source sentences in order.</summary>
    public IEnumerable<string> Sources => Pairs.Select(p => p.Source);

    /// <summary>The target sentences in order.</summary>
    public IEnumerable<string> Targets => Pairs.Select(p => p.Target);

    /// <summary>
    /// Reads two line-aligned UTF-8 files (one sentence per line; line <i>i</i> of the target
    /// translates line <i>i</i> of the source), e.g. <c>train.de</c> + <c>train.en</c>.
    /// </summary>
    public static ParallelCorpus ReadTextFiles(string sourcePath, string targetPath, CorpusReadOptions? options = null) =>
        ParallelTextReader.Read(sourcePath, targetPath, options ?? CorpusReadOptions.Default);

    /// <summary>
    /// Reads two columns of a CSV (RFC 4180 quoting) or TSV file, e.g. the <c>Q</c> and <c>A</c>
    /// columns of a chatbot CSV, or columns 1 and 0 of a Tatoeba TSV.
    /// </summary>
    public static ParallelCorpus ReadDelimited(string path, ColumnRef sourceColumn, ColumnRef targetColumn, CorpusReadOptions? options = null) =>
        DelimitedPairReader.Read(path, sourceColumn, targetColumn, options ?? CorpusReadOptions.Default);
}
