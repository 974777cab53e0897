using Sharpformer.Inference;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Rnn;

/// <summary>
/// The RNN decoder state against the whole model recomputed on each prefix by the training path
/// (<see cref="RnnNetwork.Forward"/>, every position at once): log-probabilities at every position and the attention
/// weights each step hands out, through beam copies, row permutations, duplications and drops, for every
/// architecture and cell.
/// </summary>
public sealed class RnnDecoderStateTests
{
    private const double LogProbTolerance = 1e-5, WeightTolerance = 1e-5;

    [Theory, MemberData(nameof(TinyRnn.All), MemberType = typeof(TinyRnn))]
    public void Cached_steps_equal_full_recomputation_through_reorders(string architecture, RecurrentCellKind cell)
    {
        var model = TinyRnn.Build(architecture, cell, seed: 11);
        int vocab = model.Config.VocabSize;
        var rng = new Random(5);
        int[][] sources = [RandomIds(rng, 7, vocab), RandomIds(rng, 4, vocab), RandomIds(rng, 1, vocab)];   // padded to 7
        var (src, s) = PadRows(sources);
        const int copies = 2;
        using var decoder = model.StartDecoder(model.Encode(src, sources.Length, s), copies, maxSteps: 9, withAttention: true);

        // Decoder row r decodes sources[rowSource[r]] with decoder input prefixes[r].
        var rowSource = Enumerable.Range(0, sources.Length * copies).Select(r => r / copies).ToList();
        var prefixes = rowSource.Select(_ => new List<int> { TinyRnn.Bos }).ToList();
        int[][] reorders = [[], [], [5, 0, 0, 3, 1], [], [4, 2], [], [1, 0, 1], []];   // after step i (empty: none)
        for (int step = 0; step < reorders.Length + 1; step++)
        {
            int rows = decoder.Rows;
            var logProbs = decoder.Step(prefixes.Select(p => p[^1]).ToArray()).ToArray();
            Assert.Equal(step + 1, decoder.Position);

            var (reference, network) = TinyRnn.FullForward(model, rowSource.Select(i => sources[i]).ToList(), prefixes.Select(p => p.ToArray()).ToList());
            for (int r = 0; r < rows; r++)
            {
                var expected = LogSoftmax(reference.AsSpan((r * (step + 1) + step) * vocab, vocab));
                double err = RelativeError(logProbs.AsSpan(r * vocab, vocab), expected.Select(x => (float)x).ToArray());
                Assert.True(err <= LogProbTolerance, $"{architecture} {cell}: step {step}, row {r}: relative error {err:E2}");
            }
            CheckLastAttention(decoder.LastAttention!, network, step, $"{architecture} {cell}");

            foreach (var p in prefixes) p.Add(1 + rng.Next(vocab - 1));   // next inputs: any non-pad id
            if (step < reorders.Length && reorders[step].Length > 0)
            {
                var parents = reorders[step];
                decoder.Reorder(parents);
                rowSource = parents.Select(p => rowSource[p]).ToList();
                prefixes = parents.Select(p => new List<int>(prefixes[p])).ToList();
                if (architecture != RnnConfig.PlainName) Assert.Equal(parents.Length, decoder.LastAttention!.Cross[0].Dim(0));   // the maps follow the rows
            }
        }
    }

    // The step's map of every row equals the last-position row of the full forward pass's attention weights; rnn has none.
    private static void CheckLastAttention(StepAttention attention, RnnNetwork network, int step, string name)
    {
        Assert.Empty(attention.Self);
        if (network.AttentionWeights is not { } full)
        {
            Assert.Empty(attention.Cross);
            return;
        }
        int rows = full.Dim(0), t = step + 1, sourceLength = full.Dim(2);            // full: [rows, t, S]
        var cross = Assert.Single(attention.Cross);
        Assert.Equal([rows, 1, sourceLength], cross.Shape);
        for (int r = 0; r < rows; r++)
        {
            var expected = full.Span.Slice((r * t + step) * sourceLength, sourceLength);
            var actual = cross.Span.Slice(r * sourceLength, sourceLength);
            for (int j = 0; j < sourceLength; j++)
                Assert.True(Math.Abs(actual[j] - expected[j]) <= WeightTolerance, $"{name} step {step} row {r} key {j}: {actual[j]} vs {expected[j]}");
        }
    }

