using Sharpformer.Layers;
using Sharpformer.Model;
using Sharpformer.Tests.Layers;
using Sharpformer.Training;

namespace Sharpformer.Tests.Training;

/// <summary>
/// One training step against a hand-assembled one: the same forward/backward on a twin model, the
/// gradient norm summed here, clipping, then Adam's first step in closed form.
/// </summary>
public sealed class TrainStepTests
{
    private const ulong Seed = 21;
    private static readonly TransformerConfig Config =
        TinyModel.Config(Activation.Gelu, normFirst: false, 1, 1, dropout: 0.1f, PositionEncodingKind.Learned);

    private static Seq2SeqBatch Batch(TinyModel t) =>
        new(t.Source, t.TargetIn, t.TargetOut, TinyModel.Batch, TinyModel.SourceLength, TinyModel.TargetLength, TinyModel.Pad);

    [Fact]
    public void Global_norm_is_the_l2_norm_over_all_tensors_and_scale_multiplies_every_gradient()
    {
        var a = new Parameter("a", ParameterRole.Weight, 2);
        var b = new Parameter("b", ParameterRole.Bias, 1);
        a.Grad.Span[0] = 3; a.Grad.Span[1] = -4; b.Grad.Span[0] = 12;
        Assert.Equal(13.0, GradientNorm.Global([a, b]), 1e-12);
        GradientNorm.Scale([a, b], 0.5f);
        Assert.Equal([1.5f, -2f], a.Grad.Span.ToArray());
        Assert.Equal(6f, b.Grad.Span[0]);
        Assert.Equal(0.0, GradientNorm.Global([]));
    }

    [Theory]
    [InlineData(0f)]       // no clipping
    [InlineData(1e-3f)]    // far below the norm: clipped
    [InlineData(1e3f)]     // above the norm: untouched
    public void Step_equals_forward_backward_clip_and_a_closed_form_first_adam_step(float clip)
    {
        var settings = new OptimizerSettings { LabelSmoothing = 0.1f, Warmup = 10, LrFactor = 1.0, ClipNorm = clip };
        // the reference: a twin model, the training context the step will use (step 1), gradients by hand
        var reference = new TinyModel(Config, settings.LabelSmoothing, new ForwardContext { Training = true, Seed = Seed, Step = 1 });
        double expectedLoss = reference.ForwardBackward();
        double sum = 0;
        foreach (var p in reference.Model.Parameters) foreach (float g in p.Grad.Span) sum += (double)g * g;
        double norm = Math.Sqrt(sum);
        double factor = clip > 0 && norm > clip ? clip / norm : 1;
        double lr = 1 / Math.Sqrt(Config.DModel * 10.0) / 10;                 // d^−½ · 1 · warmup^−1.5

        var twin = new TinyModel(Config, settings.LabelSmoothing, ForwardContext.Eval);
        var before = twin.Model.Parameters.Select(p => p.Value.Span.ToArray()).ToArray();
        var step = new TrainStep(twin.Model, settings, Seed);
        var result = step.Run(Batch(twin));

        Assert.Equal(1, step.Step);
        Assert.Equal(expectedLoss, result.Loss, 1e-6);
        Assert.Equal(norm, result.GradNorm, norm * 1e-5);
        Assert.Equal(lr, result.LearningRate, 1e-15);
        Assert.Equal(TinyModel.Batch * TinyModel.TargetLength - 6, result.Tokens);   // 6 pad targets

        var parameters = twin.Model.Parameters;
        for (int i = 0; i < parameters.Count; i++)
        {
            var g = reference.Model.Parameters[i].Grad.Span;
            var after = parameters[i].Value.Span;
            for (int j = 0; j < g.Length; j++)
            {
                double clipped = g[j] * factor;
                Assert.Equal(clipped, parameters[i].Grad.Span[j], Math.Abs(clipped) * 1e-4 + 1e-9);
                Assert.Equal(0.1 * clipped, step.Optimizer.FirstMoments[i][j], Math.Abs(clipped) * 1e-4 + 1e-10);
                // Adam's first step: −lr·g/(|g| + ε), computed on the clipped gradient
                double move = -lr * clipped / (Math.Abs(clipped) + 1e-9);
                Assert.Equal(before[i][j] + move, after[j], 1e-6);
            }
        }
    }

    [Fact]
    public void Clipping_shows_in_the_moments_and_each_step_draws_its_own_dropout_masks()
    {
        var twin = new TinyModel(Config, 0.1f, ForwardContext.Eval);
        var step = new TrainStep(twin.Model, new OptimizerSettings { ClipNorm = 1e-3f, Warmup = 10 }, Seed);
        var first = step.Run(Batch(twin));
        double moment = Math.Sqrt(step.Optimizer.FirstMoments.Sum(m => m.Sum(v => (double)v * v)));
        Assert.Equal(0.1 * 1e-3, moment, 1e-8);           // m = (1 − β₁)·g with ‖g‖ clipped to 1e-3
        Assert.True(first.GradNorm > 1e-3);

        // the second step's loss is the loss of the updated weights under the masks of step 2, not step 1
        var probe = new TinyModel(Config, 0.1f, new ForwardContext { Training = true, Seed = Seed, Step = 2 });
        var stale = new TinyModel(Config, 0.1f, new ForwardContext { Training = true, Seed = Seed, Step = 1 });
        for (int i = 0; i < twin.Model.Parameters.Count; i++)
        {
            twin.Model.Parameters[i].Value.Span.CopyTo(probe.Model.Parameters[i].Value.Span);
            twin.Model.Parameters[i].Value.Span.CopyTo(stale.Model.Parameters[i].Value.Span);
        }
        var second = step.Run(Batch(twin));
        Assert.Equal(2, step.Step);
        Assert.Equal(probe.LossValue(), second.Loss, 1e-9);
        Assert.NotEqual(stale.LossValue(), second.Loss, 1e-6);
    }

    [Fact]
    public void Batches_shift_targets_by_one_and_pad_the_rest()
    {
        var batch = Seq2SeqBatch.FromSequences([[5, 6, 7], [8]], [[9, 10], [11, 12, 13]], padId: 0, bosId: 1, eosId: 2);
        Assert.Equal((2, 3, 4), (batch.Batch, batch.SourceLength, batch.TargetLength));
        Assert.Equal([5, 6, 7, 8, 0, 0], batch.Source);
        Assert.Equal([1, 9, 10, 0, 1, 11, 12, 13], batch.TargetIn);
        Assert.Equal([9, 10, 2, 0, 11, 12, 13, 2], batch.TargetOut);
        Assert.Equal(7, batch.TargetTokens);
        Assert.Equal(4, batch.SourceTokens);
    }
}
