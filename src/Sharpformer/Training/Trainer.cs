using System.Diagnostics;
using Sharpformer.Inference;
using Sharpformer.Kernels;
using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Training;

/// <summary>The outcome of a run.</summary>
public sealed record TrainingSummary(TrainingState State, string FinalModelPath, double FinalValidBleu, string FinalModelKind)
{
    /// <summary>Validation NLL per token of the final model.</summary>
    public double FinalValidNll { get; init; } = double.NaN;
}

/// <summary>
/// Trains a translation model end to end: reads the parallel text, trains (or reloads) the subword
/// vocabulary, batches by length under a token budget, and runs epochs of teacher-forced steps
/// with Adam and the Noam schedule. After each epoch it validates (loss and BLEU), saves a
/// checkpoint, keeps the best weights and applies early stopping; at the end it averages the last
/// checkpoints and keeps whichever of averaged and best scores higher on validation.
/// Stopping (time budget, cancellation) saves a checkpoint first, so <c>--resume</c> loses nothing.
/// </summary>
public sealed class Trainer
{
    private readonly RunDirectory _run;
    private readonly TrainingOptions _options;
    private readonly ITrainingObserver _observer;
    private readonly TimeProvider _time;
    private long _started;
    private AttentionRecorder? _recorder;
    private double _elapsedBefore;

    /// <summary>A trainer writing its run into <paramref name="outputDirectory"/> (created if needed).</summary>
    public Trainer(string outputDirectory, TrainingOptions options, ITrainingObserver? observer = null)
        : this(new RunDirectory(outputDirectory), options, observer) { }

    /// <param name="time">The clock of the time budget (the system's unless a test needs another).</param>
    public Trainer(RunDirectory run, TrainingOptions options, ITrainingObserver? observer = null, TimeProvider? time = null)
    {
        _run = run;
        _options = options;
        _observer = observer ?? SilentObserver.Instance;
        _time = time ?? TimeProvider.System;
    }

    private double Elapsed => _elapsedBefore + _time.GetElapsedTime(_started).TotalSeconds;

