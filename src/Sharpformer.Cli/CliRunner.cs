using System.CommandLine;

namespace Sharpformer.Cli;

/// <summary>Runs a parsed command line and turns user errors into one line on stderr and exit code 2.</summary>
public static class CliRunner
{
    public static int Run(RootCommand root, string[] args)
    {
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (UserError(e) is { } message)
        {
            Console.Error.WriteLine("error: " + message);
            return 2;
        }
    }

    /// <summary>The command-line flag for each library options field that errors name.</summary>
    private static readonly Dictionary<string, string> FlagForField = new(StringComparer.Ordinal)
    {
        ["OutputDirectory"] = "--out", ["Preset"] = "--preset", ["Last"] = "--last", ["Columns"] = "--columns",
        ["TrainTarget"] = "--train-tgt", ["ValidTarget"] = "--valid-tgt", ["TestTarget"] = "--test-tgt",
        ["MaxMinutes"] = "--max-minutes", ["BatchTokens"] = "--batch-tokens",
        ["Temperature"] = "--temperature", ["TopK"] = "--top-k", ["TopP"] = "--top-p",
        ["WatchSource"] = "--watch", ["WatchTarget"] = "--watch-target",
        ["DModel"] = "--d-model", ["Positions"] = "--positions", ["K"] = "-k", ["Keys"] = "--keys",
        ["Models"] = "--model", ["Urls"] = "--urls", ["MaxSentences"] = "--max-sentences", ["MaxCharacters"] = "--max-chars",
        ["MaxRequestBytes"] = "--max-body-bytes", ["MaxBeam"] = "--max-beam", ["QueueCapacity"] = "--queue", ["RequestTimeout"] = "--timeout",
        ["BatchWindow"] = "--batch-window-ms", ["DecodeWorkers"] = "--workers",
    };

    /// <summary>The one-line message for an error the user can fix, or null for a bug.</summary>
    public static string? UserError(Exception e) => e switch
    {
        UserInputException { Field: { } field } u when FlagForField.TryGetValue(field, out var flag) => $"{flag}: {u.Detail}",
        UserInputException u => u.Message,
        FileNotFoundException f => $"{f.FileName ?? "file"}: file not found",
        DirectoryNotFoundException d => d.Message,
        UnauthorizedAccessException a => a.Message,
        AggregateException { InnerExceptions.Count: 1 } g => UserError(g.InnerExceptions[0]),
        _ => null,
    };
}
