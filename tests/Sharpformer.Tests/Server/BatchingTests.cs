using Sharpformer.Inference;
using Sharpformer.Server;
using Sharpformer.Server.Batching;
using Xunit.Abstractions;

namespace Sharpformer.Tests.Server;

/// <summary>
/// Dynamic batching changes nothing a caller can see: concurrent requests with mixed decoding settings each
/// get the answers they get alone, and batching on gives the translations of batching off for test2016 up to
/// float rounding (a batch runs other GEMM paths): identical for ≥ 99 % of sentences, each difference a near-tie.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class BatchingTests(ServedModels models, ITestOutputHelper output)
{
    [Fact]
    public async Task Concurrent_requests_each_get_the_answers_they_get_alone()
    {
        var options = ServerHost.Options("de-en", models.TranslationRun) with { BatchWindow = TimeSpan.FromMilliseconds(20) };
        await using var host = await ServerHost.StartAsync(options);
        var sentences = ServedModels.Test2016(96);
        var reference = models.Reference;

        // 48 requests of 1–3 sentences: greedy, beam 2 with α 0.8, or sampling with the request's own seed.
        var requests = Enumerable.Range(0, 48).Select(r =>
        {
            var text = sentences.Skip(2 * r).Take(1 + r % 3).ToArray();
            return (r % 3) switch
            {
                0 => (Body: (object)new { text, beam = 1 }, Text: text, Options: DecodeOptions.Greedy),
                1 => (new { text, beam = 2, alpha = 0.8 }, text, DecodeOptions.Beam(2, 0.8)),
                _ => (new { text, sampling = new { temperature = 0.9, seed = r } }, text,
                    new DecodeOptions { Sampling = new SamplingOptions { Temperature = 0.9, Seed = (ulong)r } }),
            };
        }).ToArray();
        var answers = await Task.WhenAll(requests.Select(r => host.TranslateAsync(r.Body)));

        for (int r = 0; r < requests.Length; r++)
        {
            var alone = reference.TranslateNBest(requests[r].Text, requests[r].Options);
            Assert.Equal(alone.Length, answers[r].Length);
            for (int i = 0; i < alone.Length; i++)
            {
                var (text, score) = answers[r][i][0];
                bool same = text == alone[i][0].Text
                    || (requests[r].Options.Search.BeamSize > 1 ? Math.Abs(score - alone[i][0].Score) < 1e-3
                        : requests[r].Options.Sampling == null && GreedyTies.SameOrNearTie(reference, requests[r].Text[i], alone[i][0].Text, text));
                Assert.True(same, $"request {r}, sentence {i}: '{text}' ({score}) but alone '{alone[i][0].Text}' ({alone[i][0].Score})");
            }
        }
        var stats = host.Server.Models.Find(null)!.Batcher.Stats;
        output.WriteLine($"{stats.Sentences} sentences in {stats.Batches} batches");
        Assert.True(stats.Batches < stats.Sentences, "no two requests shared a batch");
    }

    [Fact]
    public async Task Batching_on_and_off_agree_on_test2016_up_to_near_ties()
    {
        var sentences = ServedModels.Test2016();
        var on = await TranslateOneByOne(ServerHost.Options("de-en", models.TranslationRun) with { Batching = true }, sentences);
        var off = await TranslateOneByOne(ServerHost.Options("de-en", models.TranslationRun) with { Batching = false }, sentences);
        Assert.True(on.MeanBatch > 2, $"batching on decoded {on.MeanBatch:F2} sentences per batch");
        Assert.Equal(1.0, off.MeanBatch);

        var differ = Enumerable.Range(0, sentences.Length).Where(i => on.Texts[i] != off.Texts[i]).ToArray();
        output.WriteLine($"{sentences.Length - differ.Length} of {sentences.Length} identical; mean batch {on.MeanBatch:F1}");
        Assert.True(differ.Length <= sentences.Length / 100, $"{differ.Length} of {sentences.Length} translations differ");
        foreach (int i in differ)
        {
            double gap = GreedyTies.DivergenceGap(models.Reference, sentences[i], off.Texts[i], on.Texts[i]);
            output.WriteLine($"#{i}: gap {gap:E2}: '{off.Texts[i]}' vs '{on.Texts[i]}'");
            Assert.True(gap < 1e-3, $"sentence {i} differs by more than a near-tie (gap {gap})");
        }
    }

    [Fact]
    public async Task A_lone_client_never_waits_for_company_but_concurrent_traffic_holds_a_batch_open()
    {
        var reference = models.Reference;
        var ids = ServedModels.Test2016(12).Select(s => reference.Tokenizer.Encode(s, addBos: false, addEos: true)).ToArray();
        var window = TimeSpan.FromSeconds(2);
        using var batcher = new DecodeBatcher(reference, new BatcherSettings(Enabled: true, window, BatchTokens: 4096, QueueCapacity: 64, Workers: 1));
        var sizes = new System.Collections.Concurrent.ConcurrentQueue<int>();
        batcher.BeforeDecode = sizes.Enqueue;

        // One client: its sentence is decoded at once and alone, although another arrives well within the window.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await batcher.DecodeAsync([ids[0]], DecodeOptions.Greedy, default);
        Assert.True(clock.Elapsed < window, $"a lone sentence waited {clock.Elapsed.TotalMilliseconds:F0} ms");
        await batcher.DecodeAsync([ids[1]], DecodeOptions.Greedy, default);
        Assert.Equal([1, 1], sizes);

        // Concurrent traffic (ten requests at once, decoded together while the worker was busy) opens the window:
        // now a sentence waits, and one arriving 100 ms later joins its batch.
        using var hold = new ManualResetEventSlim();
        batcher.BeforeDecode = n => { sizes.Enqueue(n); hold.Wait(TimeSpan.FromSeconds(30)); };
        var busy = batcher.DecodeAsync([ids[2]], DecodeOptions.Greedy, default);
        while (sizes.Count < 3) await Task.Delay(10);
        var burst = Enumerable.Range(3, 8).Select(i => batcher.DecodeAsync([ids[i]], DecodeOptions.Greedy, default)).ToArray();
        while (batcher.Queued < 8) await Task.Delay(10);
        hold.Set();
        await Task.WhenAll([busy, .. burst]);
        Assert.Equal([1, 1, 1, 8], sizes);
        var first = batcher.DecodeAsync([ids[0]], DecodeOptions.Greedy, default);
        await Task.Delay(100);
        var second = batcher.DecodeAsync([ids[1]], DecodeOptions.Greedy, default);
        await Task.WhenAll(first, second);
        Assert.Equal([1, 1, 1, 8, 2], sizes);

        // Once nothing new has arrived for a quarter of the window (500 ms), the batch closes without waiting it out.
        clock.Restart();
        await batcher.DecodeAsync([ids[2]], DecodeOptions.Greedy, default);
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 400, 1900);
        Assert.Equal([1, 1, 1, 8, 2, 1], sizes);
    }

    [Fact]
    public void The_near_tie_check_tells_a_mixed_up_answer_from_a_rounding_flip()
    {
        // Another sentence's translation in place of this one's is no near-tie, so the checks above would catch a mix-up.
        var sentences = ServedModels.Test2016(40);
        var texts = models.Reference.Translate(sentences, DecodeOptions.Greedy);
        int compared = 0;
        for (int i = 0; i + 1 < sentences.Length; i++)
        {
            if (texts[i] == texts[i + 1]) continue;
            compared++;
            Assert.False(GreedyTies.SameOrNearTie(models.Reference, sentences[i], texts[i], texts[i + 1]), $"{i}: '{texts[i]}' vs '{texts[i + 1]}'");
        }
        Assert.True(compared >= 20, $"only {compared} neighbouring translations differ");
        Assert.True(GreedyTies.SameOrNearTie(models.Reference, sentences[0], texts[0], texts[0]));
    }

    /// <summary>Every sentence as its own greedy request, 16 clients at a time.</summary>
    private static async Task<(string[] Texts, double MeanBatch)> TranslateOneByOne(ServeOptions options, string[] sentences)
    {
        await using var host = await ServerHost.StartAsync(options);
        var texts = new string[sentences.Length];
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < sentences.Length;)
                texts[i] = (await host.TranslateAsync(new { text = new[] { sentences[i] }, beam = 1 }))[0][0].Text;
        }));
        var stats = host.Server.Models.Find(null)!.Batcher.Stats;
        return (texts, (double)stats.Sentences / stats.Batches);
    }
}
