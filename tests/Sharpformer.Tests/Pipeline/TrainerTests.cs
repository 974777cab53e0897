using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Tests.Pipeline;

public sealed class TrainerTests
{
    [Fact]
    public void An_interrupted_and_resumed_run_ends_bit_identical_to_an_uninterrupted_one()
    {
        using var tiny = new TinyRun();
        var options = tiny.Options(epochs: 2) with { LogEvery = 1 };
        var a = new RunDirectory(tiny.RunDir("a"));
        var summaryA = new Trainer(a, options).Run(resume: false);

        var b = new RunDirectory(tiny.RunDir("b"));
        using var cancel = new CancellationTokenSource();
        var interrupted = new Trainer(b, options, new CancelAtStep(7, cancel)).Run(resume: false, cancel.Token);
        Assert.Equal("interrupted", interrupted.FinalModelKind);
        Assert.Equal(7, interrupted.State.Step);
        Assert.False(File.Exists(b.FinalModelPath));
        var summaryB = new Trainer(b, b.LoadOptions()).Run(resume: true);

        Assert.Equal(summaryA.State.Step, summaryB.State.Step);
        Assert.Equal(summaryA.FinalModelKind, summaryB.FinalModelKind);
        Assert.Equal(File.ReadAllBytes(a.FinalModelPath), File.ReadAllBytes(b.FinalModelPath));
        string lastA = a.LatestCheckpoint()!, lastB = b.LatestCheckpoint()!;
        Assert.Equal(Path.GetFileName(lastA), Path.GetFileName(lastB));
        foreach (var file in new[] { Checkpoint.ModelFileName, Checkpoint.OptimizerFileName })
            Assert.Equal(File.ReadAllBytes(Path.Combine(lastA, file)), File.ReadAllBytes(Path.Combine(lastB, file)));
        Assert.Equal(summaryA.State.History.Select(h => h.ValidBleu), summaryB.State.History.Select(h => h.ValidBleu));
    }

    [Fact]
    public void A_cooldown_brings_the_rate_down_linearly_over_the_last_epochs_and_a_run_resumed_inside_it_ends_bit_identical()
    {
        using var tiny = new TinyRun();
        var options = tiny.Options(epochs: 3) with { LogEvery = 1, Cooldown = 2 / 3.0 };
        var rates = new RateLog();
        var a = new RunDirectory(tiny.RunDir("a"));
        var summaryA = new Trainer(a, options, rates).Run(resume: false);

        int perEpoch = rates.Reports[0].BatchesInEpoch;
        long start = perEpoch, end = 3L * perEpoch;       // the paper's rate for epoch 1, then down to the last step of epoch 3
        Assert.Equal(end, summaryA.State.Step);
        Assert.Contains("The learning rate falls linearly to zero over epochs 2–3 of 3.", rates.Messages);
        Assert.Equal(Enumerable.Range(1, (int)end).Select(i => (long)i), rates.Reports.Select(r => r.Step));
        AssertCooldownRates(rates.Reports, start, end);
        Assert.True(rates.Reports[^1].LearningRate > 0);

        var b = new RunDirectory(tiny.RunDir("b"));
        using var cancel = new CancellationTokenSource();
        new Trainer(b, options, new CancelAtStep(start + 3, cancel)).Run(resume: false, cancel.Token);
        var summaryB = new Trainer(b, b.LoadOptions()).Run(resume: true);
        Assert.Equal(end, summaryB.State.Step);
        Assert.Equal(File.ReadAllBytes(a.FinalModelPath), File.ReadAllBytes(b.FinalModelPath));
    }

