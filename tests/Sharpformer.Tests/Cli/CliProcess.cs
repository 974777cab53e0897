using System.Diagnostics;

namespace Sharpformer.Tests.Cli;

/// <summary>Runs the real `sharpformer` program (the built Sharpformer.Cli.dll) as a child process.</summary>
public static class CliProcess
{
    public sealed record Result(int Exit, string Out, string Err);

    public static Result Run(string? stdin, params string[] args) => Run(stdin, null, [], args);

    /// <summary>Runs with <paramref name="stdin"/> as raw bytes (e.g. invalid UTF-8).</summary>
    public static Result RunWithBytes(byte[] stdin, params string[] args) => Run(null, stdin, [], args);

    /// <summary>Runs with extra environment variables ("NAME=value") set for the child.</summary>
    public static Result RunWithEnvironment(string? stdin, string[] environment, params string[] args) => Run(stdin, null, environment, args);

    private static Result Run(string? stdin, byte[]? stdinBytes, string[] environment, string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Sharpformer.Cli.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var e in environment) psi.Environment[e[..e.IndexOf('=')]] = e[(e.IndexOf('=') + 1)..];
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null) p.StandardInput.Write(stdin);
        if (stdinBytes != null) p.StandardInput.BaseStream.Write(stdinBytes);
        p.StandardInput.Close();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(entireProcessTree: true); throw new TimeoutException("sharpformer " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
