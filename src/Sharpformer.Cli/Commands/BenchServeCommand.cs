using System.CommandLine;
using Sharpformer.Benchmarks;
using Sharpformer.Text;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer bench serve --model DIR [--json]</c>: a loopback load generator for the server. Single
/// test2016 sentences, greedy, from 1, 8 and 32 concurrent clients, with batching on and off: requests per
/// second, the speed-up over one client, p50/p95/p99 latency and sentences per batch.
/// </summary>
public static class BenchServeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "The model folder to serve.", Required = true };
        var src = new Option<string?>("--src") { Description = "Sentences to send, one per line (default: the bundled Multi30k test2016.de)." };
        var data = new Option<string?>("--data") { Description = "Data folder holding multi30k/ (default: found from the current folder)." };
        var clients = new Option<string>("--clients") { Description = "Concurrent clients per measurement, comma-separated.", DefaultValueFactory = _ => "1,8,32" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per row.", DefaultValueFactory = _ => 15 };
        var warmup = new Option<double>("--warmup") { Description = "Unmeasured seconds before each row.", DefaultValueFactory = _ => 3 };
        var batching = new Option<string>("--batching") { Description = "Measure with batching on, off, or both.", DefaultValueFactory = _ => "both" };
        batching.AcceptOnlyFromAmong("both", "on", "off");
        var beam = new Option<int>("--beam") { Description = "Beam size of every request (1 = greedy).", DefaultValueFactory = _ => 1 };
        var workers = new Option<int>("--workers") { Description = "The server's decode workers per model (0: its default).", DefaultValueFactory = _ => 0 };
        var window = new Option<double?>("--batch-window-ms") { Description = "The server's batch window (default: its default)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var command = new Command("serve", "Throughput and p50/p95/p99 latency of the HTTP server on loopback, 1/8/32 clients, batching on and off.")
        {
            model, src, data, clients, seconds, warmup, batching, beam, workers, window, json,
        };
        command.SetAction(r =>
        {
            string folder = r.GetValue(model)!;
            if (!Directory.Exists(folder)) throw new UserInputException($"--model: folder {folder} does not exist");
            string path = r.GetValue(src) ?? Path.Combine(DataFolder.Resolve(r.GetValue(data)), "multi30k", "test2016.de");
            var sentences = Utf8TextFile.ReadLines(path).Where(s => s.Length > 0).ToArray();
            if (sentences.Length == 0) throw new UserInputException($"--src: {path} holds no sentences");
            var counts = r.GetValue(clients)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(c => int.TryParse(c, out int n) && n >= 1 ? n : throw new UserInputException($"--clients: '{c}' is not a positive number")).ToArray();
            double s = r.GetValue(seconds), w = r.GetValue(warmup);
            if (!(s > 0) || !(w >= 0)) throw new UserInputException("--seconds must be positive and --warmup not negative");
            if (r.GetValue(beam) < 1) throw new UserInputException($"--beam: must be at least 1, got {r.GetValue(beam)}");
            bool[] modes = r.GetValue(batching) switch { "on" => [true], "off" => [false], _ => [true, false] };
            bool asJson = r.GetValue(json);
            var report = ServeBenchmark.Run(new ServeBenchmarkOptions
            {
                Model = folder, Sentences = sentences, Clients = counts, Batching = modes, Beam = r.GetValue(beam),
                Workers = r.GetValue(workers) >= 0 ? r.GetValue(workers) : throw new UserInputException("--workers: must be 0 (the server's default) or positive"),
                Window = r.GetValue(window) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                Duration = TimeSpan.FromSeconds(s), WarmUp = TimeSpan.FromSeconds(w),
            }, asJson ? null : message => Console.Error.WriteLine(message));
            Console.WriteLine(asJson ? report.ToJson() : report.ToTable());
            return 0;
        });
        return command;
    }
}