    [Fact]
    public void On_a_host_too_slow_for_its_epochs_a_cooldown_run_trains_the_epochs_that_fit_its_budget_and_resumes_that_plan()
    {
        using var tiny = new TinyRun();
        long perEpoch = new Trainer(new RunDirectory(tiny.RunDir("probe")), tiny.Options(epochs: 1)).Run().State.Step;
        // every step takes one second on this clock, validation none: an epoch is perEpoch seconds, and 4.5 epochs fit the budget
        var options = tiny.Options(epochs: 6) with { LogEvery = 1, Cooldown = 0.5, MaxMinutes = 4.5 * perEpoch / 60.0 };
        var clock = new StepClock();
        var rates = new RateLog();
        var a = new RunDirectory(tiny.RunDir("a"));
        var summaryA = new Trainer(a, options, new Both(clock, rates), clock).Run();

        // planned: 6 epochs cooling over 4–6; after epoch 2, at a pace of perEpoch s, (4.5 − 2)·0.97 = 2.4 more fit: 4, cooling over 3–4
        Assert.Equal(4, summaryA.State.History.Count);
        Assert.Equal(4, summaryA.State.PlannedEpochs);
        long start = 2 * perEpoch, end = 4 * perEpoch;
        Assert.Equal(end, summaryA.State.Step);
        Assert.Contains(rates.Messages, m => m.StartsWith("4 of the 6 epochs fit", StringComparison.Ordinal));
        AssertCooldownRates(rates.Reports, start, end);

        // resumed on the system clock inside the cool-down: the plan comes from the checkpoint, not from the options' 6 epochs
        var b = new RunDirectory(tiny.RunDir("b"));
        using var cancel = new CancellationTokenSource();
        var clockB = new StepClock();
        new Trainer(b, options, new Both(clockB, new CancelAtStep(start + 3, cancel)), clockB).Run(resume: false, cancel.Token);
        var summaryB = new Trainer(b, b.LoadOptions()).Run(resume: true);
        Assert.Equal(end, summaryB.State.Step);
        Assert.Equal(File.ReadAllBytes(a.FinalModelPath), File.ReadAllBytes(b.FinalModelPath));
    }

    [Fact]
    public void A_run_saves_tokenizer_checkpoints_best_and_final_model_that_reload()
    {
        using var tiny = new TinyRun();
        var run = new RunDirectory(tiny.RunDir());
        var summary = new Trainer(run, tiny.Options(epochs: 2)).Run(resume: false);
        Assert.True(summary.State.Finished);
        Assert.Equal(2, summary.State.History.Count);
        Assert.True(File.Exists(run.BestModelPath));
        Assert.Equal(2, run.Checkpoints().Count);
        var model = ModelFile.LoadTransformer(run.FinalModelPath);
        Assert.Equal(run.LoadTokenizer().VocabSize, model.Config.VocabSize);
        Assert.Equal(2, File.ReadLines(run.MetricsPath).Count(l => l.Contains("\"valid_bleu\"")));
    }

    [Fact]
    public void Selection_by_validation_nll_keeps_the_lowest_nll_checkpoint_and_reports_the_final_models_own_nll()
    {
        using var tiny = new TinyRun(trainPairs: 200, validPairs: 20);
        var options = tiny.Options(epochs: 4) with { SelectBy = ModelSelection.Nll, AverageLast = 2, KeepCheckpoints = 4 };
        var run = new RunDirectory(tiny.RunDir());
        var summary = new Trainer(run, options).Run(resume: false);

        var history = summary.State.History;
        var lowest = history.MinBy(h => h.ValidNll)!;
        var highestBleu = history.MaxBy(h => h.ValidBleu)!;   // the first of equals: what selection by BLEU would keep
        Assert.True(lowest.Epoch != highestBleu.Epoch, "this recipe must tell the two criteria apart");
        Assert.Equal(lowest.Epoch, summary.State.BestEpoch);
        Assert.Equal(lowest.ValidNll, summary.State.BestNll);
        string checkpoint = run.Checkpoints().Single(d => Checkpoint.LoadState(d).Step == lowest.Step);
        Assert.Equal(File.ReadAllBytes(Path.Combine(checkpoint, Checkpoint.ModelFileName)), File.ReadAllBytes(run.BestModelPath));

        // The reported NLL is the final model's own, measured again by teacher forcing through the decoding contract;
        // an average is kept only when it is no worse than the best single checkpoint.
        using var translator = Sharpformer.Inference.Translator.Load(run.Root);
        var sources = File.ReadAllLines(tiny.File("val.de")).Select(l => translator.Tokenizer.Encode(l, addBos: false, addEos: true)).ToArray();
        var targets = File.ReadAllLines(tiny.File("val.en")).Select(l => translator.Tokenizer.Encode(l)).ToArray();
        double nll = Math.Log(Sharpformer.Inference.TeacherForcing.Perplexity(Sharpformer.Inference.TeacherForcing.Score(translator.Model, sources, targets)));
        Assert.Equal(nll, summary.FinalValidNll, 4);
        Assert.True(summary.FinalValidNll <= lowest.ValidNll + 1e-12, $"final NLL {summary.FinalValidNll} above the best checkpoint's {lowest.ValidNll}");
        Assert.Contains("\"selected_by\":\"NLL\"", File.ReadLines(run.MetricsPath).Last());
    }

