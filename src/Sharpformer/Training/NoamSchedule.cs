namespace Sharpformer.Training;

/// <summary>
/// The paper's learning-rate schedule: lr = factor · d_model^−0.5 · min(step^−0.5, step · warmup^−1.5),
/// rising linearly for <see cref="Warmup"/> steps, then decaying with the inverse square root of the step;
/// optionally ending in a linear cool-down to zero (<see cref="CooldownStart"/>, <see cref="CooldownEnd"/>).
/// </summary>
/// <remarks>
/// The inverse square root never reaches zero, so a run cut by its budget ends on a rate that is still a
/// large part of its peak (a third of it after eight times the warm-up). A training run of known length does
/// better when the rate falls to zero at its end (Li et al. 2020, "Budgeted training"): the last steps settle
/// the weights instead of adding noise to them.
/// </remarks>
public sealed record NoamSchedule(int DModel, int Warmup, double Factor = 1.0)
{
    /// <summary>The last step at the paper's rate; after it the rate falls linearly (ignored while <see cref="CooldownEnd"/> is 0).</summary>
    public long CooldownStart { get; init; }

    /// <summary>The last step of the cool-down, taken at the smallest positive rate; the rate is zero after it (0 = no cool-down).</summary>
    public long CooldownEnd { get; init; }

    /// <summary>The rate for 1-based step <paramref name="step"/>.</summary>
    public double LearningRate(long step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), "Steps are counted from 1.");
        if (CooldownEnd <= 0 || step <= CooldownStart) return Noam(step);
        // lr(s) = lr_noam(start) · (end + 1 − s) / (end + 1 − start): every step up to the end moves the weights, none after it
        return Noam(Math.Max(CooldownStart, 1)) * Math.Max(0.0, (double)(CooldownEnd + 1 - step) / (CooldownEnd + 1 - CooldownStart));
    }

    private double Noam(long step) => Factor * Math.Pow(DModel, -0.5) * Math.Min(Math.Pow(step, -0.5), step * Math.Pow(Warmup, -1.5));
}
