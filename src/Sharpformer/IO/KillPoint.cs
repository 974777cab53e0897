using System.Diagnostics;

namespace Sharpformer.IO;

/// <summary>
/// Crash testing of whole processes: with <c>SHARPFORMER_FAULT_KILL_AT=&lt;point&gt;:&lt;n&gt;</c> in the environment,
/// the process kills itself with SIGKILL (no handler runs, nothing is flushed) the n-th time it reaches the
/// named point of a durable write ("flushed", "renamed", "synced", "moved-aside", "moved-in", "old-deleted",
/// "checkpoint-staged"). Unset, it does nothing. It lets a test place a kill inside a checkpoint write,
/// which a kill at a random moment would hit only by luck.
/// </summary>
internal static class KillPoint
{
    public const string Variable = "SHARPFORMER_FAULT_KILL_AT";

    private static readonly (string Point, int Count)? Plan = Parse(Environment.GetEnvironmentVariable(Variable));
    private static int _reached;

    public static void Reached(string point)
    {
        if (Plan is { } plan && plan.Point == point && Interlocked.Increment(ref _reached) == plan.Count)
            Process.GetCurrentProcess().Kill();
    }

    private static (string, int)? Parse(string? text)
    {
        int colon = text?.LastIndexOf(':') ?? -1;
        return colon > 0 && int.TryParse(text![(colon + 1)..], out int count) && count > 0 ? (text[..colon], count) : null;
    }
}
