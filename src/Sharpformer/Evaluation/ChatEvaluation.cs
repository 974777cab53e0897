using System.Diagnostics;
using Sharpformer.Inference;
using Sharpformer.Text;

namespace Sharpformer.Evaluation;

/// <summary>
/// A chat model measured on held-out (question, answer) pairs. Questions that occur on several lines are
/// answered once and scored against all their reference answers (multi-reference BLEU and chrF).
/// <list type="bullet">
/// <item><see cref="Bleu"/>, <see cref="Chrf"/>: sacreBLEU-exact corpus scores of the answers (13a, mixed case).</item>
/// <item><see cref="Perplexity"/>: exp of the mean −log p per reference-answer token, EOS included, every
/// reference pair scored by <see cref="TeacherForcing"/> (teacher forcing, no label smoothing, no dropout).</item>
/// <item><see cref="Answers"/>: distinct-1/2, and the shares copied from the training answers, empty, and
/// looping (<see cref="ChatMetrics"/>); <see cref="References"/> gives the same measures of the first reference
/// answer of each question, the level a perfect chatbot would show (half the held-out answers of the bundled
/// data are themselves training answers, so a high copied share is not by itself a fault).</item>
/// </list>
/// </summary>
public sealed record ChatEvaluation(
    int Questions, int Pairs, BleuScore Bleu, ChrfScore Chrf,
    double Perplexity, long PerplexityTokens, int UnscoredPairs,
    ChatTextMeasures Answers, ChatTextMeasures References,
    IReadOnlyList<string> DistinctQuestions, IReadOnlyList<string> AnswerTexts, double Seconds)
{
    /// <summary>
    /// Answers every distinct question of <paramref name="heldOut"/> with <paramref name="options"/> (null: the
    /// translator's defaults) and measures the answers. <paramref name="trainingAnswers"/>, when known, gives the
    /// copied share. <paramref name="progress"/> receives the count of answered questions.
    /// </summary>
    public static ChatEvaluation Run(Translator translator, ParallelCorpus heldOut, DecodeOptions? options = null,
        IReadOnlySet<string>? trainingAnswers = null, IProgress<int>? progress = null)
    {
        var watch = Stopwatch.StartNew();
        var questions = new List<string>();
        var referencesOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in heldOut.Pairs)
        {
            if (!referencesOf.TryGetValue(pair.Source, out var list))
            {
                referencesOf[pair.Source] = list = [];
                questions.Add(pair.Source);
            }
            list.Add(pair.Target);
        }
        if (questions.Count == 0) throw new UserInputException($"{heldOut.SourcePath}: no questions to evaluate");

        var answers = translator.Translate(questions, options, progress);
        // Reference stream k holds each question's k-th answer, or "" (skipped) for questions with fewer.
        int streams = referencesOf.Values.Max(l => l.Count);
        var referenceStreams = Enumerable.Range(0, streams)
            .Select(k => (IReadOnlyList<string>)questions.Select(q => k < referencesOf[q].Count ? referencesOf[q][k] : "").ToArray())
            .ToArray();

        var tokenizer = translator.Tokenizer;
        var sources = heldOut.Pairs.Select(p => tokenizer.Encode(p.Source, addBos: false, addEos: true)).ToArray();
        var targets = heldOut.Pairs.Select(p => tokenizer.Encode(p.Target)).ToArray();
        var scores = TeacherForcing.Score(translator.Model, sources, targets, (options ?? translator.Defaults).BatchTokens);

        return new ChatEvaluation(
            questions.Count, heldOut.Count,
            Evaluation.Bleu.Corpus(answers, referenceStreams), Evaluation.Chrf.Corpus(answers, referenceStreams),
            TeacherForcing.Perplexity(scores), scores.Sum(s => (long)s.Tokens), scores.Count(s => s.Tokens == 0),
            ChatMetrics.Measure(answers, trainingAnswers),
            ChatMetrics.Measure(questions.Select(q => referencesOf[q][0]).ToArray(), trainingAnswers),
            questions, answers, watch.Elapsed.TotalSeconds);
    }
}
