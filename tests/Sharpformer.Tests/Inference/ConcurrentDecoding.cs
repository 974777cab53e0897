using Sharpformer.Inference;
using Sharpformer.Model;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// One model, many threads: greedy (even sentences) and beam searches (odd) started on several threads at once, each
/// walking the sentences in its own order, must give exactly what one thread gives decoding them alone (ids and scores bit for bit).
/// </summary>
internal static class ConcurrentDecoding
{
    public static void AssertMatchesSingleThread(ISeq2SeqModel model, int[][] sources, int threads, int rounds)
    {
        var beam = new BeamSearchOptions { BeamSize = 3, LengthPenalty = 0.6, NBest = 2 };
        (int[] Tokens, double Score)[] Decode(int i) =>
            i % 2 == 0
                ? GreedySearch.Decode(model, sources[i], 1, sources[i].Length, OutputLengthRule.Default).Select(h => (h.Tokens, h.Score)).ToArray()
                : BeamSearch.Search(model, sources[i], 1, sources[i].Length, beam)[0].NBest.Select(h => (h.Tokens, h.Score)).ToArray();

        var alone = Enumerable.Range(0, sources.Length).Select(Decode).ToArray();

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
