using Sharpformer.Layers;

namespace Sharpformer.Training;

/// <summary>
/// Keeps a diverging step out of the weights. A NaN or an infinity in the loss or the gradient norm means
/// the step's gradients are garbage: <see cref="TrainStep"/> then skips the Adam update (weights and moments
/// stay as they were) and the trainer reports it. A few such steps can be a bad batch; many in a row mean the
/// run diverged, and the guard stops it with a clear message before anything non-finite is saved (model files
/// and checkpoints refuse non-finite values besides).
/// </summary>
public sealed class NonFiniteGuard(int maxInARow)
{
    private int _inARow;

    /// <summary>Steps skipped since the last good one.</summary>
    public int InARow => _inARow;

    /// <summary>True when a step with this loss and gradient norm may update the weights.</summary>
    public static bool IsFinite(double loss, double gradientNorm) => double.IsFinite(loss) && double.IsFinite(gradientNorm);

    /// <summary>
    /// Records one step's outcome. Returns a line to report when it was skipped; throws (field "MaxNonFiniteSteps")
    /// when it was the <c>maxInARow</c>-th skipped step in a row.
    /// </summary>
    public string? Record(TrainStep.Result r, int epoch, int position, long step)
    {
        if (!r.Skipped)
        {
            _inARow = 0;
            return null;
        }
        _inARow++;
        string what = !double.IsFinite(r.Loss) ? $"loss {r.Loss}" : $"gradient norm {r.GradNorm}";
        if (_inARow >= maxInARow)
            throw UserInputException.ForField(nameof(TrainingOptions.MaxNonFiniteSteps),
                $"training stopped: {_inARow} steps in a row had a non-finite loss or gradient (the last: {what} at epoch {epoch + 1}, batch {position + 1}); "
                + "the run diverged, none of those steps was applied and no checkpoint was saved after them; lower the learning rate (LrFactor) or clip gradients (ClipNorm), then resume");
        return $"Skipped a step at epoch {epoch + 1}, batch {position + 1} (after step {step}): non-finite {what}; the weights are unchanged ({_inARow} in a row).";
    }

    /// <summary>Test seam: runs after each backward pass with the step number and the parameters, to poison a gradient. Async-local.</summary>
    internal static readonly AsyncLocal<Action<long, IReadOnlyList<Parameter>>?> AfterBackward = new();
}
