using Sharpformer.Evaluation;
using Sharpformer.Inference;
using Sharpformer.Layers;
using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Training;

/// <summary>
/// Measures a model on the validation set: the teacher-forced loss (same smoothing as training)
/// and the BLEU/chrF of its translations against the references, detokenised, as sacreBLEU scores them.
/// </summary>
public sealed class Validator
{
    private readonly TokenBatcher _batches;
    private readonly IReadOnlyList<string> _sources, _references;
    private readonly LabelSmoothedCrossEntropy _loss;

    public Validator(IReadOnlyList<Example> examples, IReadOnlyList<string> sources, IReadOnlyList<string> references,
        ModelConfig config, float labelSmoothing, int batchTokens)
    {
        var tokens = config.Tokens;
        _batches = new TokenBatcher(examples, batchTokens, 0, tokens.PadId, tokens.BosId, tokens.EosId, seed: 0);
        _sources = sources;
        _references = references;
        _loss = new LabelSmoothedCrossEntropy(labelSmoothing, tokens.PadId);
    }

    public int Sentences => _sources.Count;

    /// <summary>(mean loss, mean NLL) per target token, without dropout.</summary>
    public (double Loss, double Nll) Loss(ITrainingNetwork network)
    {
        double loss = 0, nll = 0;
        long tokens = 0;
        foreach (var b in _batches.InOrder())
        {
            var logits = network.Forward(b.Source, b.TargetIn, b.Batch, b.SourceLength, b.TargetLength, ForwardContext.Eval);
            var r = _loss.Compute(logits, b.TargetOut, b.Batch * b.TargetLength, null);
            loss += r.Loss * r.Tokens;
            nll += r.Nll * r.Tokens;
            tokens += r.Tokens;
        }
        return tokens == 0 ? (0, 0) : (loss / tokens, nll / tokens);
    }

    /// <summary>Translates the validation sources and scores them: (BLEU, chrF, hypotheses).</summary>
    public (double Bleu, double Chrf, string[] Hypotheses) Score(ISeq2SeqModel model, SubwordTokenizer tokenizer, DecodeOptions decode, IProgress<int>? progress = null)
    {
        var hyps = new Translator(model, tokenizer).Translate(_sources, decode, progress);
        var refs = new[] { _references };
        return (Bleu.Corpus(hyps, refs).Score, Chrf.Corpus(hyps, refs).Score, hyps);
    }
}
