namespace Sharpformer.Evaluation;

/// <summary>
/// Text-only measures of a chatbot's answers. They count <see cref="Words"/>: the tokens BLEU counts
/// (sacreBLEU's <c>13a</c> rules: punctuation split off, Korean words kept as written between spaces), so
/// they do not depend on a model's subword vocabulary and compare models with different vocabularies.
/// </summary>
public static class ChatMetrics
{
    /// <summary>An n-gram repeated this many times back to back is a loop (<see cref="HasLoop(IReadOnlyList{string})"/>).</summary>
    public const int LoopRepeats = 3;

    /// <summary>The longest n-gram <see cref="HasLoop(IReadOnlyList{string})"/> looks for.</summary>
    public const int LoopMaxN = 4;

    /// <summary>The answer's words: right-stripped and tokenized by the 13a rules, as BLEU sees them.</summary>
    public static IReadOnlyList<string> Words(string answer) =>
        PythonText.SplitWhitespace(Tokenizer13a.Tokenize(PythonText.RStrip(answer)));

    /// <summary>
    /// distinct-n (Li et al., 2016): the number of distinct word n-grams over all answers divided by the
    /// number of word n-grams over all answers (an answer of w words has max(0, w − n + 1)). 0 when the
    /// answers hold no n-gram at all. 1 means no n-gram is ever repeated, in one answer or across answers.
    /// </summary>
    public static double Distinct(IEnumerable<string> answers, int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        foreach (string answer in answers)
        {
            var words = Words(answer);
            for (int i = 0; i + n <= words.Count; i++)
            {
                seen.Add(string.Join(' ', words.Skip(i).Take(n)));
                total++;
            }
        }
        return total == 0 ? 0 : seen.Count / (double)total;
    }

    /// <summary>An empty answer: nothing but whitespace (or nothing at all).</summary>
    public static bool IsEmpty(string answer) => Words(answer).Count == 0;

    /// <summary>
    /// A repeated-token loop: some n-gram of 1 to <see cref="LoopMaxN"/> words occurs <see cref="LoopRepeats"/>
    /// times in a row ("좋아요 좋아요 좋아요", "잘 될 거예요 잘 될 거예요 잘 될 거예요"), the way a decoder
    /// caught in a cycle writes until its length limit. Twice in a row is not a loop ("네 네").
    /// </summary>
    public static bool HasLoop(string answer) => HasLoop(Words(answer));

    /// <inheritdoc cref="HasLoop(string)"/>
    public static bool HasLoop(IReadOnlyList<string> words)
    {
        for (int n = 1; n <= LoopMaxN; n++)
            for (int start = 0; start + LoopRepeats * n <= words.Count; start++)
            {
                bool repeated = true;
                for (int i = n; i < LoopRepeats * n && repeated; i++)
                    repeated = string.Equals(words[start + i], words[start + i % n], StringComparison.Ordinal);
                if (repeated) return true;
            }
        return false;
    }

    /// <summary>Whether the answer is, character for character, one of the training answers.</summary>
    public static bool IsCopied(string answer, IReadOnlySet<string> trainingAnswers) => trainingAnswers.Contains(answer);

    /// <summary>The share (0–1) of <paramref name="answers"/> for which <paramref name="test"/> holds; 0 for no answers.</summary>
    public static double Share(IReadOnlyCollection<string> answers, Func<string, bool> test) =>
        answers.Count == 0 ? 0 : answers.Count(test) / (double)answers.Count;

    /// <summary>All text-only measures of a set of answers (see <see cref="ChatTextMeasures"/>).</summary>
    public static ChatTextMeasures Measure(IReadOnlyCollection<string> answers, IReadOnlySet<string>? trainingAnswers) => new(
        Distinct(answers, 1), Distinct(answers, 2),
        trainingAnswers == null ? null : Share(answers, a => IsCopied(a, trainingAnswers)),
        Share(answers, IsEmpty), Share(answers, HasLoop));
}

/// <summary>
/// The text-only measures of a set of answers (<see cref="ChatMetrics"/>): distinct-1 and distinct-2, and the
/// shares (0–1) of answers copied verbatim from the training answers (null when those are not known), empty,
/// and caught in a repeated-token loop.
/// </summary>
public sealed record ChatTextMeasures(double Distinct1, double Distinct2, double? Copied, double Empty, double Loops);