    [Theory, MemberData(nameof(TinyRnn.Architectures), MemberType = typeof(TinyRnn))]
    public void Beam_width_one_retraces_greedy(string architecture)
    {
        var model = TinyRnn.Build(architecture, RecurrentCellKind.Gru, seed: 31);
        var rng = new Random(7);
        int[][] sources = [RandomIds(rng, 5, 13), RandomIds(rng, 2, 13), RandomIds(rng, 7, 13), RandomIds(rng, 3, 13)];
        var (src, s) = PadRows(sources);
        var greedy = GreedySearch.Decode(model, src, sources.Length, s, new OutputLengthRule(0.5, 4, 100));
        var beam = BeamSearch.Search(model, src, sources.Length, s, new BeamSearchOptions { BeamSize = 1, LengthPenalty = 0, MaxLenA = 0.5, MaxLenB = 4, MaxLenCap = 100 });
        for (int b = 0; b < sources.Length; b++)
        {
            Assert.Equal(greedy[b].Tokens, beam[b].BestTokens);
            Assert.Equal(greedy[b].EndedWithEos, beam[b].Best.EndedWithEos);
            Assert.Equal(greedy[b].LogProb, beam[b].Best.LogProb, 1e-5);
        }
    }

    [Theory, MemberData(nameof(TinyRnn.Architectures), MemberType = typeof(TinyRnn))]
    public void Sentences_decoded_concurrently_on_one_model_equal_the_single_threaded_results(string architecture)
    {
        var model = TinyRnn.Build(architecture, RecurrentCellKind.Lstm, seed: 12, vocab: 29);
        var rng = new Random(3);
        var sources = Enumerable.Range(0, 16).Select(i => RandomIds(rng, 2 + i % 9, 29)).ToArray();
        Inference.ConcurrentDecoding.AssertMatchesSingleThread(model, sources, threads: 4, rounds: 1);
    }

    [Theory]
    [InlineData(RnnConfig.DotName)]
    [InlineData(RnnConfig.AdditiveName)]
    public void Attention_rows_sum_to_one_and_padding_gets_none(string architecture)
    {
        var model = TinyRnn.Build(architecture, RecurrentCellKind.Gru, seed: 4);
        var rng = new Random(9);
        int[][] sources = [RandomIds(rng, 6, 13), RandomIds(rng, 2, 13)];             // the second row: 4 pad columns
        var (src, s) = PadRows(sources);
        using var decoder = model.StartDecoder(model.Encode(src, 2, s), copies: 2, maxSteps: 4, withAttention: true);
        int[] tokens = [TinyRnn.Bos, TinyRnn.Bos, TinyRnn.Bos, TinyRnn.Bos];
        for (int step = 0; step < 4; step++)
        {
            decoder.Step(tokens);
            var map = Assert.Single(decoder.LastAttention!.Cross);                     // [rows, 1 head, S]
            for (int r = 0; r < decoder.Rows; r++)
            {
                var row = map.Span.Slice(r * s, s).ToArray();
                Assert.Equal(1.0, row.Sum(v => (double)v), 5);
                Assert.All(row, v => Assert.True(v >= 0));
                int real = sources[r / 2].Length;
                Assert.All(row[real..], v => Assert.Equal(0f, v));
                Assert.Contains(row[..real], v => v > 0);
            }
            tokens = [3 + step, 4, 5, 6 + step];
        }

        var maps = AttentionMaps.Collect(model, sources[0], [4, 5, TinyRnn.Eos]);
        Assert.All(maps, m => { Assert.Empty(m.Self); Assert.Equal(1.0, m.Cross[0][0].Sum(), 5); });
    }

    [Fact]
    public void The_plain_rnn_has_no_attention_to_hand_out()
    {
        var model = TinyRnn.Build(RnnConfig.PlainName, RecurrentCellKind.Gru, seed: 2);
        using var decoder = model.StartDecoder(model.Encode([3, 4, 5], 1, 3), copies: 1, maxSteps: 2, withAttention: true);
        decoder.Step([TinyRnn.Bos]);
        Assert.Empty(decoder.LastAttention!.Cross);
        Assert.Empty(decoder.LastAttention.Self);
        Assert.Empty(model.Encode([3, 4, 5], 1, 3, withAttention: true).SelfAttention);
    }
}
