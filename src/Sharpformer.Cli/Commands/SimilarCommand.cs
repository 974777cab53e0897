using System.CommandLine;
using Sharpformer.Cli.Plots;
using Sharpformer.Inspection;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer similar --model DIR WORD... [-k 10] [--plot WORD...] [--out DIR] [--json]</c>: the pieces
/// nearest to each word by cosine similarity of the model's shared embedding, and a 2-D PCA map of chosen words.
/// </summary>
public static class SimilarCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A training run folder.", Required = true };
        var words = new Argument<string[]>("WORD") { Description = "Words (or pieces such as ▁Hund) to find neighbours of.", Arity = ArgumentArity.ZeroOrMore };
        var k = new Option<int>("-k") { Description = "Neighbours per word.", DefaultValueFactory = _ => 10 };
        var plot = new Option<string[]>("--plot") { Description = "Draw these words on a 2-D PCA map of their embeddings.", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for similar.png and its CSV/JSON (default: similar/)." };
        var json = new Option<bool>("--json") { Description = "Print the neighbours (and map coordinates) as JSON." };
        var command = new Command("similar", "Nearest subword pieces by cosine similarity of the shared embedding; --plot draws a PCA map of chosen words.")
        {
            model, words, k, plot, output, json,
        };
        command.SetAction(parseResult =>
        {
            var query = parseResult.GetValue(words) ?? [];
            var mapWords = parseResult.GetValue(plot) ?? [];
            if (query.Length == 0 && mapWords.Length == 0) throw new UserInputException("WORD: give at least one word, or --plot WORD...");
            if (mapWords.Length == 1) throw new UserInputException("--plot: a map needs at least 2 words");
            using var translator = EvaluateCommand.LoadTranslator(parseResult.GetValue(model)!);
            var table = new EmbeddingTable(translator.Model, translator.Tokenizer);
            int count = parseResult.GetValue(k);

            var lists = query.Select(w =>
            {
                var vector = table.Vector(w);
                return new { word = w, pieces = vector.Pieces, neighbours = table.Nearest(vector.Vector, count, vector.Ids.Length == 1 ? vector.Ids : null) };
            }).ToArray();
            var map = mapWords.Length >= 2 ? Map(table, mapWords) : null;

            bool asJson = parseResult.GetValue(json);
            if (asJson) Console.Out.WriteLine(PlotFiles.ToJson(new { embedding = table.Name, lists, map }));
            else
                foreach (var list in lists)
                {
                    string how = list.pieces.Length == 1 ? list.pieces[0] : $"mean of {list.pieces.Length} pieces: {string.Join(" ", list.pieces)}";
                    Console.Out.WriteLine($"{list.word} ({how})");
                    foreach (var n in list.neighbours) Console.Out.WriteLine($"  {n.Cosine,7:F3}  {n.Piece}");
                }
            if (map == null) return 0;
            string folder = parseResult.GetValue(output) ?? "similar";
            string png = PlotFiles.Png(EmbeddingPlots.PcaMap(map.Words, map.Pca, table.Name, table.D), folder, "similar.png", 900, 720);
            PlotFiles.WriteCsv(folder, "similar.csv", ["word", "pieces", "pc1", "pc2"],
                map.Words.Select((w, i) => new object?[] { w.Word, string.Join(" ", w.Pieces), map.Pca.Coordinates[i][0], map.Pca.Coordinates[i].ElementAtOrDefault(1) }));
            PlotFiles.WriteJson(folder, "similar.json", new { embedding = table.Name, map });
            if (!asJson) Console.Out.WriteLine($"wrote {Path.GetFileName(png)}, similar.csv and similar.json to {Path.GetFullPath(folder)}");
            return 0;
        });
        return command;
    }

    /// <summary>The words' vectors and their principal components.</summary>
    public sealed record WordMap(IReadOnlyList<WordVector> Words, Pca Pca);

    private static WordMap Map(EmbeddingTable table, IReadOnlyList<string> words)
    {
        var vectors = words.Select(table.Vector).ToArray();
        return new WordMap(vectors, Pca.Fit(vectors.Select(v => v.Vector).ToArray()));
    }
}
