using System.Numerics.Tensors;

namespace Sharpformer.Inference;

/// <summary>
/// How a one-hypothesis search picks each row's next token from its log-probabilities (the pad id is
/// already excluded, and tokens banned by the search's rules are at −∞). Argmax makes it greedy search;
/// <see cref="SamplingStrategy"/> makes it sampling.
/// </summary>
public interface INextTokenStrategy
{
    /// <summary>
    /// The next token of batch row <paramref name="sentence"/>, whose output so far is <paramref name="history"/>
    /// (without BOS; its length is the step). May modify <paramref name="logProbs"/>.
    /// </summary>
    int Choose(Span<float> logProbs, int sentence, ReadOnlySpan<int> history);
}

/// <summary>The most likely token; ties go to the lowest id.</summary>
public sealed class ArgmaxStrategy : INextTokenStrategy
{
    /// <summary>The one instance (the strategy has no state).</summary>
    public static ArgmaxStrategy Instance { get; } = new();

    /// <inheritdoc/>
    public int Choose(Span<float> logProbs, int sentence, ReadOnlySpan<int> history) => TensorPrimitives.IndexOfMax(logProbs);
}
