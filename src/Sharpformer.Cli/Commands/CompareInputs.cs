using System.Globalization;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// A training recipe chosen on the command line: its label (the architecture for the four Multi30k de→en recipes, else the
/// preset; and the cell when chosen), the preset's name, the options.
/// </summary>
public sealed record RecipeChoice(string Label, string Preset, TrainingOptions Recipe);

/// <summary>What the measuring verbs (bench, compare, plot --runs) read from their flags: presets, lists, model folders.</summary>
public static class CompareInputs
{
    /// <summary>The Multi30k de→en recipe of each architecture: the four models the comparison trains.</summary>
    public static IReadOnlyDictionary<string, string> Multi30kPreset { get; } = new Dictionary<string, string>
    {
        [Transformer.ArchitectureName] = "multi30k-de-en",
        [RnnConfig.PlainName] = "multi30k-de-en-rnn",
        [RnnConfig.DotName] = "multi30k-de-en-rnn-attn-dot",
        [RnnConfig.AdditiveName] = "multi30k-de-en-rnn-attn-additive",
    };

    /// <summary>
    /// The recipes named by --preset and --arch (an architecture stands for its Multi30k de→en preset), in the order
    /// given, each with the RNN cell of <paramref name="cell"/> when given; <paramref name="fallback"/> when both are empty.
    /// </summary>
    public static IReadOnlyList<RecipeChoice> Recipes(IEnumerable<string> presets, IEnumerable<string> architectures,
        string? cell, IReadOnlyList<string> fallback)
    {
        var names = presets.SelectMany(Split).ToList();
        foreach (var arch in architectures.SelectMany(Split))
            names.Add(Multi30kPreset.TryGetValue(arch, out var preset) ? preset
                : throw new UserInputException($"--arch: unknown architecture '{arch}' (known: {string.Join(", ", Multi30kPreset.Keys)})"));
        if (names.Count == 0) names.AddRange(fallback);
        var kind = cell == null ? (RecurrentCellKind?)null : ParseCell(cell);
        return names.Distinct().Select(name =>
        {
            if (!Presets.Names.Contains(name)) throw new UserInputException($"--preset: unknown preset '{name}' (known: {string.Join(", ", Presets.Names)})");
            var recipe = Presets.Get(name, "data");                                // paths are not read: only the model and optimiser are used
            if (kind is { } k)
                recipe = recipe with
                {
                    Model = recipe.Model is RnnConfig r ? r with { Cell = k } : throw new UserInputException($"--cell: applies to the RNN architectures, not to {name} ({recipe.Model.Architecture})"),
                };
            // the four comparison recipes go by their architecture's name
            string label = Multi30kPreset.FirstOrDefault(p => p.Value == name).Key ?? name;
            return new RecipeChoice(kind is { } c ? $"{label}, {c.ToString().ToLowerInvariant()} cell" : label, name, recipe);
        }).ToArray();
    }

    /// <summary>The model of <paramref name="recipe"/> with the vocabulary size the recipe's tokenizer would have.</summary>
    public static ModelConfig ModelOf(TrainingOptions recipe) =>
        recipe.Model.WithTokens(recipe.Model.Tokens with { VocabSize = recipe.VocabSize }).Validate();

    public static RecurrentCellKind ParseCell(string value) => value.Trim().ToLowerInvariant() switch
    {
        "gru" => RecurrentCellKind.Gru,
        "lstm" => RecurrentCellKind.Lstm,
        "rnn" or "tanh" => RecurrentCellKind.Rnn,
        _ => throw new UserInputException($"--cell: expected gru, lstm or rnn, got '{value}'"),
    };

    /// <summary>"16,32,64" (or given several times) → the positive integers, in order; a one-line error naming <paramref name="flag"/>.</summary>
    public static int[] IntList(IEnumerable<string> values, string flag)
    {
        var numbers = new List<int>();
        foreach (var item in values.SelectMany(Split))
            numbers.Add(int.TryParse(item, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
                ? n : throw new UserInputException($"{flag}: expected positive whole numbers separated by commas, got '{item}'"));
        if (numbers.Count == 0) throw new UserInputException($"{flag}: give at least one number");
        return numbers.ToArray();
    }

    /// <summary>A label for each folder: its name, or the name given in --names; duplicates get their position appended.</summary>
    public static string[] Labels(IReadOnlyList<string> folders, IEnumerable<string>? names)
    {
        var given = names?.SelectMany(Split).ToArray() ?? [];
        if (given.Length > 0 && given.Length != folders.Count)
            throw new UserInputException($"--names: {given.Length} name(s) for {folders.Count} folder(s)");
        var labels = given.Length > 0 ? given : folders.Select(f => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(f)))).ToArray();
        return labels.Select((l, i) => labels.Count(x => x == l) > 1 ? $"{l} ({i + 1})" : l).ToArray();
    }

    private static IEnumerable<string> Split(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
