using Sharpformer.Analysis;
using Sharpformer.Tests.Text;
using Sharpformer.Training;

namespace Sharpformer.Tests.Analysis;

/// <summary>The speed and quality figures of a run, read from a metrics.jsonl written here with known numbers.</summary>
public sealed class RunSummaryTests
{
    [Fact]
    public void Epoch_time_throughput_and_bleu_come_from_the_log()
    {
        using var dir = new TempDir();
        var run = new RunDirectory(dir.Path);
        // three logging intervals (one of them slowed by a validation), four validations, the final line
        string[] lines =
        [
            """{"epoch":0,"position":20,"batches_in_epoch":40,"step":20,"loss":5.0,"learning_rate":0.001,"target_tokens_per_second":1000,"elapsed_seconds":50}""",
            """{"epoch":0,"position":40,"batches_in_epoch":40,"step":40,"loss":4.0,"learning_rate":0.001,"target_tokens_per_second":400,"elapsed_seconds":95}""",
            """{"epoch":1,"position":20,"batches_in_epoch":40,"step":60,"loss":3.5,"learning_rate":0.001,"target_tokens_per_second":1200,"elapsed_seconds":130}""",
            """{"epoch":1,"step":40,"train_loss":4,"valid_loss":3.9,"valid_nll":3.8,"valid_bleu":10.5,"valid_chrf":30,"elapsed_seconds":100,"learning_rate":0.001}""",
            """{"epoch":2,"step":80,"train_loss":3,"valid_loss":3.1,"valid_nll":3.0,"valid_bleu":20.25,"valid_chrf":40,"elapsed_seconds":160,"learning_rate":0.001}""",
            """{"epoch":3,"step":120,"train_loss":2.5,"valid_loss":2.9,"valid_nll":2.8,"valid_bleu":19.0,"valid_chrf":41,"elapsed_seconds":230,"learning_rate":0.001}""",
            """{"epoch":4,"step":160,"train_loss":2.4,"valid_loss":2.8,"valid_nll":2.7,"valid_bleu":18.0,"valid_chrf":42,"elapsed_seconds":290,"learning_rate":0.001}""",
            """{"final_model":"average of 2","final_valid_bleu":21.5,"elapsed_seconds":300}""",
        ];
        File.WriteAllText(run.MetricsPath, string.Join("\n", lines) + "\n");

        var s = RunSummary.Of(run, "a");
        Assert.Equal(("a", (string?)null, 4, 160L), (s.Name, s.Architecture, s.Epochs, s.Steps));
        Assert.Equal(60, s.EpochSeconds);                   // median of 60, 70, 60: the first epoch (100 s, with start-up) is left out
        Assert.Equal(1000, s.TargetTokensPerSecond);        // median of 1000, 400, 1200
        Assert.Equal((20.25, 2, 18.0), (s.BestValidBleu, s.BestEpoch, s.LastValidBleu));
        Assert.Equal((21.5, "average of 2"), (s.FinalValidBleu, s.FinalModel));
        Assert.Equal(5.0, s.Minutes, 12);                   // the final line's 300 s
    }
}
