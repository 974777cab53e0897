using Sharpformer.Inference;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// One loaded model, many threads: the model holds only weights, so searches started on several
/// threads at once, each with its own decoder state, must give exactly the results of one thread
/// decoding the same sentences alone (ids and scores bit for bit).
/// </summary>
public sealed class ConcurrentDecodingTests
{
    [Fact]
    public void Sentences_decoded_concurrently_on_one_model_equal_the_single_threaded_results()
    {
        var model = Build("pre-gelu", seed: 12, vocab: 29);
        var rng = new Random(3);
        var sources = Enumerable.Range(0, 24).Select(i => RandomIds(rng, 2 + i % 9, 29)).ToArray();
        var beam = new BeamSearchOptions { BeamSize = 3, LengthPenalty = 0.6, NBest = 2 };

        (int[] Tokens, double Score)[] Decode(int i) =>
            i % 2 == 0
                ? GreedySearch.Decode(model, sources[i], 1, sources[i].Length, OutputLengthRule.Default).Select(h => (h.Tokens, h.Score)).ToArray()
                : BeamSearch.Search(model, sources[i], 1, sources[i].Length, beam)[0].NBest.Select(h => (h.Tokens, h.Score)).ToArray();

        var alone = Enumerable.Range(0, sources.Length).Select(Decode).ToArray();

        const int threads = 6, rounds = 3;
        var together = new (int[] Tokens, double Score)[threads, rounds, sources.Length][];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(w => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                for (int round = 0; round < rounds; round++)
                    for (int k = 0; k < sources.Length; k++)
                    {
                        int i = (k * 7 + w * 5 + round) % sources.Length;   // every thread walks the sentences in its own order
                        together[w, round, i] = Decode(i);
                    }
            }
            catch (Exception e) { failures.Enqueue(e); }
        })).ToArray();
        foreach (var t in workers) t.Start();
        foreach (var t in workers) t.Join();
        Assert.Empty(failures);

        for (int w = 0; w < threads; w++)
            for (int round = 0; round < rounds; round++)
                for (int i = 0; i < sources.Length; i++)
                {
                    var got = together[w, round, i];
                    Assert.Equal(alone[i].Length, got.Length);
                    for (int h = 0; h < got.Length; h++)
                    {
                        Assert.Equal(alone[i][h].Tokens, got[h].Tokens);
                        Assert.Equal(alone[i][h].Score, got[h].Score);
                    }
                }
    }
}
