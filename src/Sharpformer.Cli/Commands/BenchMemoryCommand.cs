using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sharpformer.Benchmarks;
using Sharpformer.Cli.Plots;
using Sharpformer.Model;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer bench memory [--arch A,…] [--lengths 16,32,…] [--batch-tokens N] [--out DIR] [--json]</c>: the memory of
/// one training step as the sequence length grows at a fixed token budget (B = budget / T sequences of T source and T
/// target tokens), per architecture: the activation bytes the step holds (counted by the code), the share of the buffers
/// with one entry per query–key pair (attention), and the process's peak RSS. Each (recipe, length) runs in a fresh child
/// process, so no point's peak hides another's; --in-process measures in this process instead (RSS then not comparable).
/// </summary>
public static class BenchMemoryCommand
{
    /// <summary>The table, the crossover estimates and every point, as printed with --json and written to memory.json.</summary>
    public sealed record Report(int BatchTokens, bool IsolatedRss, IReadOnlyList<MemoryPoint> Points, IReadOnlyList<Crossover> Crossovers);

    /// <summary>
    /// Where the attention buffers catch up with the rest, for one configuration. At a fixed budget the rest stays the same
    /// size and the attention bytes grow ∝ T, so from a point (T, attention A, rest R) they equal the rest at T·R/A.
    /// </summary>
    /// <param name="FirstLengthOverHalf">The first measured length at which attention holds half the activation bytes or more (null: none).</param>
    /// <param name="EstimatedLength">T·R/A from the longest measured length (null without attention).</param>
    public sealed record Crossover(string Name, int? FirstLengthOverHalf, double? EstimatedLength);

    public static Command Create()
    {
        var arch = new Option<string[]>("--arch") { Description = $"Architectures (their Multi30k de→en recipe), comma-separated: {string.Join(", ", CompareInputs.Multi30kPreset.Keys)} (default: all four).", AllowMultipleArgumentsPerToken = true };
        var preset = new Option<string[]>("--preset") { Description = "Training recipes to measure instead of (or besides) --arch, comma-separated.", AllowMultipleArgumentsPerToken = true };
        var cell = new Option<string?>("--cell") { Description = "RNN recipes: the recurrent cell (gru, lstm, rnn)." };
        var lengths = new Option<string[]>("--lengths") { Description = "Tokens per sequence, source and target alike (default 16,32,64,128,256).", AllowMultipleArgumentsPerToken = true };
        var budget = new Option<int>("--batch-tokens") { Description = "Tokens per side and batch: B = budget / T sequences.", DefaultValueFactory = _ => 2048 };
        var steps = new Option<int>("--steps") { Description = "Training steps per point (the first sizes every buffer).", DefaultValueFactory = _ => 2 };
        var inProcess = new Option<bool>("--in-process") { Description = "Measure every point in this process (no child processes; the peak RSS is then the peak so far)." };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for memory.png, memory.csv and memory.json (default: memory/ unless --json)." };
        var json = BenchCommand.Json();
        var threads = BenchCommand.Threads();
        var command = new Command("memory", "Training-step memory against sequence length at a fixed token budget: activation bytes, attention share, peak RSS.")
        {
            arch, preset, cell, lengths, budget, steps, inProcess, output, threads, json,
        };
        command.SetAction(r =>
        {
            var recipes = CompareInputs.Recipes(r.GetValue(preset) ?? [], r.GetValue(arch) ?? [], r.GetValue(cell), [.. CompareInputs.Multi30kPreset.Values]);
            var ts = CompareInputs.IntList(r.GetValue(lengths) is { Length: > 0 } l ? l : ["16,32,64,128,256"], "--lengths");
            int tokens = r.GetValue(budget), stepCount = r.GetValue(steps), threadCount = BenchCommand.PositiveThreads(r.GetValue(threads));
            if (tokens < 1) throw new UserInputException($"--batch-tokens: must be positive, got {tokens}");
            if (stepCount < 1) throw new UserInputException($"--steps: must be at least 1, got {stepCount}");
            bool isolated = !r.GetValue(inProcess) || recipes.Count * ts.Length == 1;
            var points = new List<MemoryPoint>();
            foreach (var choice in recipes)
                foreach (int t in ts)
                {
                    if (!r.GetValue(json) || recipes.Count * ts.Length > 1) Console.Error.WriteLine($"measuring {choice.Label} at T = {t} (B = {Math.Max(1, tokens / t)})…");
                    points.Add(r.GetValue(inProcess)
                        ? MemoryBenchmark.Run(new MemoryBenchmarkOptions
                        {
                            Name = choice.Label, Model = CompareInputs.ModelOf(choice.Recipe), Optimizer = choice.Recipe.Optimizer,
                            Length = t, BatchTokens = tokens, Steps = stepCount, Threads = threadCount,
                        })
                        : InChild(choice, r.GetValue(cell), t, tokens, stepCount, threadCount));
                }
            var report = new Report(tokens, isolated, points, Crossovers(points));
            FigureOutput.From(r, json, output, "memory").Print(report, Table(report), folder =>
            [
                PlotFiles.Png(MemoryPlots.Figure(report), folder, "memory.png", 1800, 750),
                PlotFiles.WriteJson(folder, "memory.json", report),
                PlotFiles.WriteCsv(folder, "memory.csv",
                    ["name", "architecture", "length", "batch", "activation_bytes", "attention_weight_bytes", "attention_pair_bytes", "attention_share", "model_state_bytes", "rss_before_mb", "peak_rss_mb", "step_ms"],
                    points.Select(p => new object?[] { p.Name, p.Architecture, p.Length, p.Batch, p.ActivationBytes, p.AttentionWeightBytes, p.AttentionPairBytes,
                        p.AttentionShare, p.ModelStateBytes, p.RssBeforeMb, p.PeakRssMb, p.StepMs })),
            ]);
            return 0;
        });
        return command;
    }

