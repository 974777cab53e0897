using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

/// <summary>
/// The incremental trainer must learn exactly the merges of a naive BPE that recounts every pair
/// from scratch before each merge (same rules: most frequent pair, ties by ordinal left then right
/// text, at most 16 characters, pairs seen at least twice). Inputs are lowercase words separated by
/// single spaces, where the trainer's stretches are simply "▁" + word.
/// </summary>
public sealed class BpeTrainerReferenceTests
{
    private static (List<string> Alphabet, List<string> Merges) NaiveBpe(IEnumerable<string> texts, int mergeBudget)
    {
        var wordCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string text in texts)
            foreach (string word in text.Split(' '))
                wordCounts["▁" + word] = wordCounts.GetValueOrDefault("▁" + word) + 1;

        var charCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach ((string word, long n) in wordCounts)
            foreach (char c in word) charCounts[c.ToString()] = charCounts.GetValueOrDefault(c.ToString()) + n;
        List<string> alphabet = charCounts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key).ToList();

        var words = wordCounts.Select(kv => (Symbols: kv.Key.Select(c => c.ToString()).ToList(), Count: kv.Value)).ToList();
        var known = new HashSet<string>(alphabet, StringComparer.Ordinal);
        var merges = new List<string>();
        while (merges.Count < mergeBudget)
        {
            var pairs = new Dictionary<(string, string), long>();
            foreach (var (symbols, count) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i].Length + symbols[i + 1].Length <= 16)
                        pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            if (pairs.Count == 0) break;
            var best = pairs.OrderByDescending(kv => kv.Value)
                .ThenBy(kv => kv.Key.Item1, StringComparer.Ordinal)
                .ThenBy(kv => kv.Key.Item2, StringComparer.Ordinal).First();
            if (best.Value < 2) break;

            (string left, string right) = best.Key;
            string merged = left + right;
            if (known.Add(merged)) merges.Add(merged);
            foreach (var (symbols, _) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == left && symbols[i + 1] == right)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
        }
        return (alphabet, merges);
    }

    private static void AssertSameAsNaive(List<string> texts, int merges)
    {
        var (alphabet, expectedMerges) = NaiveBpe(texts, merges);
        Assert.Equal(merges, expectedMerges.Count);
        var tokenizer = SubwordTokenizer.Train(texts, 260 + alphabet.Count + merges, new SubwordTrainingOptions { CharacterCoverage = 1.0 });

        int learned = tokenizer.VocabSize - 260 - alphabet.Count;
        Assert.Equal(expectedMerges, Enumerable.Range(260, learned).Select(tokenizer.IdToPiece));
        Assert.Equal(alphabet, Enumerable.Range(260 + learned, alphabet.Count).Select(tokenizer.IdToPiece));
    }

    [Fact]
    public void MatchesNaiveBpeOnEnglishCaptions()
    {
        // Multi30k val English, reduced to lowercase letters and single spaces.
        List<string> texts = Multi30kTokenizerFixture.Read("val").Targets
            .Select(t => string.Join(' ', new string(t.ToLowerInvariant().Select(c => c is >= 'a' and <= 'z' ? c : ' ').ToArray())
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .Where(t => t.Length > 0).ToList();
        AssertSameAsNaive(texts, 400);
    }

    [Fact]
    public void MatchesNaiveBpeOnRepetitiveWords()
    {
        // Long runs of one letter exercise overlapping pairs ("aaa" holds "aa" twice, merged left to right)
        // and many equal counts, so the tie order matters.
        var random = new Random(12345);
        var texts = new List<string>();
        for (int line = 0; line < 300; line++)
            texts.Add(string.Join(' ', Enumerable.Range(0, 1 + random.Next(6))
                .Select(_ => new string(Enumerable.Range(0, 1 + random.Next(12)).Select(_ => "aab"[random.Next(3)]).ToArray()))));
        AssertSameAsNaive(texts, 150);
    }
}
