using System.CommandLine;

namespace Sharpformer.Cli;

/// <summary>Runs a parsed command line and turns user errors into one line on stderr and exit code 2.</summary>
public static class CliRunner
{
    public static int Run(RootCommand root, string[] args)
    {
        try
        {
            var parsed = root.Parse(args.Length == 0 ? ["--help"] : args);   // no verb: say which there are
            if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
            {
                // The library would print every error and then the whole help text; one line says it all.
                string command = string.Join(' ', parsed.CommandResult.Command.Name == root.Name ? [] : new[] { parsed.CommandResult.Command.Name });
                Console.Error.WriteLine($"error: {string.Join("; ", parsed.Errors.Select(e => e.Message.ReplaceLineEndings(" ").TrimEnd('.')))} "
                    + $"(see: sharpformer {(command.Length > 0 ? command + " " : "")}--help)");
                return 2;
            }
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (UserError(e) is { } message)
        {
            Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
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
        ["TrainSource"] = "--train-src", ["ValidSource"] = "--valid-src", ["TestSource"] = "--test-src",
        ["VocabSize"] = "--vocab-size", ["MaxLength"] = "--max-length", ["Model"] = "--arch",
        ["Model.DModel"] = "--d-model", ["Model.Heads"] = "--heads", ["Model.DFf"] = "--d-ff",
        ["Model.EncoderLayers"] = "--enc-layers", ["Model.DecoderLayers"] = "--dec-layers", ["Model.Dropout"] = "--dropout",
        ["Model.AttentionDropout"] = "--attention-dropout", ["Model.ActivationDropout"] = "--activation-dropout", ["Model.Activation"] = "--activation",
        ["Model.Cell"] = "--cell", ["Model.EmbeddingSize"] = "--embedding-size", ["Model.HiddenSize"] = "--hidden", ["Model.Layers"] = "--layers",
        ["Model.Bidirectional"] = "--bidirectional", ["Model.AttentionSize"] = "--attention-size",
        ["Optimizer.LabelSmoothing"] = "--label-smoothing", ["Optimizer.LrFactor"] = "--lr-factor", ["Optimizer.Warmup"] = "--warmup",
        ["Optimizer.ClipNorm"] = "--clip-norm", ["BatchSentences"] = "--batch-sentences", ["Epochs"] = "--epochs", ["Cooldown"] = "--cooldown", ["Patience"] = "--patience", ["SelectBy"] = "--select-by",
        ["AverageLast"] = "--average-last", ["KeepCheckpoints"] = "--keep-checkpoints", ["CheckpointEverySteps"] = "--checkpoint-every",
        ["ValidBeam"] = "--valid-beam", ["ValidLengthPenalty"] = "--valid-alpha", ["TestBeam"] = "--test-beam", ["TestLengthPenalty"] = "--test-alpha",
        ["Seed"] = "--seed", ["Threads"] = "--threads", ["LogEvery"] = "--log-every", ["MaxMemory"] = "--max-memory",
        ["MaxNonFiniteSteps"] = "--max-nonfinite-steps",
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
        IOException io => io.Message,                                         // a full disk, a vanished drive: the environment, not a bug
        AggregateException { InnerExceptions.Count: 1 } g => UserError(g.InnerExceptions[0]),
        _ => null,
    };
}
