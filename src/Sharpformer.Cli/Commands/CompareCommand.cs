using System.CommandLine;
using Sharpformer.Inference;
using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer compare buckets|positions|tanh</c>: the measurements behind the notes' Transformer-vs-RNN claims, on
/// trained model folders: BLEU by source length, which source positions the decoder depends on, and how a recurrent
/// encoder's state and gradients behave along the sentence. Each prints a table (or JSON) and writes PNG, CSV and JSON.
/// </summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var command = new Command("compare", "Compare trained models on the notes' claims: BLEU by source length, source positions the decoder depends on, the tanh RNN's updates and gradients.");
        command.Subcommands.Add(CompareBucketsCommand.Create());
        command.Subcommands.Add(ComparePositionsCommand.Create());
        command.Subcommands.Add(CompareTanhCommand.Create());
        return command;
    }

    /// <summary>--models (one or more run folders) and --names, shared by the subcommands.</summary>
    internal static Option<string[]> Models() => new("--models", "-m")
    {
        Description = "Training run folders (or model.safetensors beside tokenizer/), one per model compared.", Required = true, AllowMultipleArgumentsPerToken = true,
    };

    internal static Option<string[]> Names() => new("--names")
    {
        Description = "Labels for the models, comma-separated, in the order of --models (default: the folders' names).", AllowMultipleArgumentsPerToken = true,
    };

    internal static Option<string?> Output(string defaultFolder) => new("--out", "-o") { Description = $"Folder for the PNG, CSV and JSON (default: {defaultFolder}/ unless --json)." };

    /// <summary>The folders of --models, each checked to exist, with their labels.</summary>
    internal static (string[] Folders, string[] Labels) ModelFolders(ParseResult r, Option<string[]> models, Option<string[]> names)
    {
        var folders = r.GetValue(models) ?? [];
        if (folders.Length == 0) throw new UserInputException("--models: give at least one model folder");
        foreach (var f in folders)
            if (!Directory.Exists(f)) throw new UserInputException($"--models: folder {f} does not exist");
        return (folders, CompareInputs.Labels(folders, r.GetValue(names)));
    }

    /// <summary>A model as a trainable network's weights (what gradients need), with its tokenizer and recipe defaults.</summary>
    internal static (ITrainableModel Model, SubwordTokenizer Tokenizer, Translator Translator) Load(string folder)
    {
        var translator = Translator.Load(folder);
        var model = translator.Model as ITrainableModel ?? throw new UserInputException($"{folder}: the model cannot be run for training-path measurements");
        return (model, translator.Tokenizer, translator);
    }

    /// <summary>Sources (with EOS, as the translator encodes them) and references (without BOS/EOS) of --src/--ref, at most <paramref name="limit"/> pairs (0: all).</summary>
    internal static (int[][] Sources, int[][] Targets) Encode(SubwordTokenizer tokenizer, ParallelCorpus corpus, int limit)
    {
        var pairs = corpus.Sources.Zip(corpus.Targets).Take(limit > 0 ? limit : int.MaxValue).ToArray();
        return (pairs.Select(p => tokenizer.Encode(p.First, addBos: false, addEos: true)).ToArray(),
            pairs.Select(p => tokenizer.Encode(p.Second, addBos: false, addEos: false)).ToArray());
    }
}
