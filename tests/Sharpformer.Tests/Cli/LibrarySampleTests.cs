using System.Diagnostics;
using Sharpformer.Tests.Pipeline;

namespace Sharpformer.Tests.Cli;

/// <summary>
/// samples/TrainAndTranslate, a user's program on the library API, is built with the solution and run
/// here on tiny data: it trains, loads the run with Translator.Load and translates, and its translation
/// equals what the `sharpformer translate` verb gives for the same folder.
/// </summary>
public sealed class LibrarySampleTests
{
    [Fact]
    public void The_library_sample_trains_and_translates_like_the_cli()
    {
        using var tiny = new TinyRun();
        string output = tiny.RunDir("sample");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TrainAndTranslate.dll"));
        psi.ArgumentList.Add(tiny.Root);
        psi.ArgumentList.Add(output);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "the sample did not finish in 3 minutes");
        Assert.True(p.ExitCode == 0, stderr.Result);

        var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("trained ", lines[0]);
        Assert.Equal(1 + 1 + 2 + 4, lines.Length);             // summary, one sentence, a batch of two, 2 × 2-best
        var cli = CliProcess.Run("Ein Hund läuft über die Wiese.\nZwei Männer spielen Fußball.\nEine Frau liest ein Buch.\n", "translate", "--model", output);
        Assert.True(cli.Exit == 0, cli.Err);
        Assert.Equal(cli.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), lines[1..4]);
        Assert.Equal(lines[2], lines[4].Split('\t')[1]);         // the first of the 2-best is the 1-best
    }
}
