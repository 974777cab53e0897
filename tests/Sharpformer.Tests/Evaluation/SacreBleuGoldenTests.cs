using System.Text.Json;
using Sharpformer.Evaluation;

namespace Sharpformer.Tests.Evaluation;

/// <summary>
/// Replays every case of bleu_cases.json, whose numbers sacreBLEU 2.6.0 produced, and requires
/// the same corpus BLEU (cased and lowercased), sentence BLEU and corpus chrF.
/// </summary>
public sealed class SacreBleuGoldenTests
{
    private const double ScoreTolerance = 0.01, PrecisionTolerance = 1e-4;

    private sealed record GoldenCase(int Index, string[] Hypotheses, string[][] ReferenceStreams, JsonElement Json);

    private static List<GoldenCase> LoadCases()
    {
        string path = Path.Combine(TestPaths.GoldenDir, "bleu_cases.json");
        Assert.True(File.Exists(path), $"Golden file missing: {path} (set GOLDEN_DIR to a folder holding bleu_cases.json)");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        Assert.Equal("sacrebleu 2.6.0", root.GetProperty("tool").GetString());
        Assert.Contains("tok:13a", root.GetProperty("bleu_signature").GetString());
        Assert.Contains("smooth:exp", root.GetProperty("bleu_signature").GetString());
        Assert.Equal("chrF2, char order 6, word order 0", root.GetProperty("chrf_signature").GetString());
        Assert.Equal("BLEU(effective_order=True).sentence_score", root.GetProperty("sentence_bleu").GetString());

        var cases = new List<GoldenCase>();
        foreach (JsonElement c in root.GetProperty("cases").EnumerateArray())
        {
            string[] hyps = c.GetProperty("hypotheses").EnumerateArray().Select(h => h.GetString()!).ToArray();
            string[][] refs = c.GetProperty("references").EnumerateArray()
                .Select(stream => stream.EnumerateArray().Select(r => r.GetString()!).ToArray()).ToArray();
            cases.Add(new GoldenCase(cases.Count, hyps, refs, c.Clone()));
        }
        Assert.NotEmpty(cases);
        return cases;
    }

    private static IReadOnlyList<IReadOnlyList<string>> Streams(GoldenCase c) => c.ReferenceStreams;

    [Theory]
    [InlineData("cased", false)]
    [InlineData("lowercase", true)]
    public void CorpusBleuMatchesSacreBleu(string key, bool lowercase)
    {
        var failures = new List<string>();
        foreach (GoldenCase c in LoadCases())
        {
            JsonElement expect = c.Json.GetProperty(key);
            BleuScore got = Bleu.Corpus(c.Hypotheses, Streams(c), lowercase);
            void Check(bool ok, string what) { if (!ok) failures.Add($"case {c.Index} ({key}): {what}"); }

            double score = expect.GetProperty("score").GetDouble();
            Check(Math.Abs(got.Score - score) <= ScoreTolerance, $"score {got.Score} vs {score}");
            double bp = expect.GetProperty("bp").GetDouble();
            Check(Math.Abs(got.Bp - bp) <= PrecisionTolerance, $"bp {got.Bp} vs {bp}");
            Check(got.SysLen == expect.GetProperty("sys_len").GetInt32(), $"sys_len {got.SysLen}");
            Check(got.RefLen == expect.GetProperty("ref_len").GetInt32(), $"ref_len {got.RefLen}");
            double[] precisions = expect.GetProperty("precisions").EnumerateArray().Select(p => p.GetDouble()).ToArray();
            int[] counts = expect.GetProperty("counts").EnumerateArray().Select(p => p.GetInt32()).ToArray();
            int[] totals = expect.GetProperty("totals").EnumerateArray().Select(p => p.GetInt32()).ToArray();
            Check(precisions.Length == 4 && counts.Length == 4 && totals.Length == 4, "golden arrays are not of length 4");
            for (int n = 0; n < Math.Min(4, precisions.Length); n++)
            {
                Check(Math.Abs(got.Precisions[n] - precisions[n]) <= PrecisionTolerance, $"precision[{n}] {got.Precisions[n]} vs {precisions[n]}");
                Check(got.Counts[n] == counts[n], $"counts[{n}] {got.Counts[n]} vs {counts[n]}");
                Check(got.Totals[n] == totals[n], $"totals[{n}] {got.Totals[n]} vs {totals[n]}");
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void SentenceBleuMatchesSacreBleu()
    {
        var failures = new List<string>();
        foreach (GoldenCase c in LoadCases())
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
        foreach (GoldenCase c in LoadCases())
        {
            double expected = c.Json.GetProperty("chrf").GetDouble();
            double got = Chrf.Corpus(c.Hypotheses, Streams(c)).Score;
            if (Math.Abs(got - expected) > ScoreTolerance) failures.Add($"case {c.Index}: chrF {got} vs {expected}");
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
