namespace Sharpformer.Cli;

/// <summary>
/// The byte streams verbs read their input from and write their results to: the process's standard
/// input and output, unless a caller running the CLI in-process (a test) substitutes its own for the
/// current async flow. Errors and warnings go to <see cref="Console.Error"/>, which such a caller redirects.
/// </summary>
public static class StandardStreams
{
    private static readonly AsyncLocal<Stream?> InputOverride = new();
    private static readonly AsyncLocal<Stream?> OutputOverride = new();

    /// <summary>Standard input (or the substitute).</summary>
    public static Stream OpenInput() => InputOverride.Value ?? Console.OpenStandardInput();

    /// <summary>Standard output (or the substitute).</summary>
    public static Stream OpenOutput() => OutputOverride.Value ?? Console.OpenStandardOutput();

    /// <summary>Makes <see cref="OpenInput"/> and <see cref="OpenOutput"/> return these streams in the current flow until disposed.</summary>
    public static IDisposable Substitute(Stream input, Stream output)
    {
        InputOverride.Value = input;
        OutputOverride.Value = output;
        return new Restore();
    }

    private sealed class Restore : IDisposable
    {
        public void Dispose()
        {
            InputOverride.Value = null;
            OutputOverride.Value = null;
        }
    }
}
