using Sharpformer.Kernels;
using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Training;

/// <summary>Settings of one optimisation step.</summary>
public sealed record OptimizerSettings
{
    public float LabelSmoothing { get; init; } = 0.1f;
    public double LrFactor { get; init; } = 1.0;
    public int Warmup { get; init; } = 4000;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.98;
    public double AdamEps { get; init; } = 1e-9;

    /// <summary>Clip the global gradient L2 norm to this value (0 = no clipping).</summary>
    public float ClipNorm { get; init; }
}

/// <summary>
/// One training step with teacher forcing: forward the batch, the fused label-smoothed loss,
/// backward through the whole model, optional gradient clipping, then Adam at the Noam rate.
/// </summary>
public sealed class TrainStep
{
    private readonly LabelSmoothedCrossEntropy _loss;

    public TrainStep(Transformer model, OptimizerSettings settings, ulong seed)
    {
        Model = model;
        Network = model.CreateWorkspace();
        Settings = settings;
        _loss = new LabelSmoothedCrossEntropy(settings.LabelSmoothing, model.Config.PadId);
        Schedule = new NoamSchedule(model.Config.DModel, settings.Warmup, settings.LrFactor);
        Optimizer = new Adam(model.Parameters, settings.Beta1, settings.Beta2, settings.AdamEps);
        Context = new ForwardContext { Training = true, Seed = seed };
    }

    public Transformer Model { get; }

    /// <summary>The network this step trains through: its activations live here, its weights are the model's.</summary>
    public TransformerNetwork Network { get; }
    public OptimizerSettings Settings { get; }
    public NoamSchedule Schedule { get; }
    public Adam Optimizer { get; }
    public ForwardContext Context { get; }

    /// <summary>Steps taken so far.</summary>
    public long Step => Optimizer.Step;

    public readonly record struct Result(double Loss, double Nll, int Tokens, double LearningRate, double GradNorm);

    public Result Run(Seq2SeqBatch batch)
    {
        Model.ZeroGrad();
        Context.Step = Optimizer.Step + 1;
        var logits = Network.Forward(batch.Source, batch.TargetIn, batch.Batch, batch.SourceLength, batch.TargetLength, Context);
        var loss = _loss.Compute(logits, batch.TargetOut, batch.Batch * batch.TargetLength, logits);   // dLoss/dlogits in place
        Network.Backward(logits);
        double norm = GradientNorm.Global(Model.Parameters);
        if (Settings.ClipNorm > 0 && norm > Settings.ClipNorm) GradientNorm.Scale(Model.Parameters, (float)(Settings.ClipNorm / norm));
        double lr = Schedule.LearningRate(Optimizer.Step + 1);
        Optimizer.Update(lr);
        return new Result(loss.Loss, loss.Nll, loss.Tokens, lr, norm);
    }
}

/// <summary>The global L2 norm of all gradients, and scaling them (gradient clipping).</summary>
public static class GradientNorm
{
    public static double Global(IReadOnlyList<Parameter> parameters)
    {
        var chunks = new ParameterChunks(parameters);
        var partial = new double[chunks.Count];
        ComputePool.For(chunks.Count, c =>
        {
            var r = chunks.Ranges[c];
            partial[c] = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(parameters[r.Parameter].Grad.Span.Slice(r.Start, r.Length));
        });
        double sum = 0;
        foreach (double s in partial) sum += s;   // fixed order: the same result on any thread count
        return Math.Sqrt(sum);
    }

    public static void Scale(IReadOnlyList<Parameter> parameters, float factor)
    {
        foreach (var p in parameters) System.Numerics.Tensors.TensorPrimitives.Multiply(p.Grad.Span, factor, p.Grad.Span);
    }
}
