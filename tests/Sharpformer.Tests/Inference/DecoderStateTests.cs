using Sharpformer.Inference;
using Sharpformer.Layers;
using Sharpformer.Model;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// The model contract's KV-cached decoder state against the whole model recomputed on each prefix by the
/// training path: log-probabilities at every position, through beam copies, row permutations, duplications
/// and drops, and the attention weights each step hands out.
/// </summary>
public sealed class DecoderStateTests
{
    private const double LogProbTolerance = 1e-5, WeightTolerance = 1e-5;

    [Theory, MemberData(nameof(Names), MemberType = typeof(TinyModels))]
    public void Cached_steps_equal_full_recomputation_through_reorders(string name)
    {
        var model = Build(name, seed: 11);
        int vocab = model.Config.VocabSize;
        var rng = new Random(5);
        int[][] sources = [RandomIds(rng, 7, vocab), RandomIds(rng, 4, vocab), RandomIds(rng, 1, vocab)];   // padded to 7
        var (src, s) = PadRows(sources);
        const int copies = 2;
        using var decoder = model.StartDecoder(model.Encode(src, sources.Length, s), copies, maxSteps: 9, withAttention: true);

        // Decoder row r decodes sources[rowSource[r]] with decoder input prefixes[r].
        var rowSource = Enumerable.Range(0, sources.Length * copies).Select(r => r / copies).ToList();
        var prefixes = rowSource.Select(_ => new List<int> { Bos }).ToList();
        int[][] reorders = [[], [], [5, 0, 0, 3, 1], [], [4, 2], [], [1, 0, 1], []];   // after step i (empty: none)
        for (int step = 0; step < reorders.Length + 1; step++)
        {
            int rows = decoder.Rows;
            var logProbs = decoder.Step(prefixes.Select(p => p[^1]).ToArray()).ToArray();
            Assert.Equal(step + 1, decoder.Position);

            var (reference, network) = FullForward(model, rowSource.Select(i => sources[i]).ToList(), prefixes.Select(p => p.ToArray()).ToList());
            for (int r = 0; r < rows; r++)
            {
                var expected = LogSoftmax(reference.AsSpan((r * (step + 1) + step) * vocab, vocab));
                double err = RelativeError(logProbs.AsSpan(r * vocab, vocab), expected.Select(x => (float)x).ToArray());
                Assert.True(err <= LogProbTolerance, $"{name}: step {step}, row {r}: relative error {err:E2}");
            }
            CheckLastAttention(model, decoder.LastAttention!, network, step, name);

            foreach (var p in prefixes) p.Add(1 + rng.Next(vocab - 1));   // next inputs: any non-pad id
            if (step < reorders.Length && reorders[step].Length > 0)
            {
                var parents = reorders[step];
                decoder.Reorder(parents);
                rowSource = parents.Select(p => rowSource[p]).ToList();
                prefixes = parents.Select(p => new List<int>(prefixes[p])).ToList();
                Assert.Equal(parents.Length, decoder.LastAttention!.Cross[0].Dim(0));   // the maps follow the rows
            }
        }
    }

