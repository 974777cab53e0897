using System.Text.Json;
using Sharpformer.Evaluation;

namespace Sharpformer.Tests.Evaluation;

/// <summary>One case of a sacreBLEU golden file: the texts and the case's JSON (the expected numbers).</summary>
public sealed record GoldenBleuCase(int Index, string[] Hypotheses, string[][] ReferenceStreams, JsonElement Json);

/// <summary>Reads bleu_cases*.json and compares scores with the numbers sacreBLEU wrote there.</summary>
public static class GoldenBleuCases
{
    public const double ScoreTolerance = 0.01, PrecisionTolerance = 1e-4;

    /// <summary>The file's top-level object and its cases; fails the test when the file is missing or has no case.</summary>
    public static (JsonElement Root, List<GoldenBleuCase> Cases) Load(string fileName)
    {
        string path = Path.Combine(TestPaths.GoldenDir, fileName);
        Assert.True(File.Exists(path), $"Golden file missing: {path} (set GOLDEN_DIR to a folder holding {fileName})");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement.Clone();
        var cases = new List<GoldenBleuCase>();
        foreach (JsonElement c in root.GetProperty("cases").EnumerateArray())
        {
            string[] hyps = c.GetProperty("hypotheses").EnumerateArray().Select(h => h.GetString()!).ToArray();
            string[][] refs = c.GetProperty("references").EnumerateArray()
                .Select(stream => stream.EnumerateArray().Select(r => r.GetString()!).ToArray()).ToArray();
            cases.Add(new GoldenBleuCase(cases.Count, hyps, refs, c.Clone()));
        }
        Assert.NotEmpty(cases);
        return (root, cases);
    }

    /// <summary>Adds a line to <paramref name="failures"/> for every number of <paramref name="got"/> that differs from <paramref name="expect"/>.</summary>
    public static void Compare(BleuScore got, JsonElement expect, string label, List<string> failures)
    {
        void Check(bool ok, string what) { if (!ok) failures.Add($"{label}: {what}"); }

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
}