    [Fact]
    public void A_finished_run_refuses_to_be_overwritten_without_resume()
    {
        using var tiny = new TinyRun(trainPairs: 100, validPairs: 10);
        var run = new RunDirectory(tiny.RunDir());
        new Trainer(run, tiny.Options(epochs: 1)).Run(resume: false);
        byte[] before = File.ReadAllBytes(run.FinalModelPath);
        var e = Assert.Throws<UserInputException>(() => new Trainer(run, tiny.Options(epochs: 1)).Run(resume: false));
        Assert.Contains("already holds a trained model", e.Message);
        Assert.Equal(before, File.ReadAllBytes(run.FinalModelPath));
    }

    [Fact]
    public void Misaligned_training_files_fail_with_a_message_naming_the_files()
    {
        using var tiny = new TinyRun(trainPairs: 50, validPairs: 10);
        File.AppendAllText(tiny.File("train.en"), "one line too many\n");
        var e = Assert.Throws<UserInputException>(() => new Trainer(new RunDirectory(tiny.RunDir()), tiny.Options()).Run(resume: false));
        Assert.Contains("train.de", e.Message);
        Assert.Contains("train.en", e.Message);
    }

    [Fact]
    public void Trains_from_two_columns_of_csv_files()
    {
        using var tiny = new TinyRun(trainPairs: 120, validPairs: 12);
        static string Quote(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
        void Csv(string name, string de, string en) => File.WriteAllLines(tiny.File(name),
            new[] { "id,german,english" }.Concat(File.ReadAllLines(tiny.File(de)).Zip(File.ReadAllLines(tiny.File(en)), (d, e) => $"1,{Quote(d)},{Quote(e)}")));
        Csv("train.csv", "train.de", "train.en");
        Csv("valid.csv", "val.de", "val.en");
        var options = tiny.Options(epochs: 1) with
        {
            TrainSource = tiny.File("train.csv"), TrainTarget = null, ValidSource = tiny.File("valid.csv"), ValidTarget = null,
            TestSource = null, TestTarget = null, Columns = "german,english",
        };
        var summary = new Trainer(new RunDirectory(tiny.RunDir()), options).Run(resume: false);
        Assert.Single(summary.State.History);

        var bad = options with { Columns = "german,french" };
        var e = Assert.Throws<UserInputException>(() => new Trainer(new RunDirectory(tiny.RunDir("bad")), bad).Run(resume: false));
        Assert.Contains("french", e.Message);
    }

    /// <summary>Every logged step's rate is the paper's for the tiny recipe (d 16, 20 warm-up steps) up to <paramref name="start"/>, then falls linearly to its last positive value at <paramref name="end"/>.</summary>
    private static void AssertCooldownRates(IEnumerable<StepReport> reports, long start, long end)
    {
        var paper = new NoamSchedule(DModel: 16, Warmup: 20);
        foreach (var r in reports)
        {
            double expected = r.Step <= start ? paper.LearningRate(r.Step) : paper.LearningRate(start) * (end + 1 - r.Step) / (end + 1 - start);
            Assert.Equal(expected, r.LearningRate, 1e-15);
        }
    }

    private sealed class RateLog : ITrainingObserver
    {
        public List<StepReport> Reports { get; } = [];
        public List<string> Messages { get; } = [];
        public void OnStep(StepReport report) => Reports.Add(report);
        public void OnMessage(string message) => Messages.Add(message);
    }

    /// <summary>A clock on which every training step takes one second and nothing else takes any time (steps must be logged every step).</summary>
    private sealed class StepClock : TimeProvider, ITrainingObserver
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void OnStep(StepReport report) => _ticks += TimeSpan.TicksPerSecond;
    }

    private sealed class Both(ITrainingObserver first, ITrainingObserver second) : ITrainingObserver
    {
        public void OnMessage(string message) { first.OnMessage(message); second.OnMessage(message); }
        public void OnStep(StepReport report) { first.OnStep(report); second.OnStep(report); }
    }

    private sealed class CancelAtStep(long step, CancellationTokenSource cancel) : ITrainingObserver
    {
        public void OnStep(StepReport report)
        {
            if (report.Step == step) cancel.Cancel();
        }
    }
}
