using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Tests.Layers;
using Sharpformer.Training;

namespace Sharpformer.Tests.Rnn;

/// <summary>
/// Finite-difference checks of every parameter gradient of whole RNN encoder–decoders (embedding through encoder,
/// bridge, decoder, attention, h̃ and the tied projection, with label smoothing), for each architecture and cell.
/// Method (<see cref="GradientCheck"/>): per parameter tensor, the analytic derivative along a direction
/// u = g/‖g‖ + r/‖r‖ against a Richardson-extrapolated central difference of the float32 loss. The batch is ragged
/// (source rows of 6, 4 and 2 tokens, one target with no tokens), two layers deep, with live dropout: masks are a
/// function of (seed, step, site), so the training-mode loss is a smooth deterministic function of the weights.
/// </summary>
public sealed class RnnGradientCheckTests
{
    private static readonly ForwardContext Training = new() { Training = true, Seed = 5, Step = 3 };

    [Theory, MemberData(nameof(TinyRnn.All), MemberType = typeof(TinyRnn))]
    public void Every_parameter_gradient_matches_finite_differences(string architecture, RecurrentCellKind cell)
    {
        var model = TinyRnn.Build(TinyRnn.Config(architecture, cell, layers: 2, dropout: 0.1f), seed: 3);
        var network = model.CreateWorkspace();
        var loss = new LabelSmoothedCrossEntropy(0.1f, TinyModel.Pad);
        var data = new TinyModel(TinyModel.Config(Activation.Relu, false, 1, 1), 0f, ForwardContext.Eval);   // its ragged batch
        Tensor Forward() => network.Forward(data.Source, data.TargetIn, TinyModel.Batch, TinyModel.SourceLength, TinyModel.TargetLength, Training);
        double LossValue() => loss.Compute(Forward(), data.TargetOut, TinyModel.Batch * TinyModel.TargetLength, null).Loss;

        network.ZeroGrad();
        var logits = Forward();
        loss.Compute(logits, data.TargetOut, TinyModel.Batch * TinyModel.TargetLength, logits);
        network.Backward(logits);
        Assert.All(model.Parameters, p => Assert.Contains(p.Grad.Span.ToArray(), v => v != 0));   // every weight takes part

        var outcomes = GradientCheck.Run(model.Parameters.Select(GradientCheck.Probe.Of), LossValue, step: 0.03, seed: 1);
        GradientCheck.AssertAll(outcomes, 1e-3, $"{architecture} {cell}");
    }
}
