using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Inference;

/// <summary>How to search for translations, and how many source tokens to decode at once.</summary>
public sealed record DecodeOptions
{
    /// <summary>Beam size 1 means greedy search; the length rule applies to both.</summary>
    public BeamSearchOptions Search { get; init; } = new() { BeamSize = 1 };

    /// <summary>Source tokens per decoding batch (sentences are sorted by length first).</summary>
    public int BatchTokens { get; init; } = 4096;

    public static DecodeOptions Greedy { get; } = new();
    public static DecodeOptions Beam(int size, double lengthPenalty = 0.6) => new() { Search = new BeamSearchOptions { BeamSize = size, LengthPenalty = lengthPenalty } };
}

/// <summary>One detokenised hypothesis with its search score (log P / lp(|Y|)) and log-probability.</summary>
public sealed record ScoredTranslation(string Text, double Score, double LogProb);

/// <summary>
/// Text in, text out: tokenises sources, decodes them in length-sorted batches under a token
/// budget, and detokenises the results back into ordinary text in the original order.
/// </summary>
public sealed class Translator
{
    public Translator(Transformer model, SubwordTokenizer tokenizer)
    {
        Model = model;
        Tokenizer = tokenizer;
    }

    public Transformer Model { get; }
    public SubwordTokenizer Tokenizer { get; }

    /// <summary>Translates every source line; <paramref name="progress"/> receives the count of finished sentences.</summary>
    public string[] Translate(IReadOnlyList<string> sources, DecodeOptions options, IProgress<int>? progress = null) =>
        TranslateNBest(sources, options, progress).Select(list => list[0].Text).ToArray();

    /// <summary>
    /// Translates every source line into its n-best list (<see cref="BeamSearchOptions.NBest"/> entries, best
    /// first; greedy search gives one), in the order of <paramref name="sources"/>.
    /// </summary>
    public ScoredTranslation[][] TranslateNBest(IReadOnlyList<string> sources, DecodeOptions options, IProgress<int>? progress = null)
    {
        var ids = sources.Select(s => Tokenizer.Encode(s, addBos: false, addEos: true)).ToArray();
        var results = new ScoredTranslation[sources.Count][];
        int done = 0;
        foreach (var batch in Batches(ids, options.BatchTokens))
        {
            var outputs = DecodeBatchNBest(batch.Select(i => ids[i]).ToArray(), options);
            for (int j = 0; j < batch.Length; j++)
                results[batch[j]] = outputs[j].Select(h => new ScoredTranslation(Tokenizer.Decode(h.Tokens), h.Score, h.LogProb)).ToArray();
            done += batch.Length;
            progress?.Report(done);
        }
        return results;
    }

    /// <summary>Decodes id sequences (each ending with EOS) of one batch; returns the output ids without BOS/EOS.</summary>
    public int[][] DecodeBatch(int[][] sources, DecodeOptions options) =>
        DecodeBatchNBest(sources, options).Select(list => list[0].Tokens).ToArray();

    /// <summary>Decodes one batch; per sentence the n-best hypotheses, best first.</summary>
    public IReadOnlyList<Hypothesis>[] DecodeBatchNBest(int[][] sources, DecodeOptions options)
    {
        int batch = sources.Length, length = sources.Max(s => s.Length);
        var padded = new int[batch * length];       // [B, S]
        Array.Fill(padded, Model.Config.PadId);
        for (int i = 0; i < batch; i++) sources[i].CopyTo(padded, i * length);
        var search = options.Search.Validate();
        if (search.BeamSize == 1)
            return GreedySearch.Decode(Model, padded, batch, length, search.OutputLength).Select(h => (IReadOnlyList<Hypothesis>)[h]).ToArray();
        return BeamSearch.Search(Model, padded, batch, length, search).Select(r => r.NBest).ToArray();
    }

    /// <summary>Sentence indices grouped into batches of similar length (longest first) under the token budget.</summary>
    private static IEnumerable<int[]> Batches(int[][] ids, int budget)
    {
        var order = Enumerable.Range(0, ids.Length).OrderByDescending(i => ids[i].Length).ToArray();
        var current = new List<int>();
        int longest = 0;
        foreach (int i in order)
        {
            int newLongest = Math.Max(longest, ids[i].Length);
            if (current.Count > 0 && (current.Count + 1) * newLongest > budget)
            {
                yield return current.ToArray();
                current.Clear();
                newLongest = ids[i].Length;
            }
            current.Add(i);
            longest = newLongest;
        }
        if (current.Count > 0) yield return current.ToArray();
    }
}
