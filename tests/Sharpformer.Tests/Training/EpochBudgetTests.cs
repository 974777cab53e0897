using Sharpformer.Training;

namespace Sharpformer.Tests.Training;

/// <summary>The epochs fitted to a time budget, against figures worked out by hand from the rule in <see cref="EpochBudget"/>.</summary>
public sealed class EpochBudgetTests
{
    [Fact]
    public void A_slow_host_trains_the_epochs_that_fit_what_is_left_of_the_budget_at_the_latest_pace()
    {
        // 150 s an epoch, 3,150 s left: 3,150 · 0.97 / 150 = 20.4, so 3 + 20 = 23 of the 24 planned
        Assert.Equal(23, EpochBudget.Fit(planned: 24, cooldown: 8, epochEnds: [150, 300, 450], budgetSeconds: 3600));
        // the pace is the mean of the last 3 epochs (100 s), not of the first, slower one: 582 / 100 = 5.8, so 5 + 5
        Assert.Equal(10, EpochBudget.Fit(planned: 12, cooldown: 2, epochEnds: [10, 100, 200, 300, 400], budgetSeconds: 1000));
    }

    [Fact]
    public void A_fast_host_keeps_the_planned_epochs()
    {
        Assert.Equal(24, EpochBudget.Fit(planned: 24, cooldown: 8, epochEnds: [100, 200, 300], budgetSeconds: 3600));
    }

    [Fact]
    public void Nothing_is_refitted_without_a_cooldown_a_budget_or_a_pace_nor_once_the_cooldown_has_begun()
    {
        double[] slow = [1000, 2000];
        Assert.Equal(24, EpochBudget.Fit(planned: 24, cooldown: 0, epochEnds: slow, budgetSeconds: 3600));
        Assert.Equal(24, EpochBudget.Fit(planned: 24, cooldown: 8, epochEnds: slow, budgetSeconds: double.PositiveInfinity));
        Assert.Equal(24, EpochBudget.Fit(planned: 24, cooldown: 8, epochEnds: [1000], budgetSeconds: 3600));
        double[] sixteen = [.. Enumerable.Range(1, 16).Select(e => 300.0 * e)];    // 16 of 24 done: the cool-down's 8 epochs start now
        Assert.Equal(24, EpochBudget.Fit(planned: 24, cooldown: 8, epochEnds: sixteen, budgetSeconds: 3600));
    }

    [Fact]
    public void Out_of_time_the_cooldown_starts_at_once_and_the_budget_cuts_it()
    {
        // nothing more fits (600 s left, 1,000 s an epoch), but the steps already taken keep their rates: 3 + 8
        Assert.Equal(11, EpochBudget.Fit(planned: 24, cooldown: 8, epochEnds: [1000, 2000, 3000], budgetSeconds: 3600));
        Assert.Equal(11, EpochBudget.Fit(planned: 24, cooldown: 8, epochEnds: [1000, 2000, 3000], budgetSeconds: 2000));
    }
}
