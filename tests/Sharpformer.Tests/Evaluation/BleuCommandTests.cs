using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sharpformer.Cli;
using Sharpformer.Cli.Commands;

namespace Sharpformer.Tests.Evaluation;

/// <summary>Console.SetOut is process-wide, so tests that capture the console never run alongside others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EvaluationConsoleCollection
{
    public const string Name = "Evaluation CLI console capture";
}

/// <summary>
/// The <c>bleu</c> verb run in-process on small files: its numbers must equal sacreBLEU's from
/// bleu_cases.json, and bad input must end in one error line and exit code 2.
/// </summary>
[Collection(EvaluationConsoleCollection.Name)]
public sealed class BleuCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sharpformer-bleu-" + Guid.NewGuid().ToString("N"));

    public BleuCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand("test root");
        foreach (Command command in CommandCatalog.All()) root.Subcommands.Add(command);
        TextWriter oldOut = Console.Out, oldErr = Console.Error;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int exit = CliRunner.Run(root, args);
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    private string Write(string name, string content) => WriteBytes(name, Encoding.UTF8.GetBytes(content));

    private string WriteBytes(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string WriteLines(string name, IEnumerable<string> lines) => Write(name, string.Concat(lines.Select(l => l + "\n")));

    /// <summary>A golden case chosen by a property, with its files written out.</summary>
    private (JsonElement Case, string Hyp, string[] Refs) GoldenCaseFiles(Func<JsonElement, bool> pick, string fileName = "bleu_cases.json")
    {
        string path = Path.Combine(TestPaths.GoldenDir, fileName);
        Assert.True(File.Exists(path), $"Golden file missing: {path}");
        JsonElement root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        // Only cases whose sentences fit on one line each can be written as line files.
        static bool OneLineEach(JsonElement c) =>
            c.GetProperty("hypotheses").EnumerateArray().Concat(c.GetProperty("references").EnumerateArray().SelectMany(s => s.EnumerateArray()))
                .All(x => x.GetString()!.IndexOfAny(['\n', '\r']) < 0);
        JsonElement[] matching = root.GetProperty("cases").EnumerateArray().Where(c => OneLineEach(c) && pick(c)).ToArray();
        Assert.True(matching.Length > 0, $"{path} has no case of the kind this test needs");
        JsonElement c = matching[0];
        string hyp = WriteLines("hyp.txt", c.GetProperty("hypotheses").EnumerateArray().Select(h => h.GetString()!));
        string[] refs = c.GetProperty("references").EnumerateArray()
            .Select((stream, i) => WriteLines($"ref{i}.txt", stream.EnumerateArray().Select(r => r.GetString()!))).ToArray();
        return (c, hyp, refs);
    }

    private static string[] Args(string hyp, string[] refs, params string[] extra) =>
        ["bleu", "-i", hyp, .. refs.SelectMany(r => new[] { "-r", r }), .. extra];

    private static void AssertBleuJsonMatches(JsonElement expected, string stdout)
    {
        JsonElement got = JsonDocument.Parse(stdout).RootElement; // throws unless stdout is exactly one JSON value
        Assert.Equal(JsonValueKind.Object, got.ValueKind);
        Assert.Equal(expected.GetProperty("score").GetDouble(), got.GetProperty("score").GetDouble(), 0.01);
        Assert.Equal(expected.GetProperty("bp").GetDouble(), got.GetProperty("bp").GetDouble(), 1e-4);
        Assert.Equal(expected.GetProperty("sys_len").GetInt32(), got.GetProperty("sys_len").GetInt32());
        Assert.Equal(expected.GetProperty("ref_len").GetInt32(), got.GetProperty("ref_len").GetInt32());
        for (int n = 0; n < 4; n++)
        {
            Assert.Equal(expected.GetProperty("precisions")[n].GetDouble(), got.GetProperty("precisions")[n].GetDouble(), 1e-4);
            Assert.Equal(expected.GetProperty("counts")[n].GetInt32(), got.GetProperty("counts")[n].GetInt32());
            Assert.Equal(expected.GetProperty("totals")[n].GetInt32(), got.GetProperty("totals")[n].GetInt32());
        }
        Assert.StartsWith("nrefs:", got.GetProperty("signature").GetString());
    }

    [Fact]
    public void JsonMatchesSacreBleuWithTwoReferenceFiles()
    {
        // Two reference streams, and a case where lowercasing changes the score.
        var (c, hyp, refs) = GoldenCaseFiles(c => c.GetProperty("references").GetArrayLength() == 2
            && c.GetProperty("cased").GetProperty("score").GetDouble() != c.GetProperty("lowercase").GetProperty("score").GetDouble());

        var cased = Run(Args(hyp, refs, "--json"));
        Assert.Equal(0, cased.Exit);
        AssertBleuJsonMatches(c.GetProperty("cased"), cased.Out);
        Assert.Contains("\"signature\": \"nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp", cased.Out);

        var lower = Run(Args(hyp, refs, "--lowercase", "--json"));
        Assert.Equal(0, lower.Exit);
        AssertBleuJsonMatches(c.GetProperty("lowercase"), lower.Out);

        var chrf = Run(Args(hyp, refs, "--metric", "chrf", "--json"));
        Assert.Equal(0, chrf.Exit);
        Assert.Equal(c.GetProperty("chrf").GetDouble(), JsonDocument.Parse(chrf.Out).RootElement.GetProperty("score").GetDouble(), 0.01);
    }

    [Fact]
    public void TokenizeIntlMatchesSacreBleu()
    {
        // A two-reference case where intl and 13a disagree, so falling back to 13a would fail.
        var (c, hyp, refs) = GoldenCaseFiles(c => c.GetProperty("references").GetArrayLength() == 2
            && Math.Abs(Sharpformer.Evaluation.Bleu.Corpus(
                    c.GetProperty("hypotheses").EnumerateArray().Select(h => h.GetString()!).ToArray(),
                    c.GetProperty("references").EnumerateArray().Select(r => (IReadOnlyList<string>)r.EnumerateArray().Select(x => x.GetString()!).ToArray()).ToArray()).Score
                - c.GetProperty("intl_cased").GetProperty("score").GetDouble()) > 0.01,
            "bleu_cases_intl.json");

        var cased = Run(Args(hyp, refs, "--tokenize", "intl", "--json"));
        Assert.Equal(0, cased.Exit);
        AssertBleuJsonMatches(c.GetProperty("intl_cased"), cased.Out);
        Assert.Equal("nrefs:2|case:mixed|eff:no|tok:intl|smooth:exp|compat:sacrebleu-2.6.0",
            JsonDocument.Parse(cased.Out).RootElement.GetProperty("signature").GetString());

        var lower = Run(Args(hyp, refs, "-tok", "intl", "-lc"));
        Assert.Equal(0, lower.Exit);
        string[] lines = lower.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"BLEU = {c.GetProperty("intl_lowercase").GetProperty("score").GetDouble():F2} "), lines[0]);
        Assert.Equal("signature: nrefs:2|case:lc|eff:no|tok:intl|smooth:exp|compat:sacrebleu-2.6.0", lines[1]);

        // Naming the default explicitly gives the default's numbers.
        var explicit13a = Run(Args(hyp, refs, "--tokenize", "13a", "--json"));
        Assert.Equal(0, explicit13a.Exit);
        Assert.Equal(Run(Args(hyp, refs, "--json")).Out, explicit13a.Out);
    }

    [Fact]
    public void UnknownTokenizerOrTokenizerWithChrfIsAUserError()
    {
        string hyp = Write("hyp.txt", "a b c\n");
        AssertUserError(Run("bleu", "-i", hyp, "-r", hyp, "--tokenize", "v14"), "--tokenize", "\"v14\"", "13a, intl, none");
        AssertUserError(Run("bleu", "-i", hyp, "-r", hyp, "--tokenize", "intl", "--metric", "chrf"), "--tokenize", "BLEU only", "chrf");
    }

    [Fact]
    public void ReadableLinesMatchSacreBleuWithAnEmptyHypothesisLine()
    {
        var (c, hyp, refs) = GoldenCaseFiles(c => c.GetProperty("hypotheses").EnumerateArray().Any(h => h.GetString() == "")
            && c.GetProperty("hypotheses").GetArrayLength() > 1);
        JsonElement e = c.GetProperty("cased");
        var inv = CultureInfo.InvariantCulture;
        int sysLen = e.GetProperty("sys_len").GetInt32(), refLen = e.GetProperty("ref_len").GetInt32();
        string precisions = string.Join('/', e.GetProperty("precisions").EnumerateArray().Select(p => p.GetDouble().ToString("F1", inv)));
        string expected = string.Create(inv,
            $"BLEU = {e.GetProperty("score").GetDouble():F2} {precisions} (BP = {e.GetProperty("bp").GetDouble():F3} ratio = {(double)sysLen / refLen:F3} hyp_len = {sysLen} ref_len = {refLen})");

        var bleu = Run(Args(hyp, refs));
        Assert.Equal(0, bleu.Exit);
        Assert.Equal(expected, bleu.Out.Split('\n')[0].TrimEnd('\r'));

        var chrf = Run(Args(hyp, refs, "-m", "chrf"));
        Assert.Equal(0, chrf.Exit);
        Assert.Equal(string.Create(inv, $"chrF2 = {c.GetProperty("chrf").GetDouble():F2}"), chrf.Out.Split('\n')[0].TrimEnd('\r'));
    }

    [Fact]
    public void ByteOrderMarkAndCrLfLineEndsAreAccepted()
    {
        // Identical text: BLEU is 100 whatever the line endings.
        byte[] bom = [0xEF, 0xBB, 0xBF];
        string hyp = WriteBytes("hyp.txt", [.. bom, .. Encoding.UTF8.GetBytes("The cat sat on the mat.\r\nA dog runs in the park.\r\n")]);
        string reference = Write("ref.txt", "The cat sat on the mat.\nA dog runs in the park.");
        var result = Run("bleu", "-i", hyp, "-r", reference, "--json");
        Assert.Equal(0, result.Exit);
        JsonElement got = JsonDocument.Parse(result.Out).RootElement;
        Assert.Equal(100.0, got.GetProperty("score").GetDouble(), 1e-9);
        Assert.Equal(14, got.GetProperty("sys_len").GetInt32());
    }

    private static void AssertUserError((int Exit, string Out, string Err) result, params string[] fragments)
    {
        Assert.Equal(2, result.Exit);
        Assert.Equal("", result.Out);
        string[] lines = result.Err.TrimEnd().Split('\n');
        Assert.Single(lines);
        foreach (string fragment in fragments) Assert.Contains(fragment, lines[0]);
    }

    [Fact]
    public void MissingFileIsAUserError()
    {
        string reference = Write("ref.txt", "a b c\n");
        string missing = Path.Combine(_dir, "no-such-file.txt");
        AssertUserError(Run("bleu", "-i", missing, "-r", reference), missing, "not found");
        string hyp = Write("hyp.txt", "a b c\n");
        AssertUserError(Run("bleu", "-i", hyp, "-r", missing), missing, "not found");
    }

    [Fact]
    public void LineCountMismatchIsAUserError()
    {
        string hyp = Write("hyp.txt", "one\ntwo\nthree\n");
        string good = Write("good.txt", "uno\ndos\ntres\n");
        string shortRef = Write("short.txt", "uno\ndos\n");
        AssertUserError(Run("bleu", "-i", hyp, "-r", good, "-r", shortRef), shortRef, "2 lines", "3");
    }

    [Fact]
    public void InvalidUtf8IsAUserError()
    {
        string hyp = Write("hyp.txt", "one\ntwo\n");
        string bad = WriteBytes("bad.txt", [(byte)'o', (byte)'k', (byte)'\n', (byte)'b', 0xC3, 0x28, (byte)'\n']);
        AssertUserError(Run("bleu", "-i", hyp, "-r", bad), bad, "line 2", "invalid UTF-8");
        AssertUserError(Run("bleu", "-i", bad, "-r", hyp, "-m", "chrf"), bad, "line 2", "invalid UTF-8");
    }

    [Fact]
    public void HypothesisWithoutAnyReferenceIsAUserError()
    {
        string hyp = Write("hyp.txt", "one\ntwo\n");
        string ref1 = Write("ref1.txt", "uno\n\n");
        string ref2 = Write("ref2.txt", "eins\n\n");
        AssertUserError(Run("bleu", "-i", hyp, "-r", ref1, "-r", ref2), ref1, ref2, "line 2", "empty");
        // One empty reference among several is fine: sacreBLEU skips it.
        string ref3 = Write("ref3.txt", "eins\nzwei\n");
        Assert.Equal(0, Run("bleu", "-i", hyp, "-r", ref1, "-r", ref3).Exit);
    }

    [Fact]
    public void EmptyHypothesisFileIsAUserError()
    {
        string hyp = Write("hyp.txt", "");
        string reference = Write("ref.txt", "");
        AssertUserError(Run("bleu", "-i", hyp, "-r", reference), hyp, "empty");
    }

    [Fact]
    public void UnknownMetricAndMissingReferenceAreRejectedByTheParser()
    {
        string hyp = Write("hyp.txt", "a\n");
        Assert.NotEqual(0, Run("bleu", "-i", hyp, "-r", hyp, "--metric", "ter").Exit);
        Assert.NotEqual(0, Run("bleu", "-i", hyp).Exit);
    }
}
