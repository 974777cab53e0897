using System.CommandLine;
using Sharpformer.Benchmarks;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer bench gemm|train|decode|memory|serve [--json]</c>: performance figures (readable tables, or one JSON
/// object with --json). Speed targets are checked with these commands, never with timed tests.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure GEMM throughput, training-step time, decoding speed, training memory against sequence length and serving throughput.");
        command.Subcommands.Add(GemmCommand());
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Decode());
        command.Subcommands.Add(BenchMemoryCommand.Create());
        command.Subcommands.Add(BenchServeCommand.Create());
        return command;
    }

    internal static Option<bool> Json() => new("--json") { Description = "Print one JSON object instead of a table." };
    internal static Option<int> Threads() => new("--threads") { Description = "Threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };

    private static Command GemmCommand()
    {
        var repeats = new Option<int>("--repeats") { Description = "Timed samples per shape (median reported).", DefaultValueFactory = _ => 7 };
        var squareOnly = new Option<bool>("--square-only") { Description = "Time only 1024³ (the figure recorded with each training run), not the training-step shapes." };
        var json = Json();
        var command = new Command("gemm", "GFLOP/s of SGEMM at 1024³ and at every GEMM shape of a ref-small training step, on 1 and all cores.") { repeats, squareOnly, json };
        command.SetAction(r =>
        {
            var options = new GemmBenchmarkOptions { Repeats = r.GetValue(repeats) };
            if (r.GetValue(squareOnly)) options = options with { Shapes = [GemmBenchmarkShapes.Square1024] };
            var report = GemmBenchmark.Run(options);
            Console.WriteLine(r.GetValue(json) ? report.ToJson() : report.ToTable());
            return 0;
        });
        return command;
    }

    private static Command Train()
    {
        var preset = new Option<string?>("--preset") { Description = $"Training recipe whose model, optimiser and token budget are timed (default ref-small): {string.Join(", ", Training.Presets.Names)}." };
        var arch = new Option<string?>("--arch") { Description = $"Instead of --preset: the Multi30k de→en recipe of this architecture ({string.Join(", ", CompareInputs.Multi30kPreset.Keys)})." };
        var cell = new Option<string?>("--cell") { Description = "RNN recipes: the recurrent cell (gru, lstm, rnn)." };
        var length = new Option<int>("--length") { Description = "Source and target tokens per sequence; the batch holds as many sequences as the recipe's token budget allows.", DefaultValueFactory = _ => 24 };
        var steps = new Option<int>("--steps") { Description = "Timed steps (after warm-up).", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up steps.", DefaultValueFactory = _ => 3 };
        var json = Json();
        var threads = Threads();
        var command = new Command("train", "Time one training step (forward, backward, Adam) of a recipe's model on random tokens (default ref-small, 64 × 24 tokens).")
        {
            preset, arch, cell, length, steps, warmup, threads, json,
        };
        command.SetAction(r =>
        {
            var recipes = CompareInputs.Recipes(OneOrNone(r.GetValue(preset)), OneOrNone(r.GetValue(arch)), r.GetValue(cell), ["ref-small"]);
            if (recipes.Count != 1) throw new UserInputException("--preset/--arch: time one recipe at a time");
            var (_, presetName, recipe) = recipes[0];
            string name = r.GetValue(cell) is { } c ? $"{presetName} --cell {c}" : presetName;
            var options = TrainBenchmarkOptions.ForPreset(name, recipe with { Model = CompareInputs.ModelOf(recipe) }, r.GetValue(length)) with
            {
                Steps = r.GetValue(steps), Warmup = r.GetValue(warmup), Threads = PositiveThreads(r.GetValue(threads)),
            };
            var report = TrainBenchmark.Run(options);
            Console.WriteLine(r.GetValue(json) ? report.ToJson() : report.ToTable());
            return 0;
        });
        return command;
    }

    private static string[] OneOrNone(string? value) => value == null ? [] : [value];

    private static Command Decode()
    {
        var batch = new Option<int>("--batch") { Description = "Sentences per batch.", DefaultValueFactory = _ => 100 };
        var steps = new Option<int>("--steps") { Description = "Decoding steps (EOS ignored).", DefaultValueFactory = _ => 20 };
        var beam = new Option<int>("--beam") { Description = "Beam size (1 = greedy).", DefaultValueFactory = _ => 1 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions.", DefaultValueFactory = _ => 7 };
        var json = Json();
        var threads = Threads();
        var command = new Command("decode", "Time decoding with a ref-small-shaped model for exactly T steps.") { batch, steps, beam, repeats, threads, json };
        command.SetAction(r =>
        {
            var report = DecodeBenchmark.Run(new DecodeBenchmarkOptions
            {
                Batch = r.GetValue(batch), Steps = r.GetValue(steps), Beam = r.GetValue(beam), Repeats = r.GetValue(repeats), Threads = PositiveThreads(r.GetValue(threads)),
            });
            Console.WriteLine(r.GetValue(json) ? report.ToJson() : report.ToTable());
            return 0;
        });
        return command;
    }

    internal static int PositiveThreads(int t) => t >= 1 ? t : throw new UserInputException($"--threads: must be at least 1, got {t}");
}