    /// <summary>
    /// Trains to the end of the recipe (epochs, time budget or early stopping) and writes the final model;
    /// with <paramref name="resume"/>, continues the run from its latest checkpoint. Cancelling saves a checkpoint first.
    /// </summary>
    public TrainingSummary Run(bool resume = false, CancellationToken cancel = default)
    {
        OptionsCheck.Validate(_options);                  // every field, and the memory estimate, before anything is read, written or allocated
        _run.CheckBeforeTraining(resume);                 // nobody else's files in the way, the folder writable
        _started = _time.GetTimestamp();
        if (_options.Threads > 0) ComputePool.Threads = _options.Threads;
        foreach (string cleaned in _run.CleanStale()) _observer.OnMessage(cleaned);
        string? checkpoint = null;
        if (resume)
        {
            var choice = _run.ChooseResumeCheckpoint();
            checkpoint = choice.Path;
            _observer.OnMessage(checkpoint == null ? choice.Message + " Starting from scratch." : choice.Message);
        }
        if (checkpoint == null && _run.HasOptions && File.Exists(_run.FinalModelPath))
            throw UserInputException.ForField("OutputDirectory", $"{_run.Root} already holds a trained model; resume it or train into another folder");

        var train = _options.ReadCorpus(_options.TrainSource, _options.TrainTarget, "train");
        var valid = _options.ReadCorpus(_options.ValidSource, _options.ValidTarget, "valid");
        _observer.OnMessage($"Read {train.Count:N0} training and {valid.Count:N0} validation pairs.");

        SubwordTokenizer tokenizer;
        if (checkpoint != null) tokenizer = _run.LoadTokenizer();
        else
        {
            try { tokenizer = SubwordTokenizer.Train(train.Sources.Concat(train.Targets), _options.VocabSize); }
            catch (UserInputException e) when (e.Field == null) { throw UserInputException.ForField(nameof(_options.VocabSize), e.Message); }
            _run.SaveOptions(_options);                   // first: a folder holding run.json is recognisably a run
            tokenizer.Save(_run.TokenizerDir);
            _observer.OnMessage($"Trained a joint subword vocabulary of {tokenizer.VocabSize:N0} pieces in {_time.GetElapsedTime(_started).TotalSeconds:F1} s.");
        }

        var config = _options.Model.WithTokens(new TokenSpec(tokenizer.VocabSize, SubwordTokenizer.PadId, SubwordTokenizer.BosId, SubwordTokenizer.EosId));
        var tokens = config.Tokens;
        var examples = Encode(train, tokenizer, _options.MaxLength, out int skipped);
        if (skipped > 0) _observer.OnMessage($"Skipped {skipped:N0} training pairs longer than {_options.MaxLength} tokens.");
        var batcher = new TokenBatcher(examples, _options.BatchTokens, _options.BatchSentences, tokens.PadId, tokens.BosId, tokens.EosId, _options.Seed);
        var validExamples = Encode(valid, tokenizer, _options.MaxLength, out int validSkipped);  // a long line must not blow up the loss's attention
        if (validSkipped > 0) _observer.OnMessage($"The validation loss leaves out {validSkipped:N0} pairs longer than {_options.MaxLength} tokens (their translations are still scored).");
        var validator = new Validator(validExamples, valid.Sources.ToList(), valid.Targets.ToList(),
            config, _options.Optimizer.LabelSmoothing, _options.BatchTokens);

        var model = config.CreateModel();
        model.Initialize(_options.Seed);
        var step = new TrainStep(model, _options.Optimizer, (ulong)_options.Seed);
        var state = new TrainingState();
        if (checkpoint != null)
        {
            state = Checkpoint.Load(checkpoint, model, step.Optimizer);
            _elapsedBefore = state.ElapsedSeconds;
            _observer.OnMessage($"Resumed from {Path.GetFileName(checkpoint)}: epoch {state.Epoch + 1}, batch {state.Position}, step {state.Step}.");
        }
        PlanCooldown(step, batcher, state);
        if (state.Step == 0 && CooldownEpochsText(Planned(state)) is { } cooling)
            _observer.OnMessage($"The learning rate falls linearly to zero over {cooling} of {Planned(state)}.");
        _recorder = AttentionRecorder.Start(_run, _options, model, tokenizer, valid, state);
        _observer.OnMessage($"Model: {model.Architecture}, {model.Parameters.Sum(p => (long)p.Length):N0} parameters; {batcher.BatchCount:N0} batches per epoch; {ComputePool.Threads} threads.");

        state = TrainEpochs(model, step, batcher, validator, tokenizer, state, cancel);
        if (cancel.IsCancellationRequested) return new TrainingSummary(state, _run.LatestCheckpoint() ?? "", double.NaN, "interrupted");
        return Finish(model, step, tokenizer, validator, state);
    }

    private TrainingState TrainEpochs(ITrainableModel model, TrainStep step, TokenBatcher batcher, Validator validator,
        SubwordTokenizer tokenizer, TrainingState state, CancellationToken cancel)
    {
        double budget = _options.MaxMinutes > 0 ? _options.MaxMinutes * 60 : double.PositiveInfinity;
        var guard = new NonFiniteGuard(_options.MaxNonFiniteSteps);
        for (int epoch = state.Epoch; epoch < Planned(state); epoch++)
        {
            _observer.OnEpochStart(epoch, batcher.BatchCount, state.Position);
            double lossSum = 0, epochLoss = 0;
            long tokens = 0, epochTokens = 0;
            var interval = Stopwatch.StartNew();
            foreach (var (position, batch) in batcher.Epoch(epoch, state.Position))
            {
                var r = step.Run(batch);
                if (guard.Record(r, epoch, position, step.Step) is { } skipped) _observer.OnMessage(skipped);
                if (!r.Skipped)
                {
                    lossSum += r.Loss * r.Tokens;
                    tokens += r.Tokens;
                    epochLoss += r.Loss * r.Tokens;
                    epochTokens += r.Tokens;
                }
                state = state with { Step = step.Step, Epoch = epoch, Position = position + 1, ElapsedSeconds = Elapsed };
                if (!r.Skipped && step.Step % _options.LogEvery == 0 || position + 1 == batcher.BatchCount)
                {
                    var report = new StepReport(epoch, position + 1, batcher.BatchCount, step.Step, lossSum / Math.Max(1, tokens), r.LearningRate,
                        tokens / interval.Elapsed.TotalSeconds, Elapsed);
                    _observer.OnStep(report);
                    _run.AppendMetrics(_recorder!.StepRecord(report));
                    (lossSum, tokens) = (0, 0);
                    interval.Restart();
                }
                bool outOfTime = Elapsed >= budget;
                if (cancel.IsCancellationRequested || outOfTime)
                {
                    SaveCheckpoint(model, step, state, resumeOnly: !outOfTime);
                    _observer.OnMessage(outOfTime ? $"Time budget of {_options.MaxMinutes} min reached at step {step.Step}." : $"Interrupted; saved step {step.Step}; resume the run to continue.");
                    return state;
                }
                if (!r.Skipped && _options.CheckpointEverySteps > 0 && step.Step % _options.CheckpointEverySteps == 0 && position + 1 < batcher.BatchCount)
                    SaveCheckpoint(model, step, state);
            }
            state = Validate(model, step, tokenizer, validator, state with { Epoch = epoch + 1, Position = 0 }, epochLoss / Math.Max(1, epochTokens));
            state = FitToBudget(step, batcher, state, budget);
            SaveCheckpoint(model, step, state);
            if (_options.Patience > 0 && state.BadValidations >= _options.Patience)
            {
                _observer.OnMessage($"Early stopping: no better validation {SelectionName} for {_options.Patience} epochs.");
                break;
            }
        }
        return state;
    }

