using System.CommandLine;
using System.Globalization;
using System.Text;
using Sharpformer.Analysis;
using Sharpformer.Cli.Plots;
using Sharpformer.Text;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer compare positions --models A B … --src F --ref F [--bins 10]</c>: which source positions each model's
/// decoder depends on while it reads the reference, by relative position in the sentence: the gradient saliency
/// ‖∂ log p(y|x)/∂x_j‖ for every model, and the attention mass for the attentional ones
/// (<see cref="SourceDependence"/>, binned by <see cref="PositionProfile"/>). Does the model without attention follow the
/// end of the sentence, as note 002 says?
/// </summary>
public static class ComparePositionsCommand
{
    public sealed record ModelProfile(string Name, string Folder, string Architecture, PositionProfile Gradient, PositionProfile? Attention);

    public sealed record Report(string Source, string Reference, int Sentences, int Bins, IReadOnlyList<ModelProfile> Models);

    public static Command Create()
    {
        var models = CompareCommand.Models();
        var names = CompareCommand.Names();
        var src = new Option<string>("--src") { Description = "Source sentences (e.g. the validation set), one per line.", Required = true };
        var reference = new Option<string>("--ref") { Description = "Their references, line-aligned: the decoder reads these (teacher forcing).", Required = true };
        var bins = new Option<int>("--bins") { Description = "Bins of relative source position (0 = first word, 1 = last word; EOS apart).", DefaultValueFactory = _ => 10 };
        var limit = new Option<int>("--limit") { Description = "Use only the first N pairs (0 = all).", DefaultValueFactory = _ => 0 };
        var batchTokens = new Option<int>("--batch-tokens") { Description = "Source plus target tokens per batch.", DefaultValueFactory = _ => 2048 };
        var output = CompareCommand.Output("positions");
        var json = new Option<bool>("--json") { Description = "Print the profiles as one JSON object." };
        var command = new Command("positions", "Which source positions the decoder depends on (gradient saliency; attention mass) by relative position, one line per model.")
        {
            models, names, src, reference, bins, limit, batchTokens, output, json,
        };
        command.SetAction(r =>
        {
            var (folders, labels) = CompareCommand.ModelFolders(r, models, names);
            int binCount = r.GetValue(bins), first = r.GetValue(limit), budget = r.GetValue(batchTokens);
            if (binCount < 1) throw new UserInputException($"--bins: must be at least 1, got {binCount}");
            if (first < 0) throw new UserInputException($"--limit: must be 0 (all) or positive, got {first}");
            if (budget < 1) throw new UserInputException($"--batch-tokens: must be positive, got {budget}");
            var corpus = ParallelCorpus.ReadTextFiles(r.GetValue(src)!, r.GetValue(reference)!);
            var profiles = new List<ModelProfile>();
            int sentences = 0;
            for (int m = 0; m < folders.Length; m++)
            {
                var (model, tokenizer, translator) = CompareCommand.Load(folders[m]);
                using (translator)
                {
                    var (sources, targets) = CompareCommand.Encode(tokenizer, corpus, first);
                    sentences = sources.Length;
                    Console.Error.WriteLine($"{labels[m]}: gradients of log p(reference) over {sources.Length:N0} sentences…");
                    var gradient = PositionProfile.Of(SourceDependence.GradientNorms(model, sources, targets, budget), binCount);
                    var mass = SourceDependence.AttentionMass(model, sources, targets, budget);
                    profiles.Add(new ModelProfile(labels[m], folders[m], model.Architecture, gradient, mass == null ? null : PositionProfile.Of(mass, binCount)));
                }
            }
            var report = new Report(corpus.SourcePath, corpus.TargetPath, sentences, binCount, profiles);
            FigureOutput.From(r, json, output, "positions").Print(report, Table(report), folder =>
            [
                PlotFiles.Png(SourceDependencePlots.Figure(report), folder, "positions.png", 1600, 650),
                PlotFiles.WriteJson(folder, "positions.json", report),
                PlotFiles.WriteCsv(folder, "positions.csv", ["model", "architecture", "measure", "bin", "centre", "density", "share", "mean_value", "sentences"],
                    profiles.SelectMany(p => Rows(p, "gradient", p.Gradient).Concat(p.Attention == null ? [] : Rows(p, "attention", p.Attention)))),
            ]);
            return 0;
        });
        return command;
    }

    private static IEnumerable<object?[]> Rows(ModelProfile p, string measure, PositionProfile profile) =>
        Enumerable.Range(0, profile.Bins).Select(k => new object?[]
            { p.Name, p.Architecture, measure, k, profile.Centre(k), profile.Density[k], profile.Share[k], profile.MeanValue[k], profile.Sentences[k] })
        .Append([p.Name, p.Architecture, measure, "eos", 1.0, null, profile.EosShare, null, profile.SentenceCount]);

    /// <summary>Per measure, one row per bin of relative position with each model's density (1 = an even spread), then the EOS share.</summary>
    public static string Table(Report report)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"Which source positions the decoder depends on ({report.Sentences:N0} pairs of {Path.GetFileName(report.Source)}, references read by teacher forcing)");
        sb.AppendLine("density per bin of relative position: the bin's part of the total over the words ÷ its part of the words (1 = even spread; EOS apart)");
        foreach (var (title, pick) in new (string, Func<ModelProfile, PositionProfile?>)[]
        {
            ("gradient saliency ‖∂ log p(y|x) / ∂x_j‖", p => p.Gradient),
            ("attention mass (cross-attention, mean over target steps, layers and heads)", p => p.Attention),
        })
        {
            var shown = report.Models.Where(m => pick(m) != null).ToArray();
            if (shown.Length == 0) continue;
            int width = Math.Max(10, shown.Max(m => m.Name.Length));
            sb.AppendLine().AppendLine(title);
            sb.Append(inv, $"{"position",-10}");
            foreach (var m in shown) sb.Append(' ').Append(m.Name.PadLeft(width));
            sb.AppendLine();
            for (int k = 0; k < report.Bins; k++)
            {
                sb.Append(string.Create(inv, $"{(double)k / report.Bins:F2}–{(double)(k + 1) / report.Bins:F2}").PadRight(10));
                foreach (var m in shown) sb.Append(' ').Append(pick(m)!.Density[k].ToString("F2", inv).PadLeft(width));
                sb.AppendLine();
            }
            sb.Append("EOS share ");
            foreach (var m in shown) sb.Append(' ').Append(pick(m)!.EosShare.ToString("P1", inv).PadLeft(width));
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
