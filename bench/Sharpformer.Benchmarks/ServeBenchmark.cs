using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sharpformer.Model;
using Sharpformer.Server;

namespace Sharpformer.Benchmarks;

/// <summary>Settings of the serving benchmark: which model, which sentences, how many clients, for how long.</summary>
public sealed record ServeBenchmarkOptions
{
    /// <summary>The model folder served.</summary>
    public required string Model { get; init; }

    /// <summary>Source sentences, one per line; each request sends one of them.</summary>
    public required IReadOnlyList<string> Sentences { get; init; }

    /// <summary>Concurrent clients of each measurement.</summary>
    public IReadOnlyList<int> Clients { get; init; } = [1, 8, 32];

    /// <summary>Batching on, then off (each a server of its own).</summary>
    public IReadOnlyList<bool> Batching { get; init; } = [true, false];

    /// <summary>Measured time per (batching, clients).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Unmeasured time before each measurement, with the same clients (and once more per server, with the most clients).</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Decoding of every request: 1 is greedy search.</summary>
    public int Beam { get; init; } = 1;

    /// <summary>The server's decode workers per model (0: its default).</summary>
    public int Workers { get; init; }

    /// <summary>The server's batch window (null: its default).</summary>
    public TimeSpan? Window { get; init; }
}

/// <summary>One measurement: requests per second and latency percentiles of one client count.</summary>
public sealed record ServeBenchmarkRow(bool Batching, int Clients, int Requests, int Errors, double Seconds, double RequestsPerSecond,
    double SpeedUp, double P50Ms, double P95Ms, double P99Ms, double MeanBatch);

public sealed record ServeBenchmarkReport(string Model, int Beam, int Cores, double DurationSeconds, IReadOnlyList<ServeBenchmarkRow> Rows, double PeakRssMb)
{
    public string ToJson() => JsonSerializer.Serialize(this, ModelFile.JsonOptions);

    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine($"serve {Model}: single sentences, {(Beam == 1 ? "greedy" : $"beam {Beam}")}, {DurationSeconds:0} s per row, {Cores} cores, loopback");
        text.AppendLine("batching  clients  requests  errors     req/s  vs 1 client   p50 ms   p95 ms   p99 ms  sentences/batch");
        foreach (var r in Rows)
            text.AppendLine($"{(r.Batching ? "on" : "off"),-8}  {r.Clients,7}  {r.Requests,8}  {r.Errors,6}  {r.RequestsPerSecond,8:F1}  " +
                $"{(double.IsNaN(r.SpeedUp) ? "–" : r.SpeedUp.ToString("F2") + "×"),11}  " +
                $"{r.P50Ms,7:F1}  {r.P95Ms,7:F1}  {r.P99Ms,7:F1}  {r.MeanBatch,15:F2}");
        text.Append($"peak RSS {PeakRssMb:F0} MiB (server and clients in one process)");
        return text.ToString();
    }
}

/// <summary>
/// A loopback load generator for <c>sharpformer serve</c>: starts the server in this process on 127.0.0.1
/// (one with batching, one without), then N clients each send one sentence per request, the next as soon
/// as the answer is in, for a fixed time. Reports requests per second (and the speed-up over one client),
/// latency percentiles, and how many sentences the server decoded per batch.
/// </summary>
public static class ServeBenchmark
{
    public static ServeBenchmarkReport Run(ServeBenchmarkOptions o, Action<string>? progress = null)
    {
        if (o.Sentences.Count == 0) throw new UserInputException("serve benchmark: no sentences");
        if (o.Clients.Count == 0 || o.Clients.Any(c => c < 1)) throw UserInputException.ForField("Clients", "client counts must be positive");
        if (o.Duration <= TimeSpan.Zero) throw UserInputException.ForField("Duration", "must be positive");
        var rows = RunAll(o, progress).GetAwaiter().GetResult();
        return new ServeBenchmarkReport(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(o.Model))), o.Beam,
            Environment.ProcessorCount, o.Duration.TotalSeconds, rows, BenchmarkStats.PeakRssMb());
    }

    /// <summary>
    /// One server per batching mode, both up for the whole run; each client count is measured on one, then
    /// the other, so that both modes see the process in the same state (compiled code, heap, machine load).
    /// </summary>
    private static async Task<List<ServeBenchmarkRow>> RunAll(ServeBenchmarkOptions o, Action<string>? progress)
    {
        var servers = new List<(bool Batching, SharpformerServer Server, HttpClient Http)>();
        try
        {
            foreach (bool batching in o.Batching)
            {
                var options = new ServeOptions
                {
                    Models = [new ModelSource("bench", o.Model)], Urls = "http://127.0.0.1:0", Batching = batching,
                    QueueCapacity = Math.Max(1024, 4 * o.Clients.Max()), DecodeWorkers = o.Workers,
                };
                if (o.Window is { } window) options = options with { BatchWindow = window };
                var server = SharpformerServer.Create(options, configure: b => b.Logging.ClearProviders());
                servers.Add((batching, server, new HttpClient { BaseAddress = null, Timeout = TimeSpan.FromMinutes(2) }));
                await server.StartAsync();
                await server.Models.Loaded;
                servers[^1].Http.BaseAddress = new Uri(server.Addresses[0]);
                // First the busiest load, so that compiled code and decoding buffers are warm before the first row.
                await Load(servers[^1].Http, o, o.Clients.Max(), o.WarmUp);
            }
            var rows = new List<ServeBenchmarkRow>();
            var single = new Dictionary<bool, double>();
            foreach (int clients in o.Clients)
                foreach (var (batching, server, http) in servers)
                {
                    progress?.Invoke($"batching {(batching ? "on" : "off")}, {clients} client(s)…");
                    var batcher = server.Models.Find(null)!.Batcher;
                    await Load(http, o, clients, o.WarmUp);
                    long sentences = batcher.Stats.Sentences, batches = batcher.Stats.Batches;
                    var (latencies, errors, seconds) = await Load(http, o, clients, o.Duration);
                    double rps = latencies.Count / seconds;
                    if (clients == 1) single[batching] = rps;
                    var sorted = latencies.Order().ToArray();
                    long batchCount = batcher.Stats.Batches - batches;
                    rows.Add(new ServeBenchmarkRow(batching, clients, latencies.Count, errors, seconds, rps,
                        single.TryGetValue(batching, out double one) ? rps / one : double.NaN,
                        Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99),
                        batchCount > 0 ? (double)(batcher.Stats.Sentences - sentences) / batchCount : 0));
                }
            return rows.OrderBy(r => !r.Batching).ThenBy(r => o.Clients.ToList().IndexOf(r.Clients)).ToList();
        }
        finally
        {
            foreach (var (_, server, http) in servers)
            {
                http.Dispose();
                await server.DisposeAsync();
            }
        }
    }

    /// <summary><paramref name="clients"/> clients sending one sentence each until <paramref name="duration"/> has passed.</summary>
    private static async Task<(List<double> Latencies, int Errors, double Seconds)> Load(HttpClient http, ServeBenchmarkOptions o, int clients, TimeSpan duration)
    {
        var latencies = new List<double>();
        int errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            var mine = new List<double>();
            for (int k = 0; clock.Elapsed < duration; k++)
            {
                string sentence = o.Sentences[(client * 97 + k) % o.Sentences.Count];
                long start = Stopwatch.GetTimestamp();
                using var response = await http.PostAsJsonAsync("/v1/translate", new { text = new[] { sentence }, beam = o.Beam });
                await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode) mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                else Interlocked.Increment(ref errors);
            }
            lock (latencies) latencies.AddRange(mine);
        }));
        return (latencies, errors, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
