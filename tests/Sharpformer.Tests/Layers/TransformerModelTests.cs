using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Tests.Layers;

/// <summary>Whole-model properties: gradient bookkeeping, dropout modes, padding, parameter inventory.</summary>
public sealed class TransformerModelTests
{
    private static readonly TransformerConfig Dropped =
        TinyModel.Config(Activation.Gelu, normFirst: true, 1, 2, dropout: 0.2f, PositionEncodingKind.Learned);

    private static readonly ForwardContext Training = new() { Training = true, Seed = 9, Step = 4 };

    private static float[][] Gradients(Transformer model) => model.Parameters.Select(p => p.Grad.Span.ToArray()).ToArray();

    [Fact]
    public void ZeroGrad_clears_every_gradient()
    {
        var tiny = new TinyModel(Dropped, 0.1f, Training);
        tiny.ForwardBackward();
        Assert.All(tiny.Model.Parameters, p => Assert.Contains(p.Grad.Span.ToArray(), v => v != 0));
        tiny.Model.ZeroGrad();
        Assert.All(tiny.Model.Parameters, p => Assert.All(p.Grad.Span.ToArray(), v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void Two_backward_passes_accumulate_the_sum_of_their_gradients()
    {
        // pass A at step 4, pass B at step 5 (other dropout masks): separately, then into the same buffers
        var a = new TinyModel(Dropped, 0.1f, Training);
        a.ForwardBackward();
        var ga = Gradients(a.Model);
        var b = new TinyModel(Dropped, 0.1f, new ForwardContext { Training = true, Seed = 9, Step = 5 });
        b.ForwardBackward();
        var gb = Gradients(b.Model);
        Assert.NotEqual(ga[0], gb[0]);

        var both = new TinyModel(Dropped, 0.1f, Training);
        both.ForwardBackward();
        // the same weights, pass B's context, no zeroing in between
        var ctx5 = new ForwardContext { Training = true, Seed = 9, Step = 5 };
        var logits = both.Network.Forward(both.Source, both.TargetIn, TinyModel.Batch, TinyModel.SourceLength, TinyModel.TargetLength, ctx5);
        both.Loss.Compute(logits, both.TargetOut, TinyModel.Batch * TinyModel.TargetLength, logits);
        both.Network.Backward(logits);

        for (int i = 0; i < ga.Length; i++)
        {
            var sum = ga[i].Zip(gb[i], (x, y) => (double)x + y).ToArray();
            Precision.AssertClose(both.Model.Parameters[i].Grad.Span, sum, 1e-6, both.Model.Parameters[i].Name);
        }
    }

    [Fact]
    public void Training_mode_without_dropout_equals_evaluation_bit_for_bit()
    {
        var config = Dropped with { Dropout = 0f, AttentionDropout = 0f, ActivationDropout = 0f };
        var train = new TinyModel(config, 0.1f, Training);
        var eval = new TinyModel(config, 0.1f, ForwardContext.Eval);
        Assert.Equal(eval.Forward().Span.ToArray(), train.Forward().Span.ToArray());
        train.ForwardBackward();
        eval.ForwardBackward();
        for (int i = 0; i < train.Model.Parameters.Count; i++)
            Assert.Equal(eval.Model.Parameters[i].Grad.Span.ToArray(), train.Model.Parameters[i].Grad.Span.ToArray());
    }

    [Fact]
    public void Dropout_masks_are_a_function_of_seed_and_step_only()
    {
        var tiny = new TinyModel(Dropped, 0.1f, Training);
        var first = tiny.Forward().Span.ToArray();
        var eval = tiny.Network.Forward(tiny.Source, tiny.TargetIn, TinyModel.Batch, TinyModel.SourceLength, TinyModel.TargetLength, ForwardContext.Eval).Span.ToArray();
        Assert.Equal(first, tiny.Forward().Span.ToArray());                         // same (seed, step): same output
        Assert.NotEqual(first, eval);
        var twin = new TinyModel(Dropped, 0.1f, new ForwardContext { Training = true, Seed = 9, Step = 4 });
        Assert.Equal(first, twin.Forward().Span.ToArray());                         // a fresh model, same context
        foreach (var other in new[] { new ForwardContext { Training = true, Seed = 9, Step = 5 }, new ForwardContext { Training = true, Seed = 10, Step = 4 } })
            Assert.NotEqual(first, tiny.Network.Forward(tiny.Source, tiny.TargetIn, TinyModel.Batch, TinyModel.SourceLength, TinyModel.TargetLength, other).Span.ToArray());
    }

    [Fact]
    public void Tokens_after_the_end_of_a_target_change_neither_loss_nor_gradients()
    {
        // decoder inputs in the pad tail are seen only by pad queries (causal mask), whose targets the loss ignores
        var tiny = new TinyModel(Dropped, 0.1f, Training);
        double loss = tiny.ForwardBackward();
        var grads = Gradients(tiny.Model);

        var altered = new TinyModel(Dropped, 0.1f, Training);
        int[] tail = [8, 9, 11, 12, 13, 14];                  // positions of TargetIn past each row's end
        foreach (int i in tail) altered.TargetIn[i] = 3 + i % 9;
        Assert.Equal(loss, altered.ForwardBackward());
        for (int i = 0; i < grads.Length; i++)
            Precision.AssertClose(altered.Model.Parameters[i].Grad.Span, grads[i].Select(v => (double)v).ToArray(), 1e-6, altered.Model.Parameters[i].Name);
    }

    [Fact]
    public void Parameter_inventory_matches_the_architecture()
    {
        foreach (bool normFirst in new[] { false, true })
        {
            var config = TinyModel.Config(Activation.Relu, normFirst, 2, 3) with { Positions = PositionEncodingKind.Learned };
            var model = new Transformer(config);
            int d = config.DModel, dff = config.DFf;
            long attention = 3 * d * d + 3 * d + d * d + d, ffn = d * dff + dff + dff * d + d, norm = 2 * d;
            long expected = (long)config.VocabSize * d + config.MaxPositions * d
                + 2 * (attention + ffn + 2 * norm)
                + 3 * (2 * attention + ffn + 3 * norm)
                + (normFirst ? 2 * norm : 0);
            Assert.Equal(expected, model.ParameterCount);
            Assert.Equal(model.Parameters.Count, model.Parameters.Select(p => p.Name).Distinct().Count());
            Assert.Same(model.Embed, model.ParameterByName["embed.weight"]);
            Assert.Same(model.Embed, model.CreateWorkspace().Generator.Weight);       // tied output projection
            Assert.Contains("transformer.decoder.layers.2.multihead_attn.in_proj_weight", model.ParameterByName.Keys);
            Assert.Equal(normFirst, model.ParameterByName.ContainsKey("transformer.encoder.norm.weight"));
        }
    }
}
