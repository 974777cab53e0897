using Sharpformer.Analysis;
using Sharpformer.Inference;
using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Tests.Analysis;

/// <summary>
/// Which source positions the decoder depends on. Gradient saliency is held to finite differences of the reference's
/// log-likelihood: a source token used once perturbs its embedding row E[id], and since the output projection is tied
/// to E, its share Σ_n (1[y_n = id] − p_n(id))·h_n (computed from one forward pass, h_n the vector the projection reads) is
/// taken off; what is left is √d·∂ log p/∂x_j at that position. Attention mass is held to the maps the decoding path
/// hands out for each sentence on its own. The binning into relative positions is checked on sentences worked by hand.
/// </summary>
public sealed class SourceDependenceTests
{
    private const int Pad = 0, Bos = 1, Eos = 2, Vocab = 24;

    // every source word id (10 … 23) once, EOS last; targets from 3 … 9, so E[source id] is used only as that source word and by the output projection
    private static readonly int[][] Sources = [[10, 11, 12, 13, 14, Eos], [15, 16, Eos], [17, 18, 19, 20, Eos]];
    private static readonly int[][] Targets = [[3, 4, 5], [6, 7, 8, 9], [5, 3]];

    public static TheoryData<string> Architectures() => new([Transformer.ArchitectureName, .. RnnConfig.ArchitectureNames]);

