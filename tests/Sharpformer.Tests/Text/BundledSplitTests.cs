using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

/// <summary>The split files shipped under data/ against the upstream files they are cut from.</summary>
public sealed class BundledSplitTests
{
    public static TheoryData<string> Splits => new() { "chatbot", "tatoeba" };

    private static BundledSplit Get(string name) => name == "chatbot" ? BundledSplit.Chatbot : BundledSplit.TatoebaKoEn;

    [Theory]
    [MemberData(nameof(Splits))]
    public void RegeneratingTheSplitGivesTheShippedFilesByteForByte(string name)
    {
        BundledSplit bundled = Get(name);
        IReadOnlyDictionary<string, byte[]> files = bundled.Files(TestPaths.DataDir, bundled.Make(TestPaths.DataDir));
        Assert.Equal(6, files.Count);
        foreach ((string path, byte[] expected) in files)
        {
            Assert.True(File.Exists(path), $"{path} is missing; regenerate with BundledSplit.Write");
            Assert.True(expected.AsSpan().SequenceEqual(File.ReadAllBytes(path)), $"{path} differs from the split of {bundled.UpstreamFile}");
        }
    }

    [Theory]
    // Distinct keys: chatbot 11,662 questions, Tatoeba 3,497 English sentences; 10 % rounded each
    // for validation and test (data/README.md).
    [InlineData("chatbot", 11823, 9330, 1166, 1166)]
    [InlineData("tatoeba", 3798, 2797, 350, 350)]
    public void ShippedPartsAreDisjointByKeyAndCoverEveryRow(string name, int rows, int trainKeys, int validKeys, int testKeys)
    {
        BundledSplit bundled = Get(name);
        ParallelCorpus[] parts = BundledSplit.Parts.Select(p => bundled.Read(TestPaths.DataDir, p)).ToArray();
        HashSet<string>[] keys = parts.Select(p => p.Pairs.Select(bundled.Key).ToHashSet(StringComparer.Ordinal)).ToArray();
        Assert.Equal([trainKeys, validKeys, testKeys], keys.Select(k => k.Count));
        for (int a = 0; a < keys.Length; a++)
            for (int b = a + 1; b < keys.Length; b++)
                Assert.Empty(keys[a].Intersect(keys[b]));

        // Every upstream row is in exactly one part: the same multiset of pairs.
        var upstream = bundled == BundledSplit.Chatbot
            ? ParallelCorpus.ReadDelimited(bundled.UpstreamPath(TestPaths.DataDir), "Q", "A")
            : ParallelCorpus.ReadDelimited(bundled.UpstreamPath(TestPaths.DataDir), 1, 0);
        Assert.Equal(rows, upstream.Count);
        static IEnumerable<string> Sorted(IEnumerable<SentencePair> pairs) => pairs.Select(p => p.Source + "\t" + p.Target).Order(StringComparer.Ordinal);
        Assert.Equal(Sorted(upstream.Pairs), Sorted(parts.SelectMany(p => p.Pairs)));
    }

    [Fact]
    public void ASentenceWithALineBreakIsRefused()
    {
        var split = new DataSplit<SentencePair>([new SentencePair("one\nline", "a")], [], []);
        var e = Assert.Throws<UserInputException>(() => BundledSplit.Chatbot.Files("data", split));
        Assert.Contains("ChatbotData.csv", e.Message);
        Assert.Contains("line break", e.Message);
    }
}
