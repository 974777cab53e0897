using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Sharpformer.Tests.Server;

/// <summary>
/// `sharpformer serve` as a user runs it: a child process on 127.0.0.1:0 whose address is read from its
/// output, its memory read from /proc, stopped with SIGTERM as a process manager would.
/// </summary>
public sealed partial class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ServeProcess(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sharpformer.Cli.dll"));
        psi.ArgumentList.Add("serve");
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Line(e.Data);
        _process.ErrorDataReceived += (_, e) => Line(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Line(string? line)
    {
        if (line == null) return;
        lock (_output) _output.AppendLine(line);
        if (ListeningLine().Match(line) is { Success: true } m) _address.TrySetResult(new Uri(m.Groups[1].Value));
        if (line.StartsWith("page: ", StringComparison.Ordinal)) _serving.TrySetResult();
    }

    public int Id => _process.Id;

    /// <summary>Everything the process printed so far.</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>The address it listens on, once its models are loaded.</summary>
    public async Task<Uri> ServingAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_serving.Task, exited, Task.Delay(TimeSpan.FromMinutes(1)));
        Assert.True(first == _serving.Task, "serve did not come up:\n" + Output);
        return await _address.Task;
    }

    /// <summary>Resident and peak resident memory in bytes (VmRSS, VmHWM of /proc/PID/status).</summary>
    public (long Resident, long Peak) Memory()
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status");
        long Kb(string key) => long.Parse(status.First(l => l.StartsWith(key + ":", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return (Kb("VmRSS"), Kb("VmHWM"));
    }

    /// <summary>Sends SIGTERM and waits for the process to end; its exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        Assert.Equal(0, kill(_process.Id, SigTerm));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public Task<int> ExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(new CancellationTokenSource(timeout).Token).ContinueWith(_ => _process.ExitCode);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [GeneratedRegex(@"^listening on (http://\S+)")]
    private static partial Regex ListeningLine();
}
