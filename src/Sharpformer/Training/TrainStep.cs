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
    private readonly GradientNorm _norm;

    public TrainStep(ITrainableModel model, OptimizerSettings settings, ulong seed)
    {
        Model = model;
        Network = model.CreateWorkspace();
        Settings = settings;
        _loss = new LabelSmoothedCrossEntropy(settings.LabelSmoothing, model.Tokens.PadId);
        Schedule = new NoamSchedule(model.Config.ScheduleWidth, settings.Warmup, settings.LrFactor);
        Optimizer = new Adam(model.Parameters, settings.Beta1, settings.Beta2, settings.AdamEps);
        _norm = new GradientNorm(model.Parameters);
        Context = new ForwardContext { Training = true, Seed = seed };
    }

    public ITrainableModel Model { get; }

    /// <summary>The network this step trains through: its activations live here, its weights are the model's.</summary>
    public ITrainingNetwork Network { get; }
    public OptimizerSettings Settings { get; }
    public NoamSchedule Schedule { get; private set; }
    public Adam Optimizer { get; }
    public ForwardContext Context { get; }

    /// <summary>
    /// Ends the schedule in a cool-down: after step <paramref name="start"/> the rate falls linearly, to its smallest positive
    /// value at step <paramref name="end"/> and zero after it (<see cref="NoamSchedule"/>; 0, 0 = the paper's schedule). Placed
    /// again when a run's epochs are refitted before the cool-down begins.
    /// </summary>
    public void PlanCooldown(long start, long end) => Schedule = Schedule with { CooldownStart = start, CooldownEnd = end };

    /// <summary>Steps taken so far.</summary>
    public long Step => Optimizer.Step;

    /// <summary>What a step did; <paramref name="Skipped"/>: the loss or gradient norm was not finite, so no update was applied.</summary>
    public readonly record struct Result(double Loss, double Nll, int Tokens, double LearningRate, double GradNorm, bool Skipped = false);

    public Result Run(Seq2SeqBatch batch)
    {
        Network.ZeroGrad();
        Context.Step = Optimizer.Step + 1;
        var logits = Network.Forward(batch.Source, batch.TargetIn, batch.Batch, batch.SourceLength, batch.TargetLength, Context);
        var loss = _loss.Compute(logits, batch.TargetOut, batch.Batch * batch.TargetLength, logits);   // dLoss/dlogits in place
        Network.Backward(logits);
        NonFiniteGuard.AfterBackward.Value?.Invoke(Optimizer.Step + 1, Model.Parameters);
        double norm = _norm.Compute();
        if (!NonFiniteGuard.IsFinite(loss.Loss, norm)) return new Result(loss.Loss, loss.Nll, loss.Tokens, 0, norm, Skipped: true);
        if (Settings.ClipNorm > 0 && norm > Settings.ClipNorm) GradientNorm.Scale(Model.Parameters, (float)(Settings.ClipNorm / norm));
        double lr = Schedule.LearningRate(Optimizer.Step + 1);
        Optimizer.Update(lr);
        return new Result(loss.Loss, loss.Nll, loss.Tokens, lr, norm);
    }
}

/// <summary>
/// The global L2 norm of all gradients, and scaling them (gradient clipping). An instance keeps the
/// chunking and the partial sums of one parameter list, so a training step measures the norm without allocating.
/// </summary>
public sealed class GradientNorm
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly ParameterChunks _chunks;
    private readonly double[] _partial;

    public GradientNorm(IReadOnlyList<Parameter> parameters)
    {
        _parameters = parameters;
        _chunks = new ParameterChunks(parameters);
        _partial = new double[_chunks.Count];
    }

    /// <summary>√(Σ g²) over every gradient of the parameter list.</summary>
    public double Compute()
    {
        var task = new SumOfSquaresTask { Parameters = _parameters, Chunks = _chunks, Partial = _partial };
        ComputePool.For(_chunks.Count, ref task);
        double sum = 0;
        foreach (double s in _partial) sum += s;   // fixed order: the same result on any thread count
        return Math.Sqrt(sum);
    }

    public static double Global(IReadOnlyList<Parameter> parameters) => new GradientNorm(parameters).Compute();

    public static void Scale(IReadOnlyList<Parameter> parameters, float factor)
    {
        for (int i = 0; i < parameters.Count; i++)
            System.Numerics.Tensors.TensorPrimitives.Multiply(parameters[i].Grad.Span, factor, parameters[i].Grad.Span);
    }

    private struct SumOfSquaresTask : IComputeTask
    {
        public IReadOnlyList<Parameter> Parameters;
        public ParameterChunks Chunks;
        public double[] Partial;

        public readonly void Run(int c)
        {
            var r = Chunks.Ranges[c];
            Partial[c] = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(Parameters[r.Parameter].Grad.Span.Slice(r.Start, r.Length));
        }
    }
}
