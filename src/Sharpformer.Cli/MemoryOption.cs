using System.CommandLine;

namespace Sharpformer.Cli;

/// <summary>
/// <c>--max-memory SIZE</c> for verbs that load a model: the limit its config's memory estimate is checked
/// against before anything is allocated (default: 75 % of this machine's memory).
/// </summary>
public sealed class MemoryOption
{
    private readonly Option<string?> _option = new("--max-memory")
    {
        Description = "Refuse a model needing more memory than this, e.g. 8G or 512M (default: 75% of this machine's memory).",
    };

    public void AddTo(Command command) => command.Options.Add(_option);

    /// <summary>Sets the process's model-loading limit from the option (the default when not given).</summary>
    public void Apply(ParseResult result) =>
        MemoryLimit.Current = result.GetValue(_option) is { } text ? MemoryLimit.Parse(text, "--max-memory") : 0;
}
