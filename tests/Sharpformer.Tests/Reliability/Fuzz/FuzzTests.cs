using System.Diagnostics;
using System.Text;
using Sharpformer.Tests.Evaluation;
using Xunit.Abstractions;

namespace Sharpformer.Tests.Reliability.Fuzz;

/// <summary>
/// Mutates the files of a real trained run — model files, tokenizer, run.json, checkpoints — and the text
/// files the verbs read, over 500 deterministic cases (truncations, bit flips, lying headers, edited values,
/// damaged lines, wrong kinds of entry), and runs the verb that reads each one. Every case must end in either
/// the correct result (the same translation as from the undamaged run, or a line per input line) or exit code
/// 2 with one error line naming the damaged file; never a stack trace, never a hang (a time limit per case),
/// never unbounded memory (bytes allocated per case in-process; a 512 MB heap limit for the real processes).
/// Most cases run in-process through the CLI's entry point; <see cref="Sampled_cases_hold_as_real_processes"/>
/// runs a few dozen as real processes.
/// </summary>
[Collection(EvaluationConsoleCollection.Name)]
public sealed class FuzzTests(FuzzFixture fx, ITestOutputHelper log) : IClassFixture<FuzzFixture>
{
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(20);
    private const long AllocationLimit = 1L << 30;

    [Fact]
    public void Damaged_model_files_are_refused_naming_the_file_or_translate_correctly()
    {
        var cases = fx.ModelFileCases().ToList();
        Check(cases, atLeast: 140);
    }

    [Fact]
    public void Damaged_rnn_model_files_run_options_and_checkpoints_are_refused_naming_the_file_or_translate_correctly()
    {
        var cases = fx.RnnCases().ToList();
        Check(cases, atLeast: 150);
    }

    [Fact]
    public void Damaged_tokenizers_and_run_options_are_refused_naming_the_file_or_translate_correctly()
    {
        var cases = fx.TokenizerCases().Concat(fx.RunOptionsCases()).ToList();
        Check(cases, atLeast: 140);
    }

    [Fact]
    public void Damaged_checkpoints_are_refused_naming_the_checkpoint_or_translate_and_average_correctly()
    {
        var cases = fx.CheckpointCases().ToList();
        Check(cases, atLeast: 90);
    }

    [Fact]
    public void Damaged_input_and_data_files_give_one_output_line_per_input_line_or_an_error_naming_the_file()
    {
        var cases = fx.DataFileCases().ToList();
        Check(cases, atLeast: 130);
    }

    [Fact]
    public void Sampled_cases_hold_as_real_processes()
    {
        var all = fx.ModelFileCases().Concat(fx.TokenizerCases()).Concat(fx.RunOptionsCases()).Concat(fx.CheckpointCases()).Concat(fx.DataFileCases())
            .Concat(fx.RnnCases()).Where(c => !c.InProcessOnly).ToList();
        var sample = all.Where((_, i) => i % (all.Count / 30) == 0).Take(30).ToList();
        Check(sample, atLeast: 30, asProcesses: true);
    }

    private void Check(List<FuzzCase> cases, int atLeast, bool asProcesses = false)
    {
        Assert.True(cases.Count >= atLeast, $"only {cases.Count} cases");
        var failures = new List<string>();
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        foreach (var c in cases)
        {
            string copy = c.OnRnnRun ? fx.Run.CopyRnnRun() : fx.Run.CopyRun();
            try
            {
                c.Prepare(copy);
                var r = asProcesses ? RunProcess(c.Args(copy)) : InProcessCli.Run(null, CaseLimit, c.Args(copy));
                string? problem = Judge(c, copy, r, asProcesses);
                string outcome = problem != null ? "failed" : r.Exit == 0 ? "correct result" : "refused";
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                if (problem != null) failures.Add($"{c}: {problem}\n    {r.ToString().ReplaceLineEndings("\n    ")}");
                if (r.Crash is TimeoutException) Mutations.ReleaseFifos();
            }
            finally
            {
                try { Directory.Delete(copy, recursive: true); } catch (Exception) { }
            }
        }
        log.WriteLine($"{cases.Count} cases in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", outcomes.Select(o => $"{o.Value} {o.Key}"))}");
        foreach (var target in cases.GroupBy(c => c.Target)) log.WriteLine($"  {target.Key}: {target.Count()}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases failed:\n" + string.Join("\n", failures.Take(15)));
    }

    private static string? Judge(FuzzCase c, string copy, InProcessCli.Result r, bool asProcess)
    {
        if (r.Crash is TimeoutException) return "did not end in time";
        if (r.Crash != null) return "an exception escaped (a stack trace for the user)";
        if (r.Err.Contains("   at ", StringComparison.Ordinal) || r.Err.Contains("Unhandled exception", StringComparison.Ordinal)) return "stack trace on stderr";
        if (!asProcess && r.AllocatedBytes > AllocationLimit) return $"allocated {r.AllocatedBytes >> 20} MiB";
        if (r.Exit == 0) return c.Correct(copy, r);
        if (r.Exit != 2) return $"exit code {r.Exit}";
        var errors = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("warning: ") && !l.StartsWith("note: ")).ToArray();
        if (errors.Length != 1 || !errors[0].StartsWith("error: ", StringComparison.Ordinal)) return "not exactly one error line";
        string mention = c.Mention(copy);
        return errors[0].Contains(mention, StringComparison.Ordinal) ? null : $"the error does not name {mention}";
    }

    // A real `sharpformer` process with a 512 MB heap: allocating far more than a case needs ends in an out-of-memory crash.
    private static InProcessCli.Result RunProcess(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sharpformer.Cli.dll"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_GCHeapHardLimit"] = "0x20000000";
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(40)))
        {
            p.Kill(entireProcessTree: true);
            return new InProcessCli.Result(-1, "", "", new TimeoutException(), clock.Elapsed, 0);
        }
        return new InProcessCli.Result(p.ExitCode, stdout.Result, stderr.Result, null, clock.Elapsed, 0);
    }
}

/// <summary>One fuzz case: what to damage in a copy of the run, the command that reads it, and how to judge the outcome.</summary>
internal sealed class FuzzCase
{
    public required string Target { get; init; }
    public required Mutation Mutation { get; init; }

    /// <summary>Damages a fresh copy of the run (rooted at the argument).</summary>
    public required Action<string> Prepare { get; init; }
    public required Func<string, string[]> Args { get; init; }

    /// <summary>Null when an exit code 0 outcome is correct, else what is wrong with it.</summary>
    public required Func<string, InProcessCli.Result, string?> Correct { get; init; }

    /// <summary>What an error line must name (a path, or a checkpoint's name).</summary>
    public required Func<string, string> Mention { get; init; }

    /// <summary>Cases too slow to repeat as processes.</summary>
    public bool InProcessOnly { get; init; }

    /// <summary>The case damages a copy of the RNN run rather than the Transformer run.</summary>
    public bool OnRnnRun { get; init; }

    public override string ToString() => $"[{Target}: {Mutation.Name}]";
}