    // One point measured by a fresh `sharpformer bench memory --in-process --json` for one recipe and one length.
    private static MemoryPoint InChild(RecipeChoice choice, string? cell, int length, int tokens, int steps, int threads)
    {
        var args = new List<string> { "bench", "memory", "--preset", choice.Preset };
        if (cell != null) args.AddRange(["--cell", cell]);
        args.AddRange(["--lengths", length.ToString(CultureInfo.InvariantCulture), "--batch-tokens", tokens.ToString(CultureInfo.InvariantCulture),
            "--steps", steps.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture), "--in-process", "--json"]);
        var result = SelfInvocation.Run(args);
        if (result.Exit != 0)
        {
            string reason = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? $"exit code {result.Exit}";
            throw new UserInputException($"bench memory: measuring {choice.Label} at T = {length} failed in its child process: {reason}");
        }
        try
        {
            var report = JsonSerializer.Deserialize<Report>(result.Out, PlotFiles.Json) ?? throw new JsonException("empty output");
            return report.Points.Single();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidOperationException($"bench memory: the child process for {choice.Label} at T = {length} printed no single point ({e.Message}).", e);
        }
    }

    /// <summary>Per configuration, where the attention buffers reach half of the activation bytes.</summary>
    public static IReadOnlyList<Crossover> Crossovers(IReadOnlyList<MemoryPoint> points) =>
        points.GroupBy(p => p.Name).Select(g =>
        {
            var byLength = g.OrderBy(p => p.Length).ToArray();
            var longest = byLength[^1];
            long rest = longest.ActivationBytes - longest.AttentionBytes;
            double? estimate = longest.AttentionBytes > 0 ? (double)longest.Length * rest / longest.AttentionBytes : null;
            return new Crossover(g.Key, byLength.FirstOrDefault(p => p.AttentionShare >= 0.5)?.Length, estimate);
        }).ToArray();

    /// <summary>The report as text: one line per point, then a sentence per configuration.</summary>
    public static string Table(Report report)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"training-step memory at {report.BatchTokens:N0} tokens per side and batch (B = budget / T){(report.IsolatedRss ? ", each point in a fresh process" : "; all points in one process: peak RSS is the peak so far")}");
        sb.AppendLine(inv, $"{"configuration",-34} {"T",5} {"B",5} {"activations",12} {"attention",11} {"share",6} {"weights",10} {"model state",11} {"RSS before",10} {"peak RSS",9}");
        foreach (var p in report.Points)
            sb.AppendLine(inv, $"{p.Name,-34} {p.Length,5} {p.Batch,5} {Mb(p.ActivationBytes),12} {Mb(p.AttentionBytes),11} {p.AttentionShare,6:P0} {Mb(p.AttentionWeightBytes),10} {Mb(p.ModelStateBytes),11} {p.RssBeforeMb,7:F0} MB {p.PeakRssMb,6:F0} MB");
        sb.AppendLine("(activations, attention, weights: bytes the step's buffers hold, counted by the code; attention = every buffer with one entry per query–key pair, weights = the softmax weights alone)");
        foreach (var c in report.Crossovers)
        {
            if (c.EstimatedLength == null) { sb.AppendLine(inv, $"{c.Name}: no attention buffers"); continue; }
            string measured = c.FirstLengthOverHalf is { } t ? $"hold half of the activation bytes from T = {t} on (measured)" : "stay under half of the activation bytes at every measured length";
            sb.AppendLine(inv, $"{c.Name}: attention buffers {measured}; they equal the rest at T ≈ {c.EstimatedLength:F0} (from the longest length)");
        }
        return sb.ToString();
    }

    private static string Mb(long bytes) => bytes < 1048576
        ? (bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KB"
        : (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";
}
