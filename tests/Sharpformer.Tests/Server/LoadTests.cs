using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Sharpformer.Inference;
using Xunit.Abstractions;

namespace Sharpformer.Tests.Server;

/// <summary>
/// 24 loopback clients against a `sharpformer serve` process for a bounded 20 s: every request answered with
/// 200 (no 5xx, nothing dropped), each answer the one its own sentence gets alone (nothing mixed up between
/// callers), the server's resident memory at the end within 150 MB of where it stood after warm-up and never
/// above 1 GB; then SIGTERM ends it cleanly (exit code 0).
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
        var expected = models.Reference.Translate(sentences, DecodeOptions.Greedy);
        using var server = new ServeProcess("--model", models.TranslationRun, "--urls", "http://127.0.0.1:0");
        using var http = new HttpClient { BaseAddress = await server.ServingAsync(), Timeout = TimeSpan.FromMinutes(1) };
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => http.PostAsJsonAsync("/v1/translate", new { text = new[] { sentences[c] }, beam = 1 })));
        var warm = server.Memory();

        int sent = 0, answered = 0;
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async client =>
        {
            // Each client walks the sentences from its own offset, one or two per request.
            for (int k = 0; clock.Elapsed < Duration; k++)
            {
                int first = (client * 7 + k * 3) % sentences.Length, count = 1 + (client + k) % 2;
                var indices = Enumerable.Range(first, count).Select(i => i % sentences.Length).ToArray();
                Interlocked.Increment(ref sent);
                using var response = await http.PostAsJsonAsync("/v1/translate", new { text = indices.Select(i => sentences[i]).ToArray(), beam = 1 });
                string body = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode != 200)
                {
                    failures.Add($"HTTP {(int)response.StatusCode}: {body}");
                    continue;
                }
                Interlocked.Increment(ref answered);
                var texts = JsonDocument.Parse(body).RootElement.GetProperty("translations").EnumerateArray().Select(t => t.GetProperty("text").GetString()!).ToArray();
                if (texts.Length != indices.Length) failures.Add($"{indices.Length} sentences sent, {texts.Length} answers");
                for (int j = 0; j < Math.Min(texts.Length, indices.Length); j++)
                    if (texts[j] != expected[indices[j]] && !GreedyTies.SameOrNearTie(models.Reference, sentences[indices[j]], expected[indices[j]], texts[j]))
                        failures.Add($"sentence {indices[j]}: got '{texts[j]}', alone '{expected[indices[j]]}'");
            }
        }));
        var end = server.Memory();
        output.WriteLine($"{answered} of {sent} requests answered in {clock.Elapsed.TotalSeconds:F1} s ({answered / clock.Elapsed.TotalSeconds:F0}/s); " +
            $"server RSS {warm.Resident / 1e6:F0} MB after warm-up, {end.Resident / 1e6:F0} MB at the end, peak {end.Peak / 1e6:F0} MB");

        Assert.Empty(failures.Take(10));
        Assert.Equal(sent, answered);
        Assert.True(answered >= Clients, $"only {answered} requests answered in {Duration.TotalSeconds} s");
        Assert.True(end.Resident - warm.Resident < 150_000_000, $"the server grew by {(end.Resident - warm.Resident) / 1e6:F0} MB under load");
        Assert.True(end.Peak < 1_000_000_000, $"the server peaked at {end.Peak / 1e6:F0} MB");
        Assert.Equal(0, await server.TerminateAsync());
    }
}
