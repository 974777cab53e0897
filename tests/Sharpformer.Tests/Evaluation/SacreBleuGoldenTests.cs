using System.Text.Json;
using Sharpformer.Evaluation;

namespace Sharpformer.Tests.Evaluation;

/// <summary>
/// Replays every case of bleu_cases.json, whose numbers sacreBLEU 2.6.0 produced, and requires
/// the same corpus BLEU (cased and lowercased), sentence BLEU and corpus chrF.
/// </summary>
public sealed class SacreBleuGoldenTests
{
    private const double ScoreTolerance = GoldenBleuCases.ScoreTolerance;

    private static List<GoldenBleuCase> LoadCases()
    {
        (JsonElement root, List<GoldenBleuCase> cases) = GoldenBleuCases.Load("bleu_cases.json");
        Assert.Equal("sacrebleu 2.6.0", root.GetProperty("tool").GetString());
        Assert.Contains("tok:13a", root.GetProperty("bleu_signature").GetString());
        Assert.Contains("smooth:exp", root.GetProperty("bleu_signature").GetString());
        Assert.Equal("chrF2, char order 6, word order 0", root.GetProperty("chrf_signature").GetString());
        Assert.Equal("BLEU(effective_order=True).sentence_score", root.GetProperty("sentence_bleu").GetString());
        return cases;
    }

    private static IReadOnlyList<IReadOnlyList<string>> Streams(GoldenBleuCase c) => c.ReferenceStreams;

    [Theory]
    [InlineData("cased", false)]
    [InlineData("lowercase", true)]
    public void CorpusBleuMatchesSacreBleu(string key, bool lowercase)
    {
        var failures = new List<string>();
        foreach (GoldenBleuCase c in LoadCases())
            GoldenBleuCases.Compare(Bleu.Corpus(c.Hypotheses, Streams(c), lowercase), c.Json.GetProperty(key), $"case {c.Index} ({key})", failures);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void SentenceBleuMatchesSacreBleu()
    {
        var failures = new List<string>();
        foreach (GoldenBleuCase c in LoadCases())
        {
            double[] expected = c.Json.GetProperty("sentence_bleu").EnumerateArray().Select(s => s.GetDouble()).ToArray();
            Assert.Equal(c.Hypotheses.Length, expected.Length);
            for (int i = 0; i < c.Hypotheses.Length; i++)
            {
                string[] refs = c.ReferenceStreams.Select(stream => stream[i]).ToArray();
                double got = Bleu.Sentence(c.Hypotheses[i], refs);
                if (Math.Abs(got - expected[i]) > ScoreTolerance)
                    failures.Add($"case {c.Index} sentence {i}: {got} vs {expected[i]}");
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void CorpusChrfMatchesSacreBleu()
    {
        var failures = new List<string>();
        foreach (GoldenBleuCase c in LoadCases())
        {
            double expected = c.Json.GetProperty("chrf").GetDouble();
            double got = Chrf.Corpus(c.Hypotheses, Streams(c)).Score;
            if (Math.Abs(got - expected) > ScoreTolerance) failures.Add($"case {c.Index}: chrF {got} vs {expected}");
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
