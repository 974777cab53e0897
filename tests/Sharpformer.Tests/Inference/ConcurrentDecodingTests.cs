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
        ConcurrentDecoding.AssertMatchesSingleThread(model, sources, threads: 6, rounds: 3);
    }
}
