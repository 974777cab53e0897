using System.Numerics.Tensors;

namespace Sharpformer.Inference;

/// <summary>
/// How a one-hypothesis search picks each row's next token from its log-probabilities (the pad id is
/// already excluded). Argmax makes it greedy search; a sampler would make it sampling.
/// </summary>
public interface INextTokenStrategy
{
    /// <summary>The next token of sentence <paramref name="sentence"/> at step <paramref name="step"/>; may modify the span.</summary>
    int Choose(Span<float> logProbs, int sentence, int step);
}

/// <summary>The most likely token; ties go to the lowest id.</summary>
public sealed class ArgmaxStrategy : INextTokenStrategy
{
    public static ArgmaxStrategy Instance { get; } = new();

    public int Choose(Span<float> logProbs, int sentence, int step) => TensorPrimitives.IndexOfMax(logProbs);
}
