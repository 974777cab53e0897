using System.CommandLine;
using Sharpformer.Benchmarks;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer bench gemm|train|decode|serve [--json]</c>: performance figures (readable tables, or one JSON
/// object with --json). Speed targets are checked with these commands, never with timed tests.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure GEMM throughput, training-step time, decoding speed and serving throughput.");
        command.Subcommands.Add(GemmCommand());
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Decode());
        command.Subcommands.Add(BenchServeCommand.Create());
        return command;
    }

    private static Option<bool> Json() => new("--json") { Description = "Print one JSON object instead of a table." };
    private static Option<int> Threads() => new("--threads") { Description = "Threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };

    private static Command GemmCommand()
    {
        var repeats = new Option<int>("--repeats") { Description = "Timed samples per shape (median reported).", DefaultValueFactory = _ => 7 };
        var json = Json();
        var command = new Command("gemm", "GFLOP/s of SGEMM at 1024³ and at every GEMM shape of a ref-small training step, on 1 and all cores.") { repeats, json };
        command.SetAction(r =>
        {
            var report = GemmBenchmark.Run(new GemmBenchmarkOptions { Repeats = r.GetValue(repeats) });
            Console.WriteLine(r.GetValue(json) ? report.ToJson() : report.ToTable());
            return 0;
        });
        return command;
    }

    private static Command Train()
    {
        var preset = new Option<string>("--preset") { Description = "Model configuration (ref-small).", DefaultValueFactory = _ => "ref-small" };
        preset.AcceptOnlyFromAmong("ref-small");
        var steps = new Option<int>("--steps") { Description = "Timed steps (after warm-up).", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up steps.", DefaultValueFactory = _ => 3 };
        var json = Json();
        var threads = Threads();
        var command = new Command("train", "Time one training step (forward, backward, Adam) of ref-small on random tokens.") { preset, steps, warmup, threads, json };
        command.SetAction(r =>
        {
            var report = TrainBenchmark.Run(new TrainBenchmarkOptions { Steps = r.GetValue(steps), Warmup = r.GetValue(warmup), Threads = PositiveThreads(r.GetValue(threads)) });
            Console.WriteLine(r.GetValue(json) ? report.ToJson() : report.ToTable());
            return 0;
        });
        return command;
    }

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

    private static int PositiveThreads(int t) => t >= 1 ? t : throw new UserInputException($"--threads: must be at least 1, got {t}");
}
