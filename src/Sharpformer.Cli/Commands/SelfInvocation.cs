using System.Diagnostics;
using System.Reflection;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// Runs this tool again as a child process (same executable, same runtime), for measurements that need a fresh
/// process each: the peak resident set of a process only grows, so one point's peak would hide the next one's.
/// </summary>
public static class SelfInvocation
{
    public sealed record Result(int Exit, string Out, string Err);

    /// <summary>Runs <c>sharpformer <paramref name="args"/></c> in a child process and waits for it.</summary>
    public static Result Run(IEnumerable<string> args)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // launched as `dotnet Sharpformer.Cli.dll`: the child needs the assembly too (an apphost launches itself)
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            psi.ArgumentList.Add(Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("The entry assembly is unknown."));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {host}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
