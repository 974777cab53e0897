using Sharpformer.Training;

namespace Sharpformer.Tests.Training;

/// <summary>The cool-down's epochs and the epochs fitted to a time budget, against figures worked out by hand from the rules in <see cref="EpochBudget"/>.</summary>
public sealed class EpochBudgetTests
{
    private const double Third = 1 / 3.0;

    [Fact]
    public void The_cooldown_is_the_share_of_the_epochs_rounded_at_least_one_and_never_all()
    {
        Assert.Equal(8, EpochBudget.CooldownEpochs(24, Third));
        Assert.Equal(7, EpochBudget.CooldownEpochs(21, Third));
        Assert.Equal(4, EpochBudget.CooldownEpochs(12, 0.33));      // 3.96
        Assert.Equal(2, EpochBudget.CooldownEpochs(5, Third));      // 1.67
        Assert.Equal(1, EpochBudget.CooldownEpochs(2, Third));      // 0.67, but at least one
        Assert.Equal(1, EpochBudget.CooldownEpochs(10, 0.01));
        Assert.Equal(2, EpochBudget.CooldownEpochs(3, 0.9));        // 2.7, but one epoch at the paper's rate
        Assert.Equal(0, EpochBudget.CooldownEpochs(1, 0.5));        // a one-epoch run has none to spare
        Assert.Equal(0, EpochBudget.CooldownEpochs(10, 0));
    }

    [Fact]
    public void A_slow_host_trains_the_epochs_that_fit_what_is_left_of_the_budget_at_the_latest_pace()
    {
        // 150 s an epoch, 3,150 s left: 3,150 · 0.97 / 150 = 20.4, so 3 + 20 = 23 of the 24 planned
        Assert.Equal(23, EpochBudget.Fit(planned: 24, epochs: 24, cooldown: Third, epochEnds: [150, 300, 450], budgetSeconds: 3600));
        // the pace is the mean of the last 3 epochs (100 s), not of the first, slower one: 582 / 100 = 5.8, so 5 + 5
        Assert.Equal(10, EpochBudget.Fit(planned: 12, epochs: 12, cooldown: Third, epochEnds: [10, 100, 200, 300, 400], budgetSeconds: 1000));
    }

    [Fact]
    public void A_fast_host_keeps_the_given_epochs_and_one_that_speeds_up_gets_back_what_fits_again()
    {
        Assert.Equal(24, EpochBudget.Fit(planned: 24, epochs: 24, cooldown: Third, epochEnds: [100, 200, 300], budgetSeconds: 3600));
        // planned down to 20 while slow; now 100 s an epoch over the last 3: 2,910 · 0.94 / 100 = 27, capped at the 24 given
        Assert.Equal(24, EpochBudget.Fit(planned: 20, epochs: 24, cooldown: Third, epochEnds: [300, 390, 490, 590, 690], budgetSeconds: 3600));
        // a little faster, 140 s an epoch: (3,600 − 1,320) · 0.94 / 140 = 15.3, so 6 + 15 = 21, one more than planned
        Assert.Equal(21, EpochBudget.Fit(planned: 20, epochs: 24, cooldown: Third, epochEnds: [300, 600, 900, 1040, 1180, 1320], budgetSeconds: 3600));
        // on the edge: 2,200 · 0.97 / 140 = 15.2 would fit a 21st epoch, but with room to spare (· 0.94 = 14.8) it does not
        Assert.Equal(20, EpochBudget.Fit(planned: 20, epochs: 24, cooldown: Third, epochEnds: [400, 700, 980, 1120, 1260, 1400], budgetSeconds: 3600));
    }

    [Fact]
    public void Nothing_is_refitted_without_a_cooldown_a_budget_or_a_pace_nor_once_the_cooldown_has_begun()
    {
        double[] slow = [1000, 2000];
        Assert.Equal(24, EpochBudget.Fit(planned: 24, epochs: 24, cooldown: 0, epochEnds: slow, budgetSeconds: 3600));
        Assert.Equal(24, EpochBudget.Fit(planned: 24, epochs: 24, cooldown: Third, epochEnds: slow, budgetSeconds: double.PositiveInfinity));
        Assert.Equal(24, EpochBudget.Fit(planned: 24, epochs: 24, cooldown: Third, epochEnds: [1000], budgetSeconds: 3600));
        double[] sixteen = [.. Enumerable.Range(1, 16).Select(e => 300.0 * e)];    // 16 of 24 done: the cool-down's 8 epochs start now
        Assert.Equal(24, EpochBudget.Fit(planned: 24, epochs: 24, cooldown: Third, epochEnds: sixteen, budgetSeconds: 3600));
    }

    [Fact]
    public void Out_of_time_the_cooldown_starts_at_once_and_the_budget_cuts_it()
    {
        // nothing more fits (600 s left, 1,000 s an epoch), but the steps already taken keep their rates: a fourth epoch,
        // the one cooling epoch of a 4-epoch run (4 − round(4/3) = 3 epochs done at the paper's rate)
        Assert.Equal(4, EpochBudget.Fit(planned: 24, epochs: 24, cooldown: Third, epochEnds: [1000, 2000, 3000], budgetSeconds: 3600));
        // with half the epochs cooling, 3 done need a 6-epoch run (6 − 3 = 3)
        Assert.Equal(6, EpochBudget.Fit(planned: 24, epochs: 24, cooldown: 0.5, epochEnds: [1000, 2000, 3000], budgetSeconds: 2000));
    }
}
