namespace Sharpformer.Training;

/// <summary>
/// The cool-down's epochs, and the run's epochs fitted to its time budget so that the cool-down ends before the
/// budget does instead of being cut by it: after each epoch, until the cool-down starts, the plan becomes the epochs
/// that still fit at the pace of the last ones, never more than the run was given. A fast host trains all its
/// epochs; a slower one trains fewer and still ends on a rate brought to zero, and gets back epochs it had given
/// up if it speeds up again.
/// </summary>
public static class EpochBudget
{
    /// <summary>The share of the remaining time left unplanned (twice this to plan more epochs again): a host that slows down during the cool-down can no longer be refitted.</summary>
    public const double Margin = 0.03;

    /// <summary>The pace is the mean duration of up to this many of the latest epochs (validation included).</summary>
    public const int PaceEpochs = 3;

    /// <summary>
    /// The last epochs of a run of <paramref name="epochs"/> that cool down: the <paramref name="share"/> of them, rounded,
    /// at least one and never all (the rate must have warmed up before it falls); none for a one-epoch run or a share of 0.
    /// </summary>
    public static int CooldownEpochs(int epochs, double share) =>
        epochs < 2 || !(share > 0) ? 0 : Math.Clamp((int)Math.Round(share * epochs, MidpointRounding.AwayFromZero), 1, epochs - 1);

    /// <summary>The run's epochs, given what has been done so far; never more than <paramref name="epochs"/>.</summary>
    /// <param name="planned">The epochs planned so far.</param>
    /// <param name="epochs">The epochs the run was given (its options').</param>
    /// <param name="cooldown">The share of the epochs that cool down (<see cref="CooldownEpochs"/>); the steps of a cool-down under way are never re-planned.</param>
    /// <param name="epochEnds">Elapsed seconds of the run at the end of each finished epoch, oldest first (the pace needs two).</param>
    /// <param name="budgetSeconds">The whole run's budget (infinite = none).</param>
    public static int Fit(int planned, int epochs, double cooldown, IReadOnlyList<double> epochEnds, double budgetSeconds)
    {
        int done = epochEnds.Count;
        int CooldownStart(int plan) => plan - CooldownEpochs(plan, cooldown);
        if (!(cooldown > 0) || done < 2 || done >= CooldownStart(planned) || !double.IsFinite(budgetSeconds)) return planned;
        int n = Math.Min(PaceEpochs, done - 1);
        double pace = (epochEnds[done - 1] - epochEnds[done - 1 - n]) / n;                 // seconds an epoch, lately
        double left = Math.Max(0, budgetSeconds - epochEnds[done - 1]);
        int Fits(double margin) => (int)Math.Min(epochs, done + Math.Floor(left * (1 - margin) / Math.Max(pace, 1e-9)));
        int fits = Fits(Margin);
        // epochs given up come back only with room to spare, so that a pace on the edge does not flip the plan every epoch
        if (fits > planned) fits = Math.Max(planned, Fits(2 * Margin));
        // the cool-down may start now at the earliest: the rates of the steps already taken stay what they were
        while (CooldownStart(fits) < done) fits++;
        return fits;
    }
}
