namespace Sharpformer.Training;

/// <summary>Progress of a step interval.</summary>
public readonly record struct StepReport(int Epoch, int Position, int BatchesInEpoch, long Step, double Loss, double LearningRate,
    double TargetTokensPerSecond, double ElapsedSeconds);

/// <summary>What the trainer tells whoever shows progress (the CLI draws bars; tests stay silent).</summary>
public interface ITrainingObserver
{
    void OnMessage(string message) { }
    void OnEpochStart(int epoch, int batches, int startPosition) { }
    void OnStep(StepReport report) { }
    void OnValidationStart(int sentences) { }
    void OnValidationProgress(int done) { }
    void OnValidation(ValidationRecord record, bool isBest) { }
}

/// <summary>An observer that ignores everything.</summary>
public sealed class SilentObserver : ITrainingObserver
{
    public static SilentObserver Instance { get; } = new();
}
