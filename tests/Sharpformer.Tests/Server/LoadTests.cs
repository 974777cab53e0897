using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Sharpformer.Inference;
using Xunit.Abstractions;

namespace Sharpformer.Tests.Server;

/// <summary>
/// 24 loopback clients against a `sharpformer serve` process for a bounded 20 s: every request answered with
/// 200 (no 5xx, nothing dropped), each answer the one its own sentence gets alone (nothing mixed up between
/// callers; greedy and beam requests mixed, so batches form per decoding setting), the server's resident memory
/// at the end within 150 MB of where it stood a quarter into the run and never above 1 GB; then SIGTERM ends
/// it cleanly (exit code 0).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class LoadTests(ServedModels models, ITestOutputHelper output)
{
    private const int Clients = 24;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Clients_hammering_for_20_seconds_get_every_answer_right_and_memory_stays_bounded()
    {
        var sentences = ServedModels.Test2016(120);
        var greedy = models.Reference.Translate(sentences, DecodeOptions.Greedy);
        var beam = models.Reference.TranslateNBest(sentences, DecodeOptions.Beam(2, 1.0)).Select(l => l[0]).ToArray();
        using var server = new ServeProcess("--model", models.TranslationRun, "--urls", "http://127.0.0.1:0");
        using var http = new HttpClient { BaseAddress = await server.ServingAsync(), Timeout = TimeSpan.FromMinutes(1) };

        int sent = 0, answered = 0;
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        var settled = Task.Delay(Duration / 4).ContinueWith(_ => server.Memory());   // buffers and pools have grown to their working size
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async client =>
        {
            // Each client walks the sentences from its own offset, one or two per request; every fourth request uses beam 2.
            for (int k = 0; clock.Elapsed < Duration; k++)
            {
                int first = (client * 7 + k * 3) % sentences.Length, count = 1 + (client + k) % 2;
                bool search = k % 4 == 3;
                var indices = Enumerable.Range(first, count).Select(i => i % sentences.Length).ToArray();
                Interlocked.Increment(ref sent);
                using var response = await http.PostAsJsonAsync("/v1/translate",
                    new { text = indices.Select(i => sentences[i]).ToArray(), beam = search ? 2 : 1, alpha = 1.0 });
                string body = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode != 200)
                {
                    failures.Add($"HTTP {(int)response.StatusCode}: {body}");
                    continue;
                }
                Interlocked.Increment(ref answered);
                var results = JsonDocument.Parse(body).RootElement.GetProperty("translations").EnumerateArray()
                    .Select(t => (Text: t.GetProperty("text").GetString()!, Score: t.GetProperty("score").GetDouble())).ToArray();
                if (results.Length != indices.Length) failures.Add($"{indices.Length} sentences sent, {results.Length} answers");
                for (int j = 0; j < Math.Min(results.Length, indices.Length); j++)
                {
                    int i = indices[j];
                    bool right = search
                        ? results[j].Text == beam[i].Text || Math.Abs(results[j].Score - beam[i].Score) < 1e-3
                        : GreedyTies.SameOrNearTie(models.Reference, sentences[i], greedy[i], results[j].Text);
                    if (!right) failures.Add($"sentence {i} ({(search ? "beam 2" : "greedy")}): got '{results[j].Text}', alone '{(search ? beam[i].Text : greedy[i])}'");
                }
            }
        }));
        var (warm, end) = (await settled, server.Memory());
        output.WriteLine($"{answered} of {sent} requests answered in {clock.Elapsed.TotalSeconds:F1} s ({answered / clock.Elapsed.TotalSeconds:F0}/s); " +
            $"server RSS {warm.Resident / 1e6:F0} MB after {Duration.TotalSeconds / 4:F0} s, {end.Resident / 1e6:F0} MB at the end, peak {end.Peak / 1e6:F0} MB");

        Assert.Empty(failures.Take(10));
        Assert.Equal(sent, answered);
        Assert.True(answered >= Clients, $"only {answered} requests answered in {Duration.TotalSeconds} s");
        Assert.True(end.Resident - warm.Resident < 150_000_000, $"the server grew by {(end.Resident - warm.Resident) / 1e6:F0} MB under steady load");
        Assert.True(end.Peak < 1_000_000_000, $"the server peaked at {end.Peak / 1e6:F0} MB");
        Assert.Equal(0, await server.TerminateAsync());
    }
}
