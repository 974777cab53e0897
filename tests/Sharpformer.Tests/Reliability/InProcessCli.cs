using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Sharpformer.Cli;
using Sharpformer.Cli.Commands;
using Sharpformer.Tests.Evaluation;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// Runs a `sharpformer` command line in this process, as Program.cs does, with stdin, stdout and stderr
/// captured, under a time limit, measuring the bytes it allocated. Console redirection is process-wide,
/// so test classes using it belong to <see cref="EvaluationConsoleCollection"/> (never run alongside others).
/// </summary>
internal static class InProcessCli
{
    /// <summary>
    /// What a run did. <see cref="Crash"/> is an exception that escaped the CLI's error handling (a user
    /// would have seen a stack trace) or a <see cref="TimeoutException"/> when it did not end in time.
    /// </summary>
    public sealed record Result(int Exit, string Out, string Err, Exception? Crash, TimeSpan Elapsed, long AllocatedBytes)
    {
        public override string ToString() =>
            $"exit {Exit}, {Elapsed.TotalSeconds:F1} s, {AllocatedBytes >> 20} MiB allocated\nstderr: {Err}\nstdout: {Out[..Math.Min(Out.Length, 2000)]}"
            + (Crash != null ? $"\ncrash: {Crash}" : "");
    }

    public static Result Run(string? stdin, params string[] args) => Run(stdin, TimeSpan.FromSeconds(60), args);

    public static Result Run(string? stdin, TimeSpan limit, params string[] args) => RunBytes(Encoding.UTF8.GetBytes(stdin ?? ""), limit, args);

    /// <summary>Runs with raw bytes on standard input (which need not be valid UTF-8).</summary>
    public static Result RunBytes(byte[] stdin, TimeSpan limit, params string[] args)
    {
        var root = new RootCommand("in-process sharpformer");
        foreach (Command command in CommandCatalog.All()) root.Subcommands.Add(command);
        var stdout = new MemoryStream();
        var input = new MemoryStream(stdin);
        var consoleOut = new StringWriter();
        var consoleErr = new StringWriter();
        TextWriter oldOut = Console.Out, oldErr = Console.Error;
        int exit = -1;
        Exception? crash = null;
        long before = GC.GetTotalAllocatedBytes(precise: false);
        var clock = Stopwatch.StartNew();
        var worker = new Thread(() =>
        {
            using var streams = StandardStreams.Substitute(input, stdout);
            try { exit = CliRunner.Run(root, args); }
            catch (Exception e) { crash = e; }
        }, 256 << 20);
        Console.SetOut(consoleOut);
        Console.SetError(consoleErr);
        try
        {
            worker.Start();
            if (!worker.Join(limit)) crash = new TimeoutException($"sharpformer {string.Join(' ', args)} did not end within {limit.TotalSeconds} s");
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: false) - before;
        string output = Encoding.UTF8.GetString(stdout.ToArray()) + consoleOut;
        return new Result(exit, output, consoleErr.ToString(), crash, clock.Elapsed, allocated);
    }
}