    private static ITrainableModel Build(string architecture)
    {
        if (architecture == Transformer.ArchitectureName)
        {
            var transformer = new Transformer(new TransformerConfig
            {
                VocabSize = Vocab, DModel = 8, Heads = 2, DFf = 16, EncoderLayers = 2, DecoderLayers = 2, Activation = Activation.Gelu, Dropout = 0.1f,
            });
            transformer.Initialize(4);
            return transformer;
        }
        return Rnn.TinyRnn.Build(Rnn.TinyRnn.Config(architecture, RecurrentCellKind.Gru, layers: 1, dropout: 0.1f, vocab: Vocab), seed: 4);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Gradient_saliency_matches_finite_differences_of_the_log_likelihood(string architecture)
    {
        var model = Build(architecture);
        var norms = SourceDependence.GradientNorms(model, Sources, Targets, batchTokens: 1000);
        var batch = Seq2SeqBatch.FromSequences(Sources, Targets, Pad, Bos, Eos);
        var network = model.CreateWorkspace();
        var (logProbs, hidden) = Pass(network, batch);
        var embed = model.ParameterByName["embed.weight"];
        int d = embed.Shape[1];
        for (int b = 0; b < Sources.Length; b++)
            for (int j = 0; j < Sources[b].Length - 1; j++)
            {
                int id = Sources[b][j];
                var total = new double[d];
                for (int i = 0; i < d; i++)
                    total[i] = Derivative(v => { embed.Value.Span[id * d + i] = v; return Pass(network, batch).LogProbs; }, embed.Value.Span[id * d + i], batch);
                // the tied projection's share: logit_n(id) = h_n·E[id], ∂ log p(y_n)/∂logit_n(id) = −p_n(id) (id is never a target)
                double norm = 0;
                for (int i = 0; i < d; i++)
                {
                    double output = 0;
                    for (int n = 0; n < batch.TargetOut.Length; n++)
                        if (batch.TargetOut[n] != Pad) output -= Math.Exp(logProbs[n * Vocab + id]) * hidden[n * d + i];
                    double source = (total[i] - output) / Math.Sqrt(d);
                    norm += source * source;
                }
                norm = Math.Sqrt(norm);
                Assert.True(Math.Abs(norms[b][j] - norm) <= 2e-3 * norm + 1e-6, $"{architecture} sentence {b} position {j}: saliency {norms[b][j]:G6}, finite differences {norm:G6}");
                Assert.True(norm > 1e-4, $"{architecture}: position {j} of sentence {b} has no gradient to check");
            }
        Assert.Equal(Sources.Select(s => s.Length), norms.Select(n => n.Length));
    }

    // Log-softmax of every logit row [N, V] (double) and the vectors the tied projection read [N, d], of one eval pass.
    private static (double[] LogProbs, float[] Hidden) Pass(ITrainingNetwork network, Seq2SeqBatch b)
    {
        Tensor logits;
        float[] hidden;
        if (network is TransformerNetwork t)
        {
            var h = t.DecodeHidden(b.TargetIn, b.TargetLength, t.Encode(b.Source, b.Batch, b.SourceLength, ForwardContext.Eval), ForwardContext.Eval);
            hidden = h.Span.ToArray();
            logits = t.Generator.Forward(h);
        }
        else
        {
            logits = network.Forward(b.Source, b.TargetIn, b.Batch, b.SourceLength, b.TargetLength, ForwardContext.Eval);
            hidden = ((RnnNetwork)network).AttentionalHidden.Output.Span.ToArray();
        }
        var z = logits.Span;
        var result = new double[z.Length];
        for (int n = 0; n < z.Length / Vocab; n++)
        {
            var row = z.Slice(n * Vocab, Vocab);
            double max = double.MinValue, sum = 0;
            foreach (float v in row) max = Math.Max(max, v);
            foreach (float v in row) sum += Math.Exp(v - max);
            for (int c = 0; c < Vocab; c++) result[n * Vocab + c] = row[c] - max - Math.Log(sum);
        }
        return (result, hidden);
    }

    // ∂L/∂θ for one weight θ (set through `set`, restored after): central differences at h and h/2, Richardson-extrapolated.
    private static double Derivative(Func<float, double[]> set, float value, Seq2SeqBatch b)
    {
        double L(float v)
        {
            var logProbs = set(v);
            double sum = 0;
            for (int n = 0; n < b.TargetOut.Length; n++)
                if (b.TargetOut[n] != Pad) sum += logProbs[n * Vocab + b.TargetOut[n]];
            return sum;
        }
        const float h = 0.02f;
        double Central(float step) => (L(value + step) - L(value - step)) / (2.0 * step);
        double result = (4 * Central(h / 2) - Central(h)) / 3;
        set(value);
        return result;
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Attention_mass_is_the_decoding_paths_maps_averaged_and_sums_to_one(string architecture)
    {
        var model = Build(architecture);
        var mass = SourceDependence.AttentionMass(model, Sources, Targets, batchTokens: 1000);
        if (architecture == RnnConfig.PlainName) { Assert.Null(mass); return; }
        Assert.NotNull(mass);
        for (int b = 0; b < Sources.Length; b++)
        {
            Assert.Equal(1.0, mass[b].Sum(v => (double)v), 5);
            // one sentence alone, step by step through the decoder state, reading the reference and EOS
            var steps = AttentionMaps.Collect(model, Sources[b], [.. Targets[b], Eos]);
            var expected = new double[Sources[b].Length];
            int maps = 0;
            foreach (var step in steps)
                foreach (var layer in step.Cross)
                    foreach (var head in layer)
                    {
                        maps++;
                        for (int j = 0; j < expected.Length; j++) expected[j] += head[j];
                    }
            for (int j = 0; j < expected.Length; j++)
                Assert.True(Math.Abs(mass[b][j] - expected[j] / maps) < 1e-5, $"{architecture} sentence {b} position {j}: {mass[b][j]} vs {expected[j] / maps}");
        }
    }

    [Fact]
    public void Binning_shares_sum_to_one_with_eos_and_density_is_one_for_an_even_spread()
    {
        // 4 words + EOS, 2 bins: words 0, 1 → bin 0; words 2, 3 → bin 1
        var even = PositionProfile.Of([[1f, 1f, 1f, 1f, 0f]], bins: 2);
        Assert.Equal([0.5, 0.5], even.Share);
        Assert.Equal([1.0, 1.0], even.Density);
        Assert.Equal(0.0, even.EosShare);

        // everything on the last word and on EOS
        var end = PositionProfile.Of([[0f, 0f, 0f, 4f, 4f]], bins: 4);
        Assert.Equal([0, 0, 0, 0.5], end.Share);
        Assert.Equal(0.5, end.EosShare);
        Assert.Equal([0, 0, 0, 4.0], end.Density);   // all of the words' total in a quarter of the words

        // three words over ten bins land in bins ⌊(j + ½)/3 · 10⌋ = 1, 5, 8; the other bins have no sentence
        var sparse = PositionProfile.Of([[1f, 2f, 3f, 6f]], bins: 10);
        Assert.Equal([0, 1, 0, 0, 0, 1, 0, 0, 1, 0], sparse.Sentences);
        Assert.Equal([1 / 12.0, 2 / 12.0, 3 / 12.0], new[] { sparse.Share[1], sparse.Share[5], sparse.Share[8] }, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(3 * 3 / 6.0, sparse.Density[8], 12);
        Assert.True(double.IsNaN(sparse.Density[0]));

        var rng = new Random(2);
        var random = Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, rng.Next(2, 40)).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        var profile = PositionProfile.Of(random, bins: 7);
        Assert.Equal(1.0, profile.Share.Sum() + profile.EosShare, 12);
        Assert.Equal(50, profile.SentenceCount);
    }
}