    /// <summary>The epochs this run trains: the options' (a resumed run may be given more), or fewer once fitted to the budget.</summary>
    private int Planned(TrainingState state) => state.PlannedEpochs > 0 ? Math.Min(state.PlannedEpochs, _options.Epochs) : _options.Epochs;

    // the cool-down ends with the last batch of the last planned epoch; the batch count is fixed by the data, so a resumed run keeps the curve
    private void PlanCooldown(TrainStep step, TokenBatcher batcher, TrainingState state)
    {
        int planned = Planned(state), cooling = EpochBudget.CooldownEpochs(planned, _options.Cooldown);
        if (cooling > 0) step.PlanCooldown((long)(planned - cooling) * batcher.BatchCount, (long)planned * batcher.BatchCount);
    }

    // the cooling epochs of a run of `planned` epochs as the log names them; null when it has none
    private string? CooldownEpochsText(int planned) => EpochBudget.CooldownEpochs(planned, _options.Cooldown) switch
    {
        0 => null,
        1 => $"epoch {planned}",
        var n => $"epochs {planned - n + 1}–{planned}",
    };

    private TrainingState FitToBudget(TrainStep step, TokenBatcher batcher, TrainingState state, double budget)
    {
        int planned = Planned(state);
        int fitted = EpochBudget.Fit(planned, _options.Epochs, _options.Cooldown, state.History.Select(h => h.ElapsedSeconds).ToList(), budget);
        if (fitted == planned) return state;
        state = state with { PlannedEpochs = fitted };
        PlanCooldown(step, batcher, state);
        _observer.OnMessage($"{fitted} of the {_options.Epochs} epochs fit the {_options.MaxMinutes:0.##}-minute budget at this pace (planned: {planned}); " +
                            $"the learning rate will fall to zero over {CooldownEpochsText(fitted)}.");
        return state;
    }

    private TrainingState Validate(ITrainableModel model, TrainStep step, SubwordTokenizer tokenizer, Validator validator, TrainingState state, double trainLoss)
    {
        var (loss, nll) = validator.Loss(step.Network);
        _observer.OnValidationStart(validator.Sentences);
        var (bleu, chrf, _) = validator.Score(model, tokenizer, ValidDecode, new Progress(_observer));
        bool best = Beats((bleu, nll), (state.BestBleu, state.BestNll), orTies: false);
        long stepNumber = step.Step;
        double lr = step.Schedule.LearningRate(Math.Max(1, stepNumber));
        var record = new ValidationRecord(state.Epoch, stepNumber, trainLoss, loss, nll, bleu, chrf, Elapsed, lr);
        if (best) ModelFile.Save(model, _run.BestModelPath);
        _observer.OnValidation(record, best);
        _run.AppendMetrics(record);
        _recorder!.OnValidation(record);
        return state with
        {
            History = [.. state.History, record],
            BestBleu = best ? bleu : state.BestBleu,
            BestNll = best ? nll : state.BestNll,
            BestEpoch = best ? state.Epoch : state.BestEpoch,
            BadValidations = best ? 0 : state.BadValidations + 1,
            ElapsedSeconds = Elapsed,
        };
    }

