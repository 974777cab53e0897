using Sharpformer.Inference;
using Sharpformer.Layers;
using Sharpformer.Model;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// The KV-cached decoder against the whole model recomputed on each prefix: logits at every position,
/// through beam copies, row permutations, duplications and drops, and the recorded attention maps.
/// </summary>
public sealed class IncrementalDecoderTests
{
    private const double LogitTolerance = 1e-5, WeightTolerance = 1e-5;

    [Theory, MemberData(nameof(Names), MemberType = typeof(TinyModels))]
    public void Cached_steps_equal_full_recomputation_through_reorders(string name)
    {
        var model = Build(name, seed: 11);
        int vocab = model.Config.VocabSize;
        var rng = new Random(5);
        int[][] sources = [RandomIds(rng, 7, vocab), RandomIds(rng, 4, vocab), RandomIds(rng, 1, vocab)];   // padded to 7
        var (src, s) = PadRows(sources);
        const int copies = 2;
        var memory = model.Encode(src, sources.Length, s, ForwardContext.Eval);
        var decoder = new IncrementalDecoder(model, maxLength: 9) { RecordAttention = true };
        decoder.Start(memory, src, copies);

        // Decoder row r decodes sources[rowSource[r]] with decoder input prefixes[r].
        var rowSource = Enumerable.Range(0, sources.Length * copies).Select(r => r / copies).ToList();
        var prefixes = rowSource.Select(_ => new List<int> { Bos }).ToList();
        int[][] reorders = [[], [], [5, 0, 0, 3, 1], [], [4, 2], [], [1, 0, 1], []];   // after step i (empty: none)
        var logits = new float[sources.Length * copies * vocab];
        for (int step = 0; step < reorders.Length + 1; step++)
        {
            int rows = decoder.Rows;
            decoder.Step(prefixes.Select(p => p[^1]).ToArray(), logits.AsSpan(0, rows * vocab));
            Assert.Equal(step + 1, decoder.Position);

            var reference = FullLogits(model, rowSource.Select(i => sources[i]).ToList(), prefixes.Select(p => p.ToArray()).ToList());
            for (int r = 0; r < rows; r++)
            {
                double err = RelativeError(logits.AsSpan(r * vocab, vocab), reference.AsSpan((r * (step + 1) + step) * vocab, vocab));
                Assert.True(err <= LogitTolerance, $"{name}: step {step}, row {r}: relative error {err:E2}");
            }
            CheckAttention(model, decoder, rowSource, prefixes, name);

            foreach (var p in prefixes) p.Add(1 + rng.Next(vocab - 1));   // next inputs: any non-pad id
            if (step < reorders.Length && reorders[step].Length > 0)
            {
                var parents = reorders[step];
                decoder.Reorder(parents);
                rowSource = parents.Select(p => rowSource[p]).ToList();
                prefixes = parents.Select(p => new List<int>(prefixes[p])).ToList();
            }
        }
    }

    // The recorded maps of every row equal the attention weights of the full forward pass just run.
    private static void CheckAttention(Transformer model, IncrementalDecoder decoder, List<int> rowSource, List<List<int>> prefixes, string name)
    {
        int heads = model.Config.Heads, t = decoder.Position;
        for (int r = 0; r < decoder.Rows; r++)
        {
            var history = decoder.AttentionHistory(r);
            Assert.Equal(t, history.Count);
            for (int l = 0; l < model.Config.DecoderLayers; l++)
            {
                var self = model.Decoder.Layers[l].SelfAttention.Weights;     // [rows, h, t, t]
                var cross = model.Decoder.Layers[l].CrossAttention.Weights;   // [rows, h, t, S]
                int sourceLength = cross.Dim(3);
                for (int step = 0; step < t; step++)
                    for (int h = 0; h < heads; h++)
                    {
                        AssertClose(self.Span.Slice(((r * heads + h) * t + step) * t, step + 1), history[step].Self[l][h], $"{name} self l{l} h{h} step {step} row {r}");
                        AssertClose(cross.Span.Slice(((r * heads + h) * t + step) * sourceLength, sourceLength), history[step].Cross[l][h], $"{name} cross l{l} h{h} step {step} row {r}");
                    }
            }
        }
    }

    private static void AssertClose(ReadOnlySpan<float> expected, float[] actual, string what)
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

        FullLogits(model, [source], [[Bos, .. output[..^1]]]);
        int heads = model.Config.Heads, t = output.Length;
        for (int l = 0; l < model.Config.DecoderLayers; l++)
            for (int step = 0; step < t; step++)
                for (int h = 0; h < heads; h++)
                {
                    AssertClose(model.Decoder.Layers[l].SelfAttention.Weights.Span.Slice((h * t + step) * t, step + 1), maps[step].Self[l][h], $"self l{l} h{h} step {step}");
                    AssertClose(model.Decoder.Layers[l].CrossAttention.Weights.Span.Slice((h * t + step) * source.Length, source.Length), maps[step].Cross[l][h], $"cross l{l} h{h} step {step}");
                    Assert.Equal(1.0, maps[step].Cross[l][h].Sum(), 4);
                    Assert.Equal(1.0, maps[step].Self[l][h].Sum(), 4);
                }
    }

    [Fact]
    public void Attention_history_is_refused_when_not_recorded()
    {
        var model = Build("post-relu", seed: 1);
        int[] src = [3, 4, 5];
        var decoder = new IncrementalDecoder(model, 4);
        decoder.Start(model.Encode(src, 1, 3, ForwardContext.Eval), src);
        decoder.Step([Bos], new float[model.Config.VocabSize]);
        Assert.Throws<InvalidOperationException>(() => decoder.AttentionHistory(0));
    }

    [Fact]
    public void Reused_decoder_restarts_cleanly_after_reorders_swapped_its_buffers()
    {
        // Reorders swap cache buffers of different sizes; a later, larger Start must still fit them all.
        var model = Build("post-relu", seed: 4);
        int vocab = model.Config.VocabSize;
        var decoder = new IncrementalDecoder(model, maxLength: 6);
        var logits = new float[16 * vocab];
        var rng = new Random(8);
        var longSource = RandomIds(rng, 20, vocab);   // a cross-attention cache far larger than the self-attention one
        decoder.Start(model.Encode(longSource, 1, 20, ForwardContext.Eval), longSource, copies: 2);
        decoder.Step([Bos, Bos], logits.AsSpan(0, 2 * vocab));
        decoder.Reorder([1, 0]);
        decoder.Step([5, 6], logits.AsSpan(0, 2 * vocab));
        decoder.Reorder([1, 1]);

        int[][] sources = [RandomIds(rng, 6, vocab), RandomIds(rng, 3, vocab)];
        var (src, s) = PadRows(sources);
        decoder.Start(model.Encode(src, 2, s, ForwardContext.Eval), src, copies: 4);
        var rows = Enumerable.Range(0, 8).ToList();
        var prefixes = rows.Select(r => new[] { Bos, 3 + r % 5 }).ToList();
        for (int step = 0; step < 2; step++) decoder.Step(prefixes.Select(p => p[step]).ToArray(), logits.AsSpan(0, 8 * vocab));
        var reference = FullLogits(model, rows.Select(r => sources[r / 4]).ToList(), prefixes);
        for (int r = 0; r < 8; r++)
            Assert.True(RelativeError(logits.AsSpan(r * vocab, vocab), reference.AsSpan((r * 2 + 1) * vocab, vocab)) <= LogitTolerance, $"row {r}");
    }
}
