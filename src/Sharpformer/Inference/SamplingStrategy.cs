using Sharpformer.Kernels;

namespace Sharpformer.Inference;

/// <summary>
/// Draws each next token from the model's distribution (temperature, top-k, top-p; see
/// <see cref="SamplingOptions"/>). The uniform number behind a draw is a hash of (seed, sentence id,
/// step), not the state of a generator, so an answer does not depend on what else is decoded in the
/// same batch or in which order: the same seed and the same input give the same output.
/// </summary>
public sealed class SamplingStrategy : INextTokenStrategy
{
    private readonly SamplingOptions _options;
    private readonly IReadOnlyList<int>? _sentenceIds;
    private int[] _order = [];
    private float[] _probs = [], _keys = [];

    /// <param name="options">Temperature, top-k, top-p and seed.</param>
    /// <param name="sentenceIds">
    /// The id that seeds each batch row's draws (e.g. its line number in the input), so a sentence is
    /// sampled the same however it is batched; null: the batch row itself.
    /// </param>
    public SamplingStrategy(SamplingOptions options, IReadOnlyList<int>? sentenceIds = null)
    {
        _options = options.Validate();
        _sentenceIds = sentenceIds;
    }

    /// <inheritdoc/>
    public int Choose(Span<float> logProbs, int sentence, ReadOnlySpan<int> history)
    {
        int v = logProbs.Length;
        if (_probs.Length < v) (_probs, _keys, _order) = (new float[v], new float[v], new int[v]);
        var probs = _probs.AsSpan(0, v);
        var keys = _keys.AsSpan(0, v);
        var order = _order.AsSpan(0, v);

        // p_i ∝ exp((log p_i − max) / T), in float64 sums so that small tails are not lost.
        float max = float.NegativeInfinity;
        foreach (float x in logProbs) if (x > max) max = x;
        if (float.IsNegativeInfinity(max) || float.IsNaN(max)) return ArgmaxStrategy.Instance.Choose(logProbs, sentence, history);
        double inverseT = 1.0 / _options.Temperature;
        for (int i = 0; i < v; i++)
        {
            probs[i] = (float)Math.Exp((logProbs[i] - max) * inverseT);
            keys[i] = -probs[i];
            order[i] = i;
        }

        // Most likely first, then the top-k and top-p cut. The sort is a pure function of the
        // probabilities, so equal inputs give equal orders (and equal draws) in any process.
        keys.Sort(order);
        int keep = _options.TopK > 0 ? Math.Min(_options.TopK, v) : v;
        double total = 0;
        for (int i = 0; i < keep; i++) total += probs[order[i]];
        if (_options.TopP < 1)
        {
            double running = 0;
            for (int i = 0; i < keep; i++)
            {
                running += probs[order[i]];
                if (running >= _options.TopP * total) { keep = i + 1; total = running; break; }
            }
        }

        // The first kept token whose cumulative probability passes u·total.
        double u = Uniform(_sentenceIds != null ? _sentenceIds[sentence] : sentence, history.Length) * total, cumulative = 0;
        for (int i = 0; i < keep; i++)
        {
            cumulative += probs[order[i]];
            if (cumulative > u) return order[i];
        }
        return order[keep - 1];
    }

    // A uniform number in [0, 1) from (seed, sentence, step): 53 bits of a SplitMix64 hash.
    private double Uniform(int sentence, int step)
    {
        ulong z = Dropout.Mix(_options.Seed ^ Dropout.Mix(((ulong)(uint)sentence << 32) | (uint)step));
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
