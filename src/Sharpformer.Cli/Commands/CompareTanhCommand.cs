using System.CommandLine;
using System.Globalization;
using System.Text;
using Sharpformer.Analysis;
using Sharpformer.Cli.Plots;
using Sharpformer.Model;
using Sharpformer.Text;
using Sharpformer.Training;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer compare tanh --model DIR --src F [--ref F] [--weights trained|initial|both]</c>: note 002's two claims about
/// a vanilla (tanh) RNN, measured on the model's encoder over real sentences (<see cref="RecurrenceDynamics"/>): how far
/// each step moves the state, ‖h_t − h_{t−1}‖, against the step t; and how large the gradient that reaches h_t from the end
/// is, ‖∂f/∂h_t‖, against the distance from the last step. With the trained weights, the initial ones (same config and
/// seed as the run began with), or both side by side.
/// </summary>
public static class CompareTanhCommand
{
    /// <summary>The statistics of one set of weights: per step t = 1, 2, … and per distance d = 0, 1, … from the end.</summary>
    public sealed record Series(string Weights, IReadOnlyList<StepStatistics> Updates, IReadOnlyList<StepStatistics> StateNorms, IReadOnlyList<StepStatistics> Gradients);

    public sealed record Report(string Model, string Architecture, string Cell, int Layer, string Direction, RecurrenceGradientOf GradientOf,
        int HiddenSize, int Sentences, IReadOnlyList<Series> Series);

    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "An RNN training run folder (a vanilla RNN, --cell rnn, for the tanh claim; other cells are measured alike).", Required = true };
        var src = new Option<string>("--src") { Description = "Source sentences (e.g. the validation set), one per line.", Required = true };
        var reference = new Option<string?>("--ref") { Description = "References, line-aligned with --src (needed with --of loss)." };
        var weights = new Option<string>("--weights") { Description = "trained, initial (the run's initial weights: same config and seed) or both.", DefaultValueFactory = _ => "both" };
        weights.AcceptOnlyFromAmong("trained", "initial", "both");
        var of = new Option<string>("--of") { Description = "What the gradient is of: final-state (Σ h_n, carried back only by the recurrence) or loss (log p of the reference).", DefaultValueFactory = _ => "final-state" };
        of.AcceptOnlyFromAmong("final-state", "loss");
        var layer = new Option<int>("--layer") { Description = "Encoder layer, from 0.", DefaultValueFactory = _ => 0 };
        var reverse = new Option<bool>("--reverse") { Description = "A bidirectional encoder's reverse direction (steps then run from the last word to the first)." };
        var limit = new Option<int>("--limit") { Description = "Use only the first N sentences (0 = all).", DefaultValueFactory = _ => 0 };
        var minSentences = new Option<int>("--min-sentences") { Description = "Report a step or distance only when at least this many sentences reach it.", DefaultValueFactory = _ => 10 };
        var output = CompareCommand.Output("tanh");
        var json = new Option<bool>("--json") { Description = "Print the statistics as one JSON object." };
        var command = new Command("tanh", "A recurrent encoder's state updates ‖h_t − h_(t−1)‖ along the sentence and the gradient reaching h_t from the end (note 002's tanh claim).")
        {
            model, src, reference, weights, of, layer, reverse, limit, minSentences, output, json,
        };
        command.SetAction(r =>
        {
            string folder = r.GetValue(model)!;
            var (loaded, tokenizer, translator) = CompareCommand.Load(folder);
            using var _ = translator;
            var rnn = loaded as RnnSeq2Seq ?? throw new UserInputException($"--model: {folder} holds a {loaded.Architecture} model; the tanh claim is about a recurrent encoder (train one with --arch rnn --cell rnn)");
            if (rnn.Config.Cell != Layers.Recurrent.RecurrentCellKind.Rnn)
                Console.Error.WriteLine($"note: {folder} has {rnn.Config.Cell.ToString().ToUpperInvariant()} cells; note 002's claim is about the vanilla tanh RNN (--cell rnn), but the same norms are measured");
            var gradientOf = r.GetValue(of) == "loss" ? RecurrenceGradientOf.Loss : RecurrenceGradientOf.FinalStateSum;
            string? refPath = r.GetValue(reference);
            if (gradientOf == RecurrenceGradientOf.Loss && refPath == null) throw new UserInputException("--ref: needed with --of loss (the gradient of the reference's log-likelihood)");
            int first = r.GetValue(limit), atLeast = r.GetValue(minSentences);
            if (first < 0) throw new UserInputException($"--limit: must be 0 (all) or positive, got {first}");
            var lines = refPath != null ? ParallelCorpus.ReadTextFiles(r.GetValue(src)!, refPath) : SourcesOnly(r.GetValue(src)!);
            var (sources, targets) = CompareCommand.Encode(tokenizer, lines, first);
            var chosen = r.GetValue(weights)!;
            var models = new List<(string Name, RnnSeq2Seq Model)>();
            if (chosen is "trained" or "both") models.Add(("trained", rnn));
            if (chosen is "initial" or "both") models.Add(("initial", Initial(rnn, folder)));
            var series = new List<Series>();
            foreach (var (name, weightsOf) in models)
            {
                Console.Error.WriteLine($"{name} weights: {sources.Length:N0} sentences through encoder layer {r.GetValue(layer)}…");
                IReadOnlyList<RecurrenceTrace> traces;
                try { traces = RecurrenceDynamics.Trace(weightsOf, sources, r.GetValue(layer), r.GetValue(reverse), gradientOf, targets); }
                catch (UserInputException e) when (e.Field is "Layer" or "Reverse") { throw new UserInputException($"--{e.Field.ToLowerInvariant()}: {e.Detail}"); }
                series.Add(new Series(name, StepStatistics.Columns(traces.Select(t => t.Updates), atLeast), StepStatistics.Columns(traces.Select(t => t.StateNorms), atLeast),
                    StepStatistics.Columns(traces.Select(t => t.GradientsByDistance), atLeast)));
            }
            var report = new Report(folder, rnn.Architecture, rnn.Config.Cell.ToString().ToLowerInvariant(), r.GetValue(layer), r.GetValue(reverse) ? "reverse" : "forward",
                gradientOf, rnn.Config.HiddenSize, sources.Length, series);
            FigureOutput.From(r, json, output, "tanh").Print(report, Table(report), folder =>
            [
                PlotFiles.Png(RecurrencePlots.Figure(report), folder, "tanh.png", 1800, 620),
                PlotFiles.WriteJson(folder, "tanh.json", report),
                PlotFiles.WriteCsv(folder, "tanh.csv", ["weights", "measure", "index", "sentences", "median", "lower_quartile", "upper_quartile", "mean", "geometric_mean"],
                    series.SelectMany(s => new[] { ("update", s.Updates, 1), ("state_norm", s.StateNorms, 1), ("gradient_by_distance", s.Gradients, 0) }
                        .SelectMany(m => m.Item2.Select(x => new object?[] { s.Weights, m.Item1, x.Index + m.Item3, x.Count, x.Median, x.Lower, x.Upper, x.Mean, x.GeometricMean })))),
            ]);
            return 0;
        });
        return command;
    }

    // The model's config with the initial weights of its run (the run's seed, else 1).
    private static RnnSeq2Seq Initial(RnnSeq2Seq trained, string folder)
    {
        var run = new RunDirectory(folder);
        int seed = run.HasOptions ? run.LoadOptions().Seed : 1;
        var fresh = new RnnSeq2Seq(trained.Config);
        fresh.Initialize(seed);
        return fresh;
    }

    // --src alone: pairs with empty references (only the sources are read).
    private static ParallelCorpus SourcesOnly(string path) =>
        new(Utf8TextFile.ReadLines(path).Select(line => new SentencePair(line, "")).ToArray(), path, path);

    /// <summary>Median per step t (update, state norm) and per distance d from the end (gradient), for powers of two.</summary>
    public static string Table(Report report)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"{report.Architecture} encoder ({report.Cell} cells, H = {report.HiddenSize}), layer {report.Layer} {report.Direction}, {report.Sentences:N0} sentences; medians");
        sb.AppendLine(inv, $"gradient of {(report.GradientOf == RecurrenceGradientOf.Loss ? "log p(reference)" : "Σ h_n (the last state's sum)")} with respect to h_t");
        sb.Append(inv, $"{"t or d",6}");
        foreach (var s in report.Series) sb.Append(inv, $" {s.Weights + ": ‖h_t − h_t−1‖",24} {"‖h_t‖",10} {"‖∂/∂h‖ at d",13}");
        sb.AppendLine();
        int longest = report.Series.Max(s => Math.Max(s.Updates.Count, s.Gradients.Count));
        for (int i = 0; i < 12 && (1 << i) - 1 <= longest; i++)
        {
            int step = 1 << i;
            sb.Append(inv, $"{step,6}");
            foreach (var s in report.Series)
            {
                string update = s.Updates.FirstOrDefault(x => x.Index + 1 == step)?.Median.ToString("F4", inv) ?? "–";
                string norm = s.StateNorms.FirstOrDefault(x => x.Index + 1 == step)?.Median.ToString("F3", inv) ?? "–";
                string grad = s.Gradients.FirstOrDefault(x => x.Index == step)?.Median.ToString("0.00e+00", inv) ?? "–";
                sb.Append(inv, $" {update,24} {norm,10} {grad,13}");
            }
            sb.AppendLine();
        }
        sb.AppendLine("(t: the step that read source token t; d: steps between h_t and the last state h_n; d = 0 is h_n itself)");
        return sb.ToString();
    }
}
