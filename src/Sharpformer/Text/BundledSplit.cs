using System.Text;

namespace Sharpformer.Text;

/// <summary>
/// A train / validation / test split shipped under <c>data/</c>, made from one upstream pair
/// file with <see cref="GroupedSplit"/> (80/10/10 of the distinct keys, seed
/// <see cref="Seed"/>) and stored as line-aligned text files that
/// <see cref="ParallelCorpus.ReadTextFiles"/> and the train verb's <c>--train-src/--train-tgt</c>
/// read directly: <c>train.q</c> + <c>train.a</c>, <c>valid.q</c> + <c>valid.a</c>, and so on.
/// </summary>
public sealed class BundledSplit
{
    /// <summary>The seed of every bundled split. Changing it moves pairs between the shipped files.</summary>
    public const ulong Seed = 1;

    /// <summary>The part names, which are also the file stems.</summary>
    public static IReadOnlyList<string> Parts { get; } = ["train", "valid", "test"];

    /// <summary>
    /// The Korean chatbot pairs (question → answer) of <c>chatbot-ko/ChatbotData.csv</c>, split
    /// by question: the 73 repeated (Q, A) rows and the questions with several answers stay in
    /// one part. Files <c>chatbot-ko/{train,valid,test}.{q,a}</c>.
    /// </summary>
    public static BundledSplit Chatbot { get; } =
        new("chatbot-ko", "ChatbotData.csv", "Q", "A", keyOnSource: true, "q", "a");

    /// <summary>
    /// The Tatoeba Korean → English pairs of <c>ko-en/tatoeba/kor.txt</c>, split by English
    /// sentence (266 of them have several Korean translations). Files
    /// <c>ko-en/tatoeba/{train,valid,test}.{ko,en}</c>.
    /// </summary>
    public static BundledSplit TatoebaKoEn { get; } =
        new("ko-en/tatoeba", "kor.txt", 1, 0, keyOnSource: false, "ko", "en");

    private readonly ColumnRef _sourceColumn, _targetColumn;
    private readonly bool _keyOnSource;

    private BundledSplit(string folder, string upstreamFile, ColumnRef sourceColumn, ColumnRef targetColumn,
        bool keyOnSource, string sourceExtension, string targetExtension)
    {
        Folder = folder;
        UpstreamFile = upstreamFile;
        _sourceColumn = sourceColumn;
        _targetColumn = targetColumn;
        _keyOnSource = keyOnSource;
        SourceExtension = sourceExtension;
        TargetExtension = targetExtension;
    }

    /// <summary>The folder under the data directory, with '/' separators.</summary>
    public string Folder { get; }

    /// <summary>The upstream pair file in <see cref="Folder"/> the split is made from.</summary>
    public string UpstreamFile { get; }

    /// <summary>The extension of the source-side files (without the dot).</summary>
    public string SourceExtension { get; }

    /// <summary>The extension of the target-side files (without the dot).</summary>
    public string TargetExtension { get; }

    /// <summary>The key that keeps pairs together: the source or the target sentence.</summary>
    public string Key(SentencePair pair) => _keyOnSource ? pair.Source : pair.Target;

    /// <summary>Reads the upstream file under <paramref name="dataDir"/> and splits it.</summary>
    public DataSplit<SentencePair> Make(string dataDir)
    {
        ParallelCorpus corpus = ParallelCorpus.ReadDelimited(UpstreamPath(dataDir), _sourceColumn, _targetColumn);
        return GroupedSplit.Split(corpus.Pairs, Key, Seed);
    }

    /// <summary>The path of the upstream file.</summary>
    public string UpstreamPath(string dataDir) => Path.Combine(dataDir, Folder, UpstreamFile);

    /// <summary>The path of one part's source or target file.</summary>
    public string PartPath(string dataDir, string part, bool source)
    {
        if (!Parts.Contains(part)) throw new ArgumentException($"Unknown part \"{part}\" (expected {string.Join(", ", Parts)}).", nameof(part));
        return Path.Combine(dataDir, Folder, $"{part}.{(source ? SourceExtension : TargetExtension)}");
    }

    /// <summary>Reads one shipped part back as a corpus.</summary>
    public ParallelCorpus Read(string dataDir, string part) =>
        ParallelCorpus.ReadTextFiles(PartPath(dataDir, part, source: true), PartPath(dataDir, part, source: false));

    /// <summary>
    /// The bytes of every split file, by path: UTF-8 without BOM, one sentence per line, each
    /// line ended by LF (so the last one too).
    /// </summary>
    /// <exception cref="UserInputException">A sentence holds a line break, which would misalign the files.</exception>
    public IReadOnlyDictionary<string, byte[]> Files(string dataDir, DataSplit<SentencePair> split)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        IReadOnlyList<SentencePair>[] parts = [split.Train, split.Valid, split.Test];
        for (int p = 0; p < Parts.Count; p++)
        {
            files[PartPath(dataDir, Parts[p], source: true)] = Lines(parts[p].Select(x => x.Source), dataDir);
            files[PartPath(dataDir, Parts[p], source: false)] = Lines(parts[p].Select(x => x.Target), dataDir);
        }
        return files;
    }

    /// <summary>Makes the split and writes its six files next to the upstream file.</summary>
    public void Write(string dataDir)
    {
        foreach ((string path, byte[] bytes) in Files(dataDir, Make(dataDir)))
            File.WriteAllBytes(path, bytes);
    }

    private byte[] Lines(IEnumerable<string> sentences, string dataDir)
    {
        var sb = new StringBuilder();
        foreach (string sentence in sentences)
        {
            if (sentence.AsSpan().IndexOfAny('\n', '\r') >= 0)
                throw new UserInputException($"{UpstreamPath(dataDir)}: a sentence holds a line break and cannot go into a line-aligned file: \"{sentence.ReplaceLineEndings(" ")}\"");
            sb.Append(sentence).Append('\n');
        }
        return new UTF8Encoding(false).GetBytes(sb.ToString());
    }
}
