using System.CommandLine;
using Sharpformer.Cli.Plots;
using Sharpformer.Inspection;
using Sharpformer.Model;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer positions --d-model D [--positions N] [--model DIR] [--out DIR] [--json]</c>: note 000's
/// picture of the positional encoding (the PE matrix and the cosine similarity of every pair of positions)
/// and, with a model, its check of "word-embedding cosine similarity &gt; positional cosine similarity":
/// both distributions printed, plotted and saved.
/// </summary>
public static class PositionsCommand
{
    public static Command Create()
    {
        var dModel = new Option<int?>("--d-model") { Description = "Width of the encoding (default: the model's, else 128)." };
        var positions = new Option<int>("--positions", "-n") { Description = "Positions to draw and compare.", DefaultValueFactory = _ => 64 };
        var model = new Option<string?>("--model", "-m") { Description = "A training run folder: also compare its word embeddings with its position vectors." };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for the PNGs, CSV and positions.json (default: positions/ unless --json)." };
        var json = new Option<bool>("--json") { Description = "Print the numbers as JSON instead of a summary." };
        var command = new Command("positions", "Draw the positional encoding and its cosine similarity; with --model, compare word-embedding and position cosine similarity.")
        {
            dModel, positions, model, output, json,
        };
        command.SetAction(parseResult =>
        {
            int n = parseResult.GetValue(positions);
            string? modelDir = parseResult.GetValue(model);
            using var translator = modelDir == null ? null : EvaluateCommand.LoadTranslator(modelDir);
            var words = translator == null ? null : new EmbeddingTable(translator.Model, translator.Tokenizer);
            int? asked = parseResult.GetValue(dModel);
            if (asked is { } a && words != null && a != words.D)
                throw new UserInputException($"--d-model: {a} differs from the model's d_model {words.D} (leave it out to use the model's)");
            int d = asked ?? words?.D ?? 128;
            var maps = translator?.Model is Transformer t ? PositionMaps.Of(t, n) : PositionMaps.Sinusoidal(d, n);
            var comparison = words == null ? null : EmbeddingComparison.Compare(words, maps);

            string jsonText = PlotFiles.ToJson(new { kind = maps.Kind, d_model = d, positions = n, encoding = maps.Encoding, cosine = maps.Cosine, comparison });
            bool asJson = parseResult.GetValue(json);
            string? folder = parseResult.GetValue(output) ?? (asJson ? null : "positions");
            if (asJson) Console.Out.WriteLine(jsonText);
            else Print(maps, comparison);
            if (folder == null) return 0;

            var files = new List<string>
            {
                PlotFiles.Png(PositionPlots.Matrix(maps), folder, "pe.png", 1000, 620),
                PlotFiles.Png(PositionPlots.Cosine(maps), folder, "pe-cosine.png", 760, 680),
                PlotFiles.WriteCsv(folder, "pe.csv", ["position", .. Enumerable.Range(0, d).Select(i => $"dim{i}")],
                    maps.Encoding.Select((row, p) => new object?[] { p }.Concat(row.Cast<object?>()))),
                PlotFiles.WriteCsv(folder, "pe-cosine.csv", ["position", .. Enumerable.Range(0, n).Select(q => $"pos{q}")],
                    maps.Cosine.Select((row, p) => new object?[] { p }.Concat(row.Cast<object?>()))),
            };
            if (comparison != null)
            {
                files.Add(PlotFiles.Png(PositionPlots.Comparison(comparison, Path.GetFileName(Path.GetFullPath(modelDir!).TrimEnd('/')), d), folder, "cosine-words-vs-positions.png", 1000, 560));
                files.Add(PlotFiles.WriteCsv(folder, "cosine-words-vs-positions.csv", ["cosine_bin_center", "word_pair_share", "position_pair_share"],
                    comparison.WordHistogram.Centers.Select((x, i) => new object?[] { x, comparison.WordHistogram.Fractions[i], comparison.PositionHistogram.Fractions[i] })));
            }
            File.WriteAllText(Path.Combine(folder, "positions.json"), jsonText + "\n");
            if (!asJson) Console.Out.WriteLine($"wrote {string.Join(", ", files.Select(Path.GetFileName))} and positions.json to {Path.GetFullPath(folder)}");
            return 0;
        });
        return command;
    }

    private static void Print(PositionMaps maps, EmbeddingComparison? c)
    {
        int n = maps.Positions;
        var near = Enumerable.Range(0, n - 1).Select(p => (double)maps.Cosine[p][p + 1]).Average();
        Console.Out.WriteLine($"{maps.Kind} position vectors, {n} positions × d_model = {maps.DModel}");
        Console.Out.WriteLine($"  cos(PE[p], PE[p+1]) averages {near:F3}; cos(PE[0], PE[q]) for q = 1, 2, 5, 10, 20: "
            + string.Join(", ", new[] { 1, 2, 5, 10, 20 }.Where(q => q < n).Select(q => maps.Cosine[0][q].ToString("F3"))));
        if (c == null) return;
        Console.Out.WriteLine();
        Console.Out.WriteLine("Note 000: \"word-embedding cosine similarity > positional-embedding cosine similarity\"");
        Console.Out.WriteLine($"  {"",-28} {"word embeddings",18} {"position vectors",18}");
        Row("pairs compared", $"{c.WordPairs.Count:N0}", $"{c.PositionPairs.Count:N0}");
        Row("mean cosine", $"{c.WordPairs.Mean:F3}", $"{c.PositionPairs.Mean:F3}");
        Row("median cosine", $"{c.WordPairs.Median:F3}", $"{c.PositionPairs.Median:F3}");
        Row("5th–95th percentile", $"{c.WordPairs.P05:F3} – {c.WordPairs.P95:F3}", $"{c.PositionPairs.P05:F3} – {c.PositionPairs.P95:F3}");
        Row("nearest neighbour (mean)", $"{c.WordNearest.Mean:F3}", $"{c.PositionNearest.Mean:F3}");
        Row("length as added", $"‖E·√d‖ = {c.MeanScaledWordNorm:F2}", $"‖PE‖ = {c.MeanPositionNorm:F2}");
        string Verdict(double words, double positions) => words > positions ? "holds" : "does not hold";
        Console.Out.WriteLine($"  By the mean over pairs the claim {Verdict(c.WordPairs.Mean, c.PositionPairs.Mean)} for this model "
            + $"({c.WordPairs.Mean:F3} vs {c.PositionPairs.Mean:F3}); by each vector's nearest neighbour it {Verdict(c.WordNearest.Mean, c.PositionNearest.Mean)} "
            + $"({c.WordNearest.Mean:F3} vs {c.PositionNearest.Mean:F3}).");

        static void Row(string what, string words, string positions) => Console.Out.WriteLine($"  {what,-28} {words,18} {positions,18}");
    }
}
