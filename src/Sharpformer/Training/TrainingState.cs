namespace Sharpformer.Training;

/// <summary>One validation of the run's history (the learning curve).</summary>
public sealed record ValidationRecord(int Epoch, long Step, double TrainLoss, double ValidLoss, double ValidNll, double ValidBleu, double ValidChrf,
    double ElapsedSeconds, double LearningRate);

/// <summary>
/// Where a run stands, saved with every checkpoint: together with the weights, the Adam moments
/// and the options, this is all that determines the rest of the run (dropout masks and batch
/// order are functions of the seed, the step and the epoch), so a resumed run continues exactly.
/// </summary>
public sealed record TrainingState
{
    /// <summary>Optimizer steps taken.</summary>
    public long Step { get; init; }

    /// <summary>The epoch in progress (0-based).</summary>
    public int Epoch { get; init; }

    /// <summary>The next batch position within the epoch's order.</summary>
    public int Position { get; init; }

    /// <summary>The epochs the run trains once they were fitted to its time budget (<see cref="EpochBudget"/>); 0 = the options' epochs.</summary>
    public int PlannedEpochs { get; init; }

    /// <summary>Wall-clock seconds spent so far (tokenizer, training, validation).</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>Validation BLEU of the best checkpoint so far.</summary>
    public double BestBleu { get; init; } = -1;

    /// <summary>Validation NLL per token of the best checkpoint so far (the best one by <see cref="TrainingOptions.SelectBy"/>).</summary>
    public double BestNll { get; init; } = double.MaxValue;
    public int BestEpoch { get; init; } = -1;

    /// <summary>Validations in a row without a new best (early stopping).</summary>
    public int BadValidations { get; init; }

    public IReadOnlyList<ValidationRecord> History { get; init; } = [];

    /// <summary>True once training ended (epochs, time budget or early stopping) and the final model was written.</summary>
    public bool Finished { get; init; }
}
