using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Tests.Layers;

/// <summary>
/// Finite-difference checks of every parameter gradient of the whole model (embedding, positions,
/// attention, feed-forward, norms, tied output, loss) in the configurations the PyTorch golden files
/// do not cover: GELU, live dropout, learned positions, uneven or empty stacks, label smoothing.
/// Dropout masks depend only on (seed, step, site), so with a fixed context the training-mode loss is a
/// deterministic, piecewise-smooth function of the weights.
/// </summary>
public sealed class ModelGradientCheckTests
{
    private static readonly ForwardContext Training = new() { Training = true, Seed = 5, Step = 3 };

    private static readonly Dictionary<string, (TransformerConfig Config, float Smoothing, ForwardContext Context)> Cases = new()
    {
        ["gelu post-LN, dropout, learned positions, 1+2 layers, smoothing"] =
            (TinyModel.Config(Activation.Gelu, normFirst: false, 1, 2, dropout: 0.1f, PositionEncodingKind.Learned), 0.1f, Training),
        ["gelu pre-LN, dropout, learned positions, 1+2 layers, smoothing"] =
            (TinyModel.Config(Activation.Gelu, normFirst: true, 1, 2, dropout: 0.1f, PositionEncodingKind.Learned), 0.1f, Training),
        ["gelu post-LN, eval, sinusoidal, 2+1 layers"] =
            (TinyModel.Config(Activation.Gelu, normFirst: false, 2, 1), 0f, ForwardContext.Eval),
        ["gelu pre-LN, dropout, sinusoidal, 0+1 layers, smoothing"] =
            (TinyModel.Config(Activation.Gelu, normFirst: true, 0, 1, dropout: 0.2f), 0.2f, Training),
        ["gelu post-LN, heavy dropout, learned positions, 1+1 layers"] =
            (TinyModel.Config(Activation.Gelu, normFirst: false, 1, 1, dropout: 0.3f, PositionEncodingKind.Learned), 0.1f, Training),
        ["relu post-LN, dropout, learned positions, 1+1 layers, smoothing"] =
            (TinyModel.Config(Activation.Relu, normFirst: false, 1, 1, dropout: 0.1f, PositionEncodingKind.Learned), 0.1f, Training),
        ["relu pre-LN, dropout, sinusoidal, 2+1 layers"] =
            (TinyModel.Config(Activation.Relu, normFirst: true, 2, 1, dropout: 0.1f), 0f, Training),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory, MemberData(nameof(CaseNames))]
    public void Every_parameter_gradient_matches_finite_differences(string name)
    {
        var (config, smoothing, context) = Cases[name];
        var tiny = new TinyModel(config, smoothing, context);
        tiny.ForwardBackward();
        var kinks = new ReluKinks(tiny.Network);
        kinks.Capture();

        var probes = tiny.Model.Parameters.Select(GradientCheck.Probe.Of).ToList();
        var outcomes = GradientCheck.Run(probes, tiny.LossValue, step: 0.03, seed: 1, kinks.Crossed);
        GradientCheck.AssertAll(outcomes, 1e-3, name);
    }

    [Fact]
    public void The_cases_really_exercise_dropout_and_learned_positions()
    {
        // a check of the test itself: with these settings dropout must change the loss, and the
        // learned table must get a gradient only in the rows the batch uses
        var (config, smoothing, _) = Cases["gelu post-LN, dropout, learned positions, 1+2 layers, smoothing"];
        var tiny = new TinyModel(config, smoothing, Training);
        var eval = new TinyModel(config, smoothing, ForwardContext.Eval);
        Assert.NotEqual(eval.LossValue(), tiny.LossValue());

        tiny.ForwardBackward();
        var table = (LearnedPositionalEncoding)tiny.Network.Positions;
        var grad = table.Weight.Grad.Span;
        int d = config.DModel, used = Math.Max(TinyModel.SourceLength, TinyModel.TargetLength);
        Assert.Contains(grad[..(used * d)].ToArray(), v => v != 0);
        Assert.All(grad[(used * d)..].ToArray(), v => Assert.Equal(0f, v));
    }
}
