namespace Sharpformer.Training;

/// <summary>
/// The paper's learning-rate schedule: lr = factor · d_model^−0.5 · min(step^−0.5, step · warmup^−1.5),
/// rising linearly for <see cref="Warmup"/> steps, then decaying with the inverse square root of the step.
/// </summary>
public sealed record NoamSchedule(int DModel, int Warmup, double Factor = 1.0)
{
    /// <summary>The rate for 1-based step <paramref name="step"/>.</summary>
    public double LearningRate(long step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), "Steps are counted from 1.");
        return Factor * Math.Pow(DModel, -0.5) * Math.Min(Math.Pow(step, -0.5), step * Math.Pow(Warmup, -1.5));
    }
}