    // The step's maps of every row equal the last-position rows of the full forward pass's attention weights.
    private static void CheckLastAttention(Transformer model, StepAttention attention, TransformerNetwork network, int step, string name)
    {
        int heads = model.Config.Heads, t = step + 1;
        for (int l = 0; l < model.Config.DecoderLayers; l++)
        {
            var self = network.Decoder.Layers[l].SelfAttention.Weights;     // [rows, h, t, t]
            var cross = network.Decoder.Layers[l].CrossAttention.Weights;   // [rows, h, t, S]
            int rows = self.Dim(0), sourceLength = cross.Dim(3);
            Assert.Equal([rows, heads, t], attention.Self[l].Shape);
            Assert.Equal([rows, heads, sourceLength], attention.Cross[l].Shape);
            for (int r = 0; r < rows; r++)
                for (int h = 0; h < heads; h++)
                {
                    AssertClose(self.Span.Slice(((r * heads + h) * t + step) * t, t), attention.Self[l].Span.Slice((r * heads + h) * t, t), $"{name} self l{l} h{h} step {step} row {r}");
                    AssertClose(cross.Span.Slice(((r * heads + h) * t + step) * sourceLength, sourceLength),
                        attention.Cross[l].Span.Slice((r * heads + h) * sourceLength, sourceLength), $"{name} cross l{l} h{h} step {step} row {r}");
                }
        }
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= WeightTolerance, $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void Collected_attention_maps_match_the_full_forward_pass_and_sum_to_one()
    {
        var model = Build("pre-gelu", seed: 3);
        var rng = new Random(2);
        var source = RandomIds(rng, 5, model.Config.VocabSize);
        int[] output = [4, 7, 7, Eos];
        var maps = AttentionMaps.Collect(model, source, output);
        Assert.Equal(output.Length, maps.Count);

        var (_, network) = FullForward(model, [source], [[Bos, .. output[..^1]]]);
        int heads = model.Config.Heads, t = output.Length;
        for (int l = 0; l < model.Config.DecoderLayers; l++)
            for (int step = 0; step < t; step++)
                for (int h = 0; h < heads; h++)
                {
                    AssertClose(network.Decoder.Layers[l].SelfAttention.Weights.Span.Slice((h * t + step) * t, step + 1), maps[step].Self[l][h], $"self l{l} h{h} step {step}");
                    AssertClose(network.Decoder.Layers[l].CrossAttention.Weights.Span.Slice((h * t + step) * source.Length, source.Length), maps[step].Cross[l][h], $"cross l{l} h{h} step {step}");
                    Assert.Equal(1.0, maps[step].Cross[l][h].Sum(), 4);
                    Assert.Equal(1.0, maps[step].Self[l][h].Sum(), 4);
                }
    }

    [Fact]
    public void Encoder_self_attention_is_kept_only_on_request_and_matches_the_training_path()
    {
        var model = Build("post-relu", seed: 6);
        var rng = new Random(4);
        int[][] sources = [RandomIds(rng, 5, model.Config.VocabSize), RandomIds(rng, 3, model.Config.VocabSize)];
        var (src, s) = PadRows(sources);
        Assert.Empty(model.Encode(src, 2, s).SelfAttention);
        var encoded = model.Encode(src, 2, s, withAttention: true);
        var network = model.CreateWorkspace();
        network.Encode(src, 2, s, ForwardContext.Eval);
        Assert.Equal(model.Config.EncoderLayers, encoded.SelfAttention.Count);
        for (int l = 0; l < model.Config.EncoderLayers; l++)
            AssertClose(network.Encoder.Layers[l].SelfAttention.Weights.Span, encoded.SelfAttention[l].Span, $"encoder layer {l}");
    }

    [Fact]
    public void Attention_is_null_when_not_requested()
    {
        var model = Build("post-relu", seed: 1);
        int[] src = [3, 4, 5];
        using var decoder = model.StartDecoder(model.Encode(src, 1, 3), copies: 1, maxSteps: 4);
        decoder.Step([Bos]);
        Assert.Null(decoder.LastAttention);
    }

    [Fact]
    public void A_reused_network_decodes_cleanly_after_reorders_swapped_buffers_and_a_larger_start()
    {
        // A disposed state hands its network back for reuse; the next decode must not see its old buffers.
        var model = Build("post-relu", seed: 4);
        int vocab = model.Config.VocabSize;
        var rng = new Random(8);
        var longSource = RandomIds(rng, 20, vocab);   // a cross-attention cache far larger than the self-attention one
        using (var first = model.StartDecoder(model.Encode(longSource, 1, 20), copies: 2, maxSteps: 6))
        {
            first.Step([Bos, Bos]);
            first.Reorder([1, 0]);
            first.Step([5, 6]);
            first.Reorder([1, 1]);
        }

        int[][] sources = [RandomIds(rng, 6, vocab), RandomIds(rng, 3, vocab)];
        var (src, s) = PadRows(sources);
        using var decoder = model.StartDecoder(model.Encode(src, 2, s), copies: 4, maxSteps: 6);
        var rows = Enumerable.Range(0, 8).ToList();
        var prefixes = rows.Select(r => new[] { Bos, 3 + r % 5 }).ToList();
        float[] logProbs = [];
        for (int step = 0; step < 2; step++) logProbs = decoder.Step(prefixes.Select(p => p[step]).ToArray()).ToArray();
        var reference = FullLogits(model, rows.Select(r => sources[r / 4]).ToList(), prefixes);
        for (int r = 0; r < 8; r++)
        {
            var expected = LogSoftmax(reference.AsSpan((r * 2 + 1) * vocab, vocab)).Select(x => (float)x).ToArray();
            Assert.True(RelativeError(logProbs.AsSpan(r * vocab, vocab), expected) <= LogProbTolerance, $"row {r}");
        }
    }

    [Fact]
    public void A_step_beyond_the_started_length_or_with_the_wrong_row_count_is_refused()
    {
        var model = Build("post-relu", seed: 2);
        using var decoder = model.StartDecoder(model.Encode([3, 4], 1, 2), copies: 2, maxSteps: 1);
        Assert.Throws<ArgumentException>(() => decoder.Step([Bos]));
        decoder.Step([Bos, Bos]);
        Assert.Throws<InvalidOperationException>(() => decoder.Step([4, 4]));
    }
}
