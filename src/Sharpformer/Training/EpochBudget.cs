namespace Sharpformer.Training;

/// <summary>
/// Fits a run's epochs to its time budget, so that a cool-down ends before the budget does instead of being cut
/// by it: after each epoch, until the cool-down starts, the epochs that still fit at the pace of the last ones
/// replace the plan when they are fewer. A fast host keeps the planned epochs; a slower one trains fewer and still
/// ends on a rate brought to zero.
/// </summary>
public static class EpochBudget
{
    /// <summary>The share of the remaining time left unplanned: a host that slows down during the cool-down can no longer be refitted.</summary>
    public const double Margin = 0.03;

    /// <summary>The pace is the mean duration of up to this many of the latest epochs (validation included).</summary>
    public const int PaceEpochs = 3;

    /// <summary>The run's epochs, given what has been done so far; never more than <paramref name="planned"/>.</summary>
    /// <param name="planned">The epochs planned so far.</param>
    /// <param name="cooldown">The cool-down's epochs: it starts after epoch <paramref name="planned"/> − <paramref name="cooldown"/>, and its steps are never re-planned.</param>
    /// <param name="epochEnds">Elapsed seconds of the run at the end of each finished epoch, oldest first (the pace needs two).</param>
    /// <param name="budgetSeconds">The whole run's budget (infinite = none).</param>
    public static int Fit(int planned, int cooldown, IReadOnlyList<double> epochEnds, double budgetSeconds)
    {
        int done = epochEnds.Count;
        if (cooldown <= 0 || done < 2 || done >= planned - cooldown || !double.IsFinite(budgetSeconds)) return planned;
        int n = Math.Min(PaceEpochs, done - 1);
        double pace = (epochEnds[done - 1] - epochEnds[done - 1 - n]) / n;                 // seconds an epoch, lately
        double left = Math.Max(0, budgetSeconds - epochEnds[done - 1]) * (1 - Margin);
        int fits = done + (int)Math.Min(planned, Math.Floor(left / Math.Max(pace, 1e-9)));
        // the cool-down may start now at the earliest: the rates of the steps already taken stay what they were
        return Math.Clamp(fits, done + cooldown, planned);
    }
}
