using Spectre.Console;
using Sharpformer.Training;

namespace Sharpformer.Cli;

/// <summary>
/// Shows a run's progress: on a terminal, a bar per epoch redrawn in place with loss, learning
/// rate and speed; when the output is redirected, one plain line per log interval.
/// </summary>
public sealed class TrainingConsole : ITrainingObserver
{
    private readonly bool _live;
    private int _batches, _validTotal;
    private bool _barShown;

    private TrainingConsole(IAnsiConsole console, bool live)
    {
        Console = console;
        _live = live;
    }

    public IAnsiConsole Console { get; }

    public static TrainingConsole Create()
    {
        bool live = !System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        // Redirected output (a log file) has no width; Spectre would wrap it at 80 columns.
        if (System.Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        return new TrainingConsole(AnsiConsole.Console, live);
    }

    public void OnMessage(string message)
    {
        ClearBar();
        Console.MarkupLineInterpolated($"[grey]{DateTime.Now:HH:mm:ss}[/] {message}");
    }

    public void OnEpochStart(int epoch, int batches, int startPosition)
    {
        _batches = batches;
        ClearBar();
        Console.MarkupLineInterpolated($"[bold]Epoch {epoch + 1}[/] ({batches:N0} batches{(startPosition > 0 ? $", from batch {startPosition}" : "")})");
    }

    public void OnStep(StepReport r)
    {
        string stats = $"step {r.Step,6}  loss {r.Loss,6:F3}  lr {r.LearningRate:E2}  {r.TargetTokensPerSecond,7:N0} tok/s  {Clock(r.ElapsedSeconds)}";
        if (!_live)
        {
            Console.WriteLine($"  {r.Position,5}/{_batches}  {stats}");
            return;
        }
        Bar(r.Position, _batches, stats);
    }

    public void OnValidationStart(int sentences)
    {
        _validTotal = sentences;
        if (_live) Bar(0, sentences, "translating the validation set");
    }

    public void OnValidationProgress(int done)
    {
        if (_live) Bar(done, _validTotal, "translating the validation set");
    }

    public void OnValidation(ValidationRecord v, bool isBest)
    {
        ClearBar();
        string best = isBest ? "  [yellow]★ best[/]" : "";
        Console.MarkupLine(Markup.Escape($"  valid: loss {v.ValidLoss:F3}  ppl {Math.Exp(v.ValidNll):F2}  BLEU ") + $"[bold green]{v.ValidBleu:F2}[/]"
            + Markup.Escape($"  chrF {v.ValidChrf:F2}") + best + Markup.Escape($"  (train loss {v.TrainLoss:F3}, {Clock(v.ElapsedSeconds)})"));
    }

    public void Done() => ClearBar();

    public void Summary(TrainingSummary s)
    {
        var table = new Table().Title("Validation curve").AddColumns("epoch", "step", "train loss", "valid loss", "valid BLEU", "chrF", "time");
        foreach (var v in s.State.History)
            table.AddRow($"{v.Epoch}", $"{v.Step}", $"{v.TrainLoss:F3}", $"{v.ValidLoss:F3}", $"{v.ValidBleu:F2}", $"{v.ValidChrf:F2}", Clock(v.ElapsedSeconds));
        if (s.State.History.Count > 0) Console.Write(table);
        if (double.IsFinite(s.FinalValidNll) && s.FinalValidNll < double.MaxValue)
            Console.MarkupLineInterpolated($"Final model ({s.FinalModelKind}): validation BLEU [bold green]{s.FinalValidBleu:F2}[/], NLL {s.FinalValidNll:F4} (ppl {Math.Exp(s.FinalValidNll):F2}) → {s.FinalModelPath}");
        else
            Console.MarkupLineInterpolated($"Final model ({s.FinalModelKind}): validation BLEU [bold green]{s.FinalValidBleu:F2}[/] → {s.FinalModelPath}");
    }

    private void Bar(int done, int total, string stats)
    {
        const int width = 28;
        int filled = total == 0 ? 0 : (int)Math.Round(width * (double)done / total);
        string bar = new string('█', filled) + new string('░', width - filled);
        System.Console.Write($"\r  {bar} {done,5}/{total}  {stats}\u001b[K");
        _barShown = true;
    }

    private void ClearBar()
    {
        if (!_barShown) return;
        System.Console.Write("\r\u001b[K");
        _barShown = false;
    }

    private static string Clock(double seconds) => TimeSpan.FromSeconds(seconds).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss");
}