    private TrainingSummary Finish(ITrainableModel model, TrainStep step, SubwordTokenizer tokenizer, Validator validator, TrainingState state)
    {
        var files = _run.Checkpoints().TakeLast(_options.AverageLast).Select(d => Path.Combine(d, Checkpoint.ModelFileName)).ToList();
        var best = (Bleu: state.BestBleu, Nll: state.BestNll);
        string kind = "best";
        if (!File.Exists(_run.BestModelPath))
        {
            ModelFile.Save(model, _run.BestModelPath);
            best = (validator.Score(model, tokenizer, ValidDecode).Bleu, validator.Loss(step.Network).Nll);
        }
        IO.DurableFile.Copy(_run.BestModelPath, _run.FinalModelPath);
        var final = best;
        if (_options.AverageLast > 1 && files.Count > 1)
        {
            CheckpointAveraging.Average(files, model);    // the training network computes with the model's weights, now the average
            _observer.OnValidationStart(validator.Sentences);
            var averaged = (Bleu: validator.Score(model, tokenizer, ValidDecode, new Progress(_observer)).Bleu, Nll: validator.Loss(step.Network).Nll);
            _observer.OnMessage(_options.SelectBy == ModelSelection.Nll
                ? $"Average of the last {files.Count} checkpoints: validation NLL {averaged.Nll:F4}, BLEU {averaged.Bleu:F2} (best single: NLL {best.Nll:F4}, BLEU {best.Bleu:F2})."
                : $"Average of the last {files.Count} checkpoints: validation BLEU {averaged.Bleu:F2} (best single: {best.Bleu:F2}).");
            if (Beats(averaged, best, orTies: true))
            {
                ModelFile.Save(model, _run.FinalModelPath);
                (final, kind) = (averaged, $"average of {files.Count}");
            }
        }
        state = state with { Finished = true, ElapsedSeconds = Elapsed };
        if (_run.LatestCheckpoint() is { } latest)
            Checkpoint.SaveState(latest, state);
        _run.AppendMetrics(new { final_model = kind, final_valid_bleu = final.Bleu, final_valid_nll = final.Nll, selected_by = SelectionName, elapsed_seconds = Elapsed });
        return new TrainingSummary(state, _run.FinalModelPath, final.Bleu, kind) { FinalValidNll = final.Nll };
    }

    /// <summary>Whether <paramref name="candidate"/> is better than <paramref name="incumbent"/> by <see cref="TrainingOptions.SelectBy"/>.</summary>
    private bool Beats((double Bleu, double Nll) candidate, (double Bleu, double Nll) incumbent, bool orTies) => _options.SelectBy == ModelSelection.Nll
        ? candidate.Nll < incumbent.Nll || orTies && candidate.Nll == incumbent.Nll
        : candidate.Bleu > incumbent.Bleu || orTies && candidate.Bleu == incumbent.Bleu;

    private string SelectionName => _options.SelectBy == ModelSelection.Nll ? "NLL" : "BLEU";

    private DecodeOptions ValidDecode => DecodeOptions.Beam(_options.ValidBeam, _options.ValidLengthPenalty);

    private void SaveCheckpoint(ITrainableModel model, TrainStep step, TrainingState state, bool resumeOnly = false)
    {
        string dir = _run.CheckpointPath(step.Step, resumeOnly);
        Checkpoint.Save(dir, model, step.Optimizer, state with { ElapsedSeconds = Elapsed });
        _run.SetLatest(dir);
        _run.Prune(Math.Max(_options.KeepCheckpoints, _options.AverageLast));
    }

    private static List<Example> Encode(ParallelCorpus corpus, SubwordTokenizer tokenizer, int maxLength, out int skipped)
    {
        var encoded = corpus.Pairs.AsParallel().AsOrdered()
            .Select(p => new Example(tokenizer.Encode(p.Source), tokenizer.Encode(p.Target))).ToList();
        var kept = encoded.Where(e => e.Source.Length <= maxLength && e.Target.Length <= maxLength && e.Target.Length > 0).ToList();
        skipped = encoded.Count - kept.Count;
        return kept;
    }

    private sealed class Progress(ITrainingObserver observer) : IProgress<int>
    {
        public void Report(int value) => observer.OnValidationProgress(value);
    }
}
