using System.Text.Json;
using Sharpformer.Evaluation;

namespace Sharpformer.Tests.Evaluation;

/// <summary>
/// Replays every case of bleu_cases_intl.json, whose numbers sacreBLEU 2.6.0 produced with
/// <c>tokenize='intl'</c>, and requires the same corpus BLEU statistics (cased and lowercased)
/// and signature.
/// </summary>
public sealed class SacreBleuIntlGoldenTests
{
    private const string FileName = "bleu_cases_intl.json";

    private static (string Signature, List<GoldenBleuCase> Cases) LoadCases()
    {
        (JsonElement root, List<GoldenBleuCase> cases) = GoldenBleuCases.Load(FileName);
        Assert.Equal("sacrebleu 2.6.0", root.GetProperty("tool").GetString());
        // "case:mixed|eff:no|tok:intl|smooth:exp (and lowercase variant)": the part sacreBLEU printed.
        string signature = root.GetProperty("bleu_signature").GetString()!.Split(' ')[0];
        Assert.Contains("tok:intl", signature);
        return (signature, cases);
    }

    private static BleuOptions Intl(bool lowercase) => new() { Tokenize = BleuTokenizer.Intl, Lowercase = lowercase };

    [Theory]
    [InlineData("intl_cased", false)]
    [InlineData("intl_lowercase", true)]
    public void CorpusBleuMatchesSacreBleu(string key, bool lowercase)
    {
        var failures = new List<string>();
        (_, List<GoldenBleuCase> cases) = LoadCases();
        foreach (GoldenBleuCase c in cases)
            GoldenBleuCases.Compare(Bleu.Corpus(c.Hypotheses, c.ReferenceStreams, Intl(lowercase)), c.Json.GetProperty(key),
                $"case {c.Index} ({key})", failures);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SignatureNamesTheIntlTokenizer(bool lowercase)
    {
        (string golden, List<GoldenBleuCase> cases) = LoadCases();
        string expectedCore = lowercase ? golden.Replace("case:mixed", "case:lc", StringComparison.Ordinal) : golden;
        foreach (GoldenBleuCase c in cases)
        {
            // No reference line is empty in this file, so every segment has one per stream.
            string expected = $"nrefs:{c.ReferenceStreams.Length}|{expectedCore}|compat:sacrebleu-2.6.0";
            Assert.Equal(expected, Bleu.Corpus(c.Hypotheses, c.ReferenceStreams, Intl(lowercase)).Signature);
        }
    }

    [Fact]
    public void TheCasesTellIntlFrom13a()
    {
        // The golden README says 25 of the 40 cases score differently under 13a, so a tokenizer
        // option that silently fell back to 13a would fail CorpusBleuMatchesSacreBleu.
        (_, List<GoldenBleuCase> cases) = LoadCases();
        int differ = cases.Count(c => Math.Abs(Bleu.Corpus(c.Hypotheses, c.ReferenceStreams).Score
            - c.Json.GetProperty("intl_cased").GetProperty("score").GetDouble()) > GoldenBleuCases.ScoreTolerance);
        Assert.Equal(40, cases.Count);
        Assert.Equal(25, differ);
    }
}
