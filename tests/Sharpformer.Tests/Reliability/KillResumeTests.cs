using System.Diagnostics;
using Sharpformer.Tests.Pipeline;
using Xunit.Abstractions;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// Training killed with SIGKILL at random moments, some of them inside a checkpoint write, and resumed
/// each time ends with exactly the weights of a run that was never interrupted.
/// </summary>
public sealed class KillResumeTests(ITestOutputHelper log) : IDisposable
{
    private readonly TinyRun _tiny = new(trainPairs: 150, validPairs: 10);

    public void Dispose() => _tiny.Dispose();

    private ProcessStartInfo Train(string output, bool resume, string? killAt = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sharpformer.Cli.dll"));
        foreach (string a in TinyTrainArgs.For(_tiny, output, "--epochs", "4", "--batch-tokens", "200", "--average-last", "3", "--keep-checkpoints", "3",
            "--checkpoint-every", "4", "--seed", "3")) psi.ArgumentList.Add(a);
        if (resume) psi.ArgumentList.Add("--resume");
        if (killAt != null) psi.Environment["SHARPFORMER_FAULT_KILL_AT"] = killAt;
        return psi;
    }

    private static (int Exit, string Out, string Err) RunToEnd(ProcessStartInfo psi, TimeSpan? killAfter = null)
    {
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (killAfter is { } delay && !p.WaitForExit(delay)) p.Kill();      // SIGKILL: no handler runs, nothing is flushed
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(); throw new TimeoutException("training did not end"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void A_run_killed_again_and_again_resumes_to_the_same_weights_as_an_uninterrupted_one()
    {
        string reference = _tiny.RunDir("uninterrupted"), killed = _tiny.RunDir("killed");
        var clock = Stopwatch.StartNew();
        var uninterrupted = RunToEnd(Train(reference, resume: false));
        Assert.True(uninterrupted.Exit == 0, uninterrupted.Err + uninterrupted.Out);
        log.WriteLine($"uninterrupted: {clock.Elapsed.TotalSeconds:F1} s");

        // Kills inside checkpoint writes (the fault point is reached, then the process kills itself), then at random moments.
        var random = new Random(2024);
        int kills = 0, randomKills = 0;
        bool started = false;
        var outputs = new List<string>();
        (int Exit, string Out, string Err) Launch(string? killAt, double delay)
        {
            var r = RunToEnd(Train(killed, resume: started, killAt), killAt == null ? TimeSpan.FromSeconds(delay) : null);
            started = true;
            outputs.Add(r.Out);
            log.WriteLine($"{(killAt ?? $"after {delay:F2} s")}: exit {r.Exit}; {r.Out.Split('\n').LastOrDefault(l => l.Contains("Resum")) ?? ""}");
            if (r.Exit == 137) kills++;
            else Assert.True(r.Exit == 0, $"exit {r.Exit}: {r.Err}");       // a run that ended before its kill
            return r;
        }
        foreach (string killAt in new[] { "checkpoint-staged:2", "flushed:9", "moved-in:3" })
            Assert.True(Launch(killAt, 0).Exit == 137, $"the fault point {killAt} was never reached");
        for (int attempt = 0; randomKills < 5 && attempt < 15; attempt++)
            if (Launch(null, 0.4 + 0.8 * random.NextDouble()).Exit == 137) randomKills++;
        Assert.True(randomKills >= 5 && kills >= 8, $"only {randomKills} random kills ({kills} in all)");
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
