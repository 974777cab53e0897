using System.Text.Json;
using System.Text.Json.Nodes;
using Sharpformer.Inference;
using Sharpformer.Inspection;
using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Training;

/// <summary>
/// Records how attention is learned, for <c>sharpformer attention --run DIR --evolution</c>:
/// <list type="bullet">
/// <item>at the start of a new run and at every validation, every attention map of one watched sentence
/// into watch.jsonl (one line per record: the same schema as <c>sharpformer attention --json</c>, plus
/// epoch, step and time);</item>
/// <item>at every logging interval, the gradient norms of W_Q, W_K, W_V and W_O of every attention block,
/// added to that interval's line of metrics.jsonl as <c>attention_grad_norms</c>.</item>
/// </list>
/// The watched sentence is <see cref="TrainingOptions.WatchSource"/>, else the first validation pair of at
/// most <see cref="MaxWatchTokens"/> pieces a side. With a reference, the decoder is fed the reference
/// (teacher forcing), so every record has the same tokens and the maps line up across validations; without
/// one, the maps are those of the model's greedy translation at that moment. Maps come through the model
/// contract (<see cref="ISeq2SeqModel"/>, <see cref="SentenceAttention"/>); gradient norms are recorded
/// only for architectures with W_Q/W_K/W_V/W_O blocks. Fields: docs/run-files.md.
/// </summary>
public sealed class AttentionRecorder
{
    /// <summary>Longest watched sentence (pieces per side, EOS included) chosen from the validation set.</summary>
    public const int MaxWatchTokens = 32;

    private readonly string _watchPath;
    private readonly ISeq2SeqModel _model;
    private readonly SubwordTokenizer _tokenizer;
    private readonly int[]? _source, _target;
    private readonly AttentionGradientNorms? _norms;

    private AttentionRecorder(string watchPath, ISeq2SeqModel model, SubwordTokenizer tokenizer, int[]? source, int[]? target)
    {
        (_watchPath, _model, _tokenizer, _source, _target) = (watchPath, model, tokenizer, source, target);
        _norms = AttentionGradientNorms.For(model);
    }

    /// <summary>
    /// A recorder for a run; on a run that has not taken a step yet, records the maps of the initial weights
    /// (the evolution's first column).
    /// </summary>
    public static AttentionRecorder Start(RunDirectory run, TrainingOptions options, ISeq2SeqModel model, SubwordTokenizer tokenizer,
        ParallelCorpus valid, TrainingState state)
    {
        var (source, target) = ChooseSentence(options, tokenizer, valid);
        if (!model.HasAttention) (source, target) = (null, null);   // rnn: no maps to record
        var recorder = new AttentionRecorder(run.WatchPath, model, tokenizer, source, target);
        if (state.Step == 0) recorder.RecordMaps(epoch: 0, step: 0, elapsedSeconds: state.ElapsedSeconds);
        return recorder;
    }

    /// <summary>The watched source and reference ids (EOS last); the reference is null when the decoder follows its own output.</summary>
    public static (int[]? Source, int[]? Target) ChooseSentence(TrainingOptions options, SubwordTokenizer tokenizer, ParallelCorpus valid)
    {
        if (options.WatchSource != null)
        {
            if (string.IsNullOrWhiteSpace(options.WatchSource)) throw UserInputException.ForField(nameof(TrainingOptions.WatchSource), "the sentence is empty");
            return (tokenizer.Encode(options.WatchSource, addBos: false, addEos: true),
                options.WatchTarget == null ? null : tokenizer.Encode(options.WatchTarget, addBos: false, addEos: true));
        }
        if (options.WatchTarget != null)
            throw UserInputException.ForField(nameof(TrainingOptions.WatchTarget), "needs the watched source sentence too");
        var pairs = valid.Pairs.Select(p => (Source: tokenizer.Encode(p.Source, false, true), Target: tokenizer.Encode(p.Target, false, true)))
            .Where(p => p.Source.Length > 1 && p.Target.Length > 1).ToList();
        if (pairs.Count == 0) return (null, null);
        var pick = pairs.FirstOrDefault(p => p.Source.Length <= MaxWatchTokens && p.Target.Length <= MaxWatchTokens);
        if (pick.Source == null) pick = pairs.MinBy(p => Math.Max(p.Source.Length, p.Target.Length));
        return (pick.Source, pick.Target);
    }

    /// <summary>
    /// The metrics line of a logging interval: <paramref name="report"/> with the gradient norms of the
    /// attention projections as they are now (the interval's last step), or the report alone for an
    /// architecture without such blocks.
    /// </summary>
    public object StepRecord(StepReport report)
    {
        if (_norms == null) return report;
        _norms.Compute();
        var line = JsonSerializer.SerializeToNode(report, ModelFile.JsonOptions)!.AsObject();
        line["attention_grad_norms"] = JsonSerializer.SerializeToNode(_norms.ToRecord());
        return line;
    }

    /// <summary>Records the watched sentence's maps after a validation.</summary>
    public void OnValidation(ValidationRecord record) => RecordMaps(record.Epoch, record.Step, record.ElapsedSeconds);

    private void RecordMaps(int epoch, long step, double elapsedSeconds)
    {
        if (_source == null) return;
        int[] output = _target ?? Translate(_source);
        var maps = SentenceAttention.Of(_model, _tokenizer, _source, output);
        RunDirectory.AppendJsonLine(_watchPath, new
        {
            epoch, step, elapsed_seconds = elapsedSeconds, teacher_forced = _target != null,
            source_tokens = maps.SourceTokens, target_tokens = maps.TargetTokens, translation = maps.Translation,
            encoder_self = Round(maps.EncoderSelf), decoder_self = Round(maps.DecoderSelf), cross = Round(maps.Cross),
        });
    }

    // The greedy translation with EOS appended when the search ended with it.
    private int[] Translate(int[] source)
    {
        var best = new Translator(_model, _tokenizer).DecodeBatchNBest([source], DecodeOptions.Greedy)[0][0];
        return best.EndedWithEos ? [.. best.Tokens, _model.Tokens.EosId] : best.Tokens;
    }

    // Four decimals keep a record small; the weights of a row still sum to 1 within 5e-4.
    private static float[][][][] Round(float[][][][] maps) =>
        maps.Select(l => l.Select(h => h.Select(row => row.Select(w => (float)Math.Round(w, 4)).ToArray()).ToArray()).ToArray()).ToArray();
}
