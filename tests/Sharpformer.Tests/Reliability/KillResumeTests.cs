using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Sharpformer.Tests.Pipeline;
using Xunit.Abstractions;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// Training killed with SIGKILL at random moments, some of them inside a checkpoint write, and resumed
/// each time ends with exactly the weights of a run that was never interrupted.
/// </summary>
public sealed partial class KillResumeTests(ITestOutputHelper log) : IDisposable
{
    private readonly TinyRun _tiny = new(trainPairs: 150, validPairs: 10);

    public void Dispose() => _tiny.Dispose();

    private ProcessStartInfo Train(string output, bool resume, string? killAt = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sharpformer.Cli.dll"));
        foreach (string a in TinyTrainArgs.For(_tiny, output, "--epochs", "4", "--batch-tokens", "200", "--average-last", "3", "--keep-checkpoints", "3",
            "--checkpoint-every", "4", "--seed", "3", "--log-every", "1")) psi.ArgumentList.Add(a);
        if (resume) psi.ArgumentList.Add("--resume");
        if (killAt != null) psi.Environment["SHARPFORMER_FAULT_KILL_AT"] = killAt;
        return psi;
    }

    /// <summary>
    /// Runs the process to its end, or SIGKILLs it (no handler runs, nothing is flushed) after <paramref name="killAfter"/>
    /// or as soon as its progress shows step <paramref name="killAtStep"/> (the step may be mid-way through a checkpoint write).
    /// </summary>
    private static (int Exit, string Out, string Err) RunToEnd(ProcessStartInfo psi, TimeSpan? killAfter = null, long? killAtStep = null)
    {
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        var stderr = p.StandardError.ReadToEndAsync();
        var watcher = Task.Run(() =>
        {
            for (string? line; (line = p.StandardOutput.ReadLine()) != null;)
            {
                output.AppendLine(line);
                if (killAtStep is { } target && StepLine().Match(line) is { Success: true } m && long.Parse(m.Groups[1].Value) >= target)
                    try { p.Kill(); } catch (InvalidOperationException) { }       // it ended meanwhile
            }
        });
        if (killAfter is { } delay && !p.WaitForExit(delay)) p.Kill();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(); throw new TimeoutException("training did not end"); }
        watcher.Wait();
        return (p.ExitCode, output.ToString(), stderr.Result);
    }

    [GeneratedRegex(@"\bstep\s+(\d+)\s+loss")]
    private static partial Regex StepLine();

    [Fact]
    public void A_run_killed_again_and_again_resumes_to_the_same_weights_as_an_uninterrupted_one()
    {
        string reference = _tiny.RunDir("uninterrupted"), killed = _tiny.RunDir("killed");
        var clock = Stopwatch.StartNew();
        var uninterrupted = RunToEnd(Train(reference, resume: false));
        Assert.True(uninterrupted.Exit == 0, uninterrupted.Err + uninterrupted.Out);
        log.WriteLine($"uninterrupted: {clock.Elapsed.TotalSeconds:F1} s");

        long steps = StepLine().Matches(uninterrupted.Out).Max(m => long.Parse(m.Groups[1].Value));

        // Kills inside checkpoint writes (the fault point is reached, then the process kills itself), two at random
        // moments of the start, then at random steps: each a little later than the last, so every resume has work left.
        var random = new Random(2024);
        int kills = 0, randomKills = 0;
        bool started = false;
        var outputs = new List<string>();
        int Launch(string? killAt = null, double? delay = null, long? atStep = null)
        {
            var r = RunToEnd(Train(killed, resume: started, killAt), delay is { } d ? TimeSpan.FromSeconds(d) : null, atStep);
            started = true;
            outputs.Add(r.Out);
            log.WriteLine($"{killAt ?? (delay != null ? $"after {delay:F2} s" : $"at step {atStep}")}: exit {r.Exit}; {r.Out.Split('\n').LastOrDefault(l => l.Contains("Resum")) ?? ""}");
            if (r.Exit == 137) kills++;
            else Assert.True(r.Exit == 0, $"exit {r.Exit}: {r.Err}");
            return r.Exit;
        }
        foreach (string killAt in new[] { "checkpoint-staged:2", "flushed:9", "moved-in:3" })
            Assert.True(Launch(killAt) == 137, $"the fault point {killAt} was never reached");
        for (int i = 0; i < 2; i++)
            if (Launch(delay: 0.2 + 0.5 * random.NextDouble()) == 137) randomKills++;
        foreach (long step in Enumerable.Range(0, 5).Select(_ => (long)random.Next(12, (int)steps - 4)).Order())
            if (Launch(atStep: step) == 137) randomKills++;
        Assert.True(randomKills >= 5 && kills >= 8, $"only {randomKills} random kills ({kills} in all) in a run of {steps} steps");
        Assert.Contains(outputs, o => o.Contains("left by an interrupted"));   // a kill landed inside a write, and the next start cleaned up
        var last = RunToEnd(Train(killed, resume: true));
        Assert.True(last.Exit == 0, last.Err + last.Out);

        foreach (string file in new[] { "model.safetensors", "best.safetensors" })
            Assert.True(File.ReadAllBytes(Path.Combine(reference, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(killed, file))),
                $"{file} differs from the uninterrupted run's");
        string[] Checkpoints(string run) => Directory.GetDirectories(Path.Combine(run, "checkpoints")).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(Checkpoints(reference), Checkpoints(killed));
        foreach (string checkpoint in Checkpoints(reference))
            foreach (string file in new[] { "model.safetensors", "optimizer.safetensors" })
                Assert.True(File.ReadAllBytes(Path.Combine(reference, "checkpoints", checkpoint, file)).AsSpan()
                    .SequenceEqual(File.ReadAllBytes(Path.Combine(killed, "checkpoints", checkpoint, file))), $"{checkpoint}/{file} differs");
    }
}
