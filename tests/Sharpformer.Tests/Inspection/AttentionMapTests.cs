using Sharpformer.Inference;
using Sharpformer.Model;
using Sharpformer.Text;
using Sharpformer.Training;
using Xunit.Abstractions;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inspection;

/// <summary>
/// The maps `attention` draws are the weights the forward pass used: equal to a recomputation through the
/// training-path forward, zero on padding, and, on a one-layer model trained to reverse its input, the
/// alignment a reader expects (output i looks at source n−1−i).
/// </summary>
public sealed class AttentionMapTests(ITestOutputHelper output)
{
    [Fact]
    public void Sentence_maps_equal_the_training_path_forward_on_the_same_tokens()
    {
        var tokenizer = SubwordTokenizer.Train(Enumerable.Repeat(new[] { "ein Hund läuft im Park", "a dog runs in the park", "eine Katze schläft" }, 4).SelectMany(x => x), 300);
        var model = Build(Config("pre-gelu", tokenizer.VocabSize), seed: 8);
        var translator = new Translator(model, tokenizer, DecodeOptions.Greedy with { Search = new BeamSearchOptions { BeamSize = 1, MaxLenA = 0, MaxLenB = 6 } });
        var maps = SentenceAttention.Of(translator, "ein Hund läuft");

        int[] source = tokenizer.Encode("ein Hund läuft", addBos: false, addEos: true);
        int[] output = maps.TargetTokens.Select(p => tokenizer.PieceToId(p)!.Value).ToArray();
        Assert.Equal(source.Select(tokenizer.IdToPiece), maps.SourceTokens);
        int[] input = [Bos, .. output[..^1]];            // the decoder reads BOS and the output shifted right
        var (_, network) = FullForward(model, [source], [input]);
        int s = source.Length, t = output.Length, heads = model.Config.Heads;
        for (int l = 0; l < model.Config.EncoderLayers; l++)
            Same(network.Encoder.Layers[l].SelfAttention.Weights.Span, maps.EncoderSelf[l], s, s, $"encoder self l{l}");
        for (int l = 0; l < model.Config.DecoderLayers; l++)
        {
            Same(network.Decoder.Layers[l].SelfAttention.Weights.Span, maps.DecoderSelf[l], t, t, $"decoder self l{l}");
            Same(network.Decoder.Layers[l].CrossAttention.Weights.Span, maps.Cross[l], t, s, $"cross l{l}");
        }
        Assert.Equal(heads, maps.Cross[0].Length);

        void Same(ReadOnlySpan<float> expected, float[][][] actual, int rows, int keys, string what)
        {
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < keys; j++)
                        Assert.True(Math.Abs(expected[(h * rows + i) * keys + j] - actual[h][i][j]) <= 1e-5,
                            $"{what} head {h} [{i}, {j}]: {actual[h][i][j]} vs the forward pass's {expected[(h * rows + i) * keys + j]}");
        }
    }

    [Fact]
    public void Padding_keys_get_exactly_zero_weight()
    {
        var model = Build("post-relu", seed: 2);
        var rng = new Random(4);
        int[][] sources = [RandomIds(rng, 6, 13), [5, 7, Eos], [9, Eos]];
        var (ids, width) = PadRows(sources);
        var encoded = model.Encode(ids, sources.Length, width, withAttention: true);
        using var decoder = model.StartDecoder(encoded, copies: 1, maxSteps: 3, withAttention: true);
        decoder.Step([Bos, Bos, Bos]);
        decoder.Step([4, 5, 6]);
        int heads = model.Config.Heads;
        for (int b = 0; b < sources.Length; b++)
            for (int h = 0; h < heads; h++)
            {
                foreach (var layer in encoded.SelfAttention)
                    for (int i = 0; i < width; i++)
                        for (int j = sources[b].Length; j < width; j++)
                            Assert.Equal(0f, layer.Span[((b * heads + h) * width + i) * width + j]);
                foreach (var layer in decoder.LastAttention!.Cross)
                {
                    var row = layer.Span.Slice((b * heads + h) * width, width);
                    for (int j = sources[b].Length; j < width; j++) Assert.Equal(0f, row[j]);
                    Assert.Equal(1.0, row.ToArray().Sum(), 5);
                }
            }
    }

    private const int FirstSymbol = 3, Symbols = 10;

    [Fact]
    public void A_one_layer_reverse_model_attends_from_output_i_to_source_n_minus_1_minus_i()
    {
        var config = new TransformerConfig
        {
            VocabSize = FirstSymbol + Symbols, DModel = 32, Heads = 2, DFf = 64, EncoderLayers = 1, DecoderLayers = 1,
            Dropout = 0f, PadId = Pad, BosId = Bos, EosId = Eos,
        };
        var model = new Transformer(config);
        Initialization.Initialize(model, seed: 1);
        var step = new TrainStep(model, new OptimizerSettings { LabelSmoothing = 0f, Warmup = 200, LrFactor = 1.0 }, seed: 7);
        var rng = new Random(3);
        var held = Enumerable.Range(0, 200).Select(_ => Sequence(rng)).ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int steps = 0;
        double exact = 0;
        while (steps < 6000 && exact < 0.98)
        {
            for (int i = 0; i < 250; i++) step.Run(Batch(rng, 32));
            steps += 250;
            exact = ExactShare(model, held);
        }
        output.WriteLine($"{steps} steps in {watch.Elapsed.TotalSeconds:F1} s; exact match {exact:P1}");
        Assert.True(exact >= 0.98, $"the one-layer model reverses only {exact:P1} of held-out sequences after {steps} steps");

        int positions = 0, aligned = 0;
        foreach (var s in Enumerable.Range(0, 200).Select(_ => Sequence(rng)))
        {
            int n = s.Length;
            var maps = AttentionMaps.Collect(model, [.. s, Eos], [.. s.Reverse(), Eos]);
            for (int i = 0; i < n; i++)                                       // output EOS excluded
            {
                var mean = new double[n + 1];
                foreach (var head in maps[i].Cross[0])
                    for (int j = 0; j <= n; j++) mean[j] += head[j];
                positions++;
                if (Array.IndexOf(mean, mean.Max()) == n - 1 - i) aligned++;
            }
        }
        output.WriteLine($"aligned {aligned}/{positions}");
        Assert.True(aligned >= 0.95 * positions, $"only {aligned} of {positions} output positions peak on source n−1−i");
    }

    private static double ExactShare(Transformer model, List<int[]> sequences)
    {
        var batch = Seq2SeqBatch.FromSequences(sequences.Select(s => s.Append(Eos).ToArray()).ToList(), sequences, Pad, Bos, Eos);
        var decoded = GreedySearch.Decode(model, batch.Source, batch.Batch, batch.SourceLength, maxSteps: 12);
        return sequences.Where((s, i) => decoded[i].SequenceEqual(s.Reverse().Append(Eos))).Count() / (double)sequences.Count;
    }

    private static Seq2SeqBatch Batch(Random rng, int size)
    {
        var sources = Enumerable.Range(0, size).Select(_ => Sequence(rng)).ToList();
        return Seq2SeqBatch.FromSequences(sources.Select(s => s.Append(Eos).ToArray()).ToList(), sources.Select(s => s.Reverse().ToArray()).ToList(), Pad, Bos, Eos);
    }

    private static int[] Sequence(Random rng) => Enumerable.Range(0, rng.Next(3, 9)).Select(_ => FirstSymbol + rng.Next(Symbols)).ToArray();
}
