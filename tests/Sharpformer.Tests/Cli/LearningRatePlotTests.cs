using Sharpformer.Cli.Plots;
using Sharpformer.Training;

namespace Sharpformer.Tests.Cli;

/// <summary>The schedule's picture says what drew its line: the paper's formula, and the cool-down when the run had one.</summary>
public sealed class LearningRatePlotTests
{
    private static TrainingHistory History() => new(
        [new StepPoint(1, 0, 5.0, 1e-4, 100, 1, null), new StepPoint(2, 0, 4.0, 2e-4, 100, 2, null)], [],
        new JsonLinesFile("metrics.jsonl", [], TornLastLine: false, SkippedLines: []));

    [Fact]
    public void The_title_names_the_cooldown_of_a_run_that_had_one_and_only_then()
    {
        string paper = TrainingCurvePlots.LearningRate(History(), "run").Axes.Title.Label.Text;
        string cooled = TrainingCurvePlots.LearningRate(History(), "run", cooldown: 1 / 3.0).Axes.Title.Label.Text;
        Assert.Contains("min(step^-0.5, step · warmup^-1.5)", paper);
        Assert.DoesNotContain("down to 0", paper);
        Assert.Contains("min(step^-0.5, step · warmup^-1.5)", cooled);
        Assert.Contains("then linearly down to 0 over the last 33.3% of the epochs", cooled);
    }
}
