using Sharpformer.Inference;
using Sharpformer.Layers;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Tests.Golden;

/// <summary>
/// Replays every PyTorch nn.Transformer reference file in the golden folder ($GOLDEN_DIR or
/// tests/fixtures/golden): forward values, loss, every gradient, the optimizer, training steps and
/// a greedy decode, with float32 tolerances against the float64 references.
/// </summary>
[Trait("Category", "Golden")]
public sealed class TransformerGoldenTests
{
    private const double ForwardTol = 1e-4, GradTol = 1e-3, OptimizerTol = 1e-5;

    public static TheoryData<string> Files() => GoldenCase.Files();

    [Theory, MemberData(nameof(Files))]
    public void Positional_encoding_matches(string file)
    {
        var c = GoldenCase.Load(file);
        var expected = c.Tensor("expect.positional_encoding");
        var table = new SinusoidalPositionalEncoding(c.Config.DModel, initialLength: 1).Table(expected.Shape[0]);
        Precision.AssertClose(table.Span, expected.ToDoubles(), ForwardTol, $"{c.Name} positional encoding");
    }

    [Theory, MemberData(nameof(Files))]
    public void Encoder_output_matches(string file)
    {
        var c = GoldenCase.Load(file);
        var model = c.BuildModel();
        var src = c.Ids("input.src");
        var memory = model.CreateWorkspace().Encode(src, c.Batch, c.SourceLength, ForwardContext.Eval);
        Precision.AssertClose(memory.Span, c.Expect("expect.encoder_output"), ForwardTol, $"{c.Name} encoder output");
    }

    [Theory, MemberData(nameof(Files))]
    public void Logits_and_loss_match(string file)
    {
        var c = GoldenCase.Load(file);
        var model = c.BuildModel();
        var logits = Forward(c, model);
        Precision.AssertClose(logits.Span, c.Expect("expect.logits"), ForwardTol, $"{c.Name} logits");
        var loss = new LabelSmoothedCrossEntropy(c.LabelSmoothing, c.Config.PadId).Compute(logits, c.Ids("input.tgt_out"), c.Batch * c.TargetLength, null);
        Precision.AssertClose([(float)loss.Loss], c.Expect("expect.loss"), ForwardTol, $"{c.Name} loss");
    }

    [Theory, MemberData(nameof(Files))]
    public void Every_parameter_gradient_matches(string file)
    {
        var c = GoldenCase.Load(file);
        var model = c.BuildModel();
        ForwardBackward(c, model);
        var failures = new List<string>();
        foreach (var p in model.Parameters)
        {
            double err = Precision.RelativeL2(p.Grad.Span, c.Expect("expect.grad." + p.Name));
            if (!(err <= GradTol)) failures.Add($"{p.Name}: {err:E2}");
        }
        Assert.True(failures.Count == 0, $"{c.Name}: gradients off: {string.Join("; ", failures)}");
    }

    [Theory, MemberData(nameof(Files))]
    public void Noam_schedule_gives_the_reference_rates(string file)
    {
        var c = GoldenCase.Load(file);
        var schedule = new NoamSchedule(c.Config.DModel, c.Warmup, c.LrFactor);
        var expected = c.Expect("expect.noam_lr");
        for (int s = 1; s <= 2; s++)
            Assert.InRange(Math.Abs(schedule.LearningRate(s) - expected[s - 1]) / expected[s - 1], 0, 1e-12);
    }

    [Theory, MemberData(nameof(Files))]
    public void Adam_fed_reference_gradients_matches_two_steps(string file)
    {
        var c = GoldenCase.Load(file);
        var model = c.BuildModel();
        var adam = new Adam(model.Parameters);
        var schedule = new NoamSchedule(c.Config.DModel, c.Warmup, c.LrFactor);
        foreach (var (gradKey, afterKey, step) in new[] { ("expect.grad.", "expect.after_1_step.", 1), ("expect.grad_step2.", "expect.after_2_steps.", 2) })
        {
            foreach (var p in model.Parameters) c.Tensor(gradKey + p.Name).ToFloats().CopyTo(p.Grad.Span);
            adam.Update(schedule.LearningRate(step));
            foreach (var p in model.Parameters)
                Precision.AssertClose(p.Value.Span, c.Expect(afterKey + p.Name), OptimizerTol, $"{c.Name} {p.Name} after step {step}");
        }
    }

    [Theory, MemberData(nameof(Files))]
    public void Two_training_steps_reproduce_the_loss(string file)
    {
        var c = GoldenCase.Load(file);
        var model = c.BuildModel();
        var adam = new Adam(model.Parameters);
        var schedule = new NoamSchedule(c.Config.DModel, c.Warmup, c.LrFactor);
        for (int step = 1; step <= 2; step++)
        {
            model.ZeroGrad();
            ForwardBackward(c, model);
            adam.Update(schedule.LearningRate(step));
        }
        var logits = Forward(c, model);
        var loss = new LabelSmoothedCrossEntropy(c.LabelSmoothing, c.Config.PadId).Compute(logits, c.Ids("input.tgt_out"), c.Batch * c.TargetLength, null);
        Precision.AssertClose([(float)loss.Loss], c.Expect("expect.loss_after_2_steps"), ForwardTol, $"{c.Name} loss after two steps");
    }

    [Theory, MemberData(nameof(Files))]
    public void Greedy_decode_from_trained_weights_matches(string file)
    {
        var c = GoldenCase.Load(file);
        var model = c.BuildModel("trained.");
        var src = c.Tensor("input.decode_src");
        var rows = GreedySearch.Decode(model, src.ToInts(), src.Shape[0], src.Shape[1], c.MaxDecode);
        var expected = c.Tensor("expect.greedy");
        int width = rows.Max(r => r.Length);
        Assert.Equal(expected.Shape[1], width);
        var actual = rows.SelectMany(r => r.Concat(Enumerable.Repeat(c.Config.PadId, width - r.Length))).ToArray();
        Assert.Equal(expected.ToInts(), actual);
    }

    private static Tensor Forward(GoldenCase c, Transformer model) => Forward(c, model.CreateWorkspace());

    private static Tensor Forward(GoldenCase c, TransformerNetwork network) =>
        network.Forward(c.Ids("input.src"), c.Ids("input.tgt_in"), c.Batch, c.SourceLength, c.TargetLength, ForwardContext.Eval);

    private static void ForwardBackward(GoldenCase c, Transformer model)
    {
        var network = model.CreateWorkspace();
        var logits = Forward(c, network);
        var loss = new LabelSmoothedCrossEntropy(c.LabelSmoothing, c.Config.PadId);
        loss.Compute(logits, c.Ids("input.tgt_out"), c.Batch * c.TargetLength, logits);   // gradient in place
        network.Backward(logits);
    }
}
