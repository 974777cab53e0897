using System.Globalization;
using Sharpformer.Inference;

namespace Sharpformer.Cli.Chat;

/// <summary>
/// One conversation with a model: the decoding in force (changed by the REPL's slash commands) and the
/// answering of a question. A sampled answer is seeded by (seed, turn, question), where the caller numbers
/// the turns, so the same seed and the same questions in the same order give the same answers in any process.
/// </summary>
public sealed class ChatSession
{
    /// <summary>Questions longer than this many subword tokens are refused (a model never saw anything close).</summary>
    public const int MaxQuestionTokens = 1024;

    private readonly Translator _translator;
    private SamplingOptions _sampling;

    public ChatSession(Translator translator, DecodeOptions decoding)
    {
        _translator = translator;
        Decoding = decoding.Validate();
        _sampling = decoding.Sampling ?? new SamplingOptions();
    }

    /// <summary>The decoding the next answer uses.</summary>
    public DecodeOptions Decoding { get; private set; }

    /// <summary>
    /// The number of the next question, which seeds its sampled draws: counts the answered questions from 0,
    /// restarts at <c>/seed</c>; piped chat sets it to the input line's index instead.
    /// </summary>
    public int Turn { get; set; }

    /// <summary>
    /// The answer to <paramref name="question"/> (spaces around it ignored) as one line: a line break the
    /// model might write (CR, LF, NEL, FF, U+2028, U+2029) becomes a space. Counts a turn. Throws
    /// <see cref="UserInputException"/> for a question too long to answer.
    /// </summary>
    public string Answer(string question)
    {
        int turn = Turn++;
        question = question.Trim();
        int tokens = _translator.Tokenizer.Encode(question).Length;
        if (tokens > MaxQuestionTokens)
            throw new UserInputException($"the question has {tokens:N0} subword tokens; at most {MaxQuestionTokens:N0} are answered");
        string answer = _translator.TranslateNBest([question], Decoding, firstSentenceId: turn)[0][0].Text;
        return answer.ReplaceLineEndings(" ");   // a byte piece (<0x0A>) can spell a line break
    }

    /// <summary>How the next answer is decoded, in one line.</summary>
    public string Describe() => DecodingText.Describe(Decoding);

    /// <summary>
    /// Runs a slash command (<see cref="Help"/>), writing its one-line reply or error to <paramref name="messages"/>.
    /// Returns false for <c>/quit</c>.
    /// </summary>
    public bool Command(string line, TextWriter messages)
    {
        string[] parts = line.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        string name = parts[0].ToLowerInvariant(), argument = parts.Length > 1 ? parts[1] : "";
        if (parts.Length > 2) { messages.WriteLine($"{name}: takes one value, got {parts.Length - 1}"); return true; }
        try
        {
            switch (name)
            {
                case "/quit" or "/exit" or "/q":
                    return false;
                case "/help" or "/?":
                    messages.Write(Help);
                    return true;
                case "/settings":
                    break;
                case "/greedy":
                    Set(Decoding with { Search = Decoding.Search with { BeamSize = 1, NBest = 1 }, Sampling = null });
                    break;
                case "/beam":
                    int beam = Parse<int>(name, argument, "a whole number ≥ 1");
                    if (beam < 1) throw new UserInputException($"{name}: expected a whole number ≥ 1, got {beam}");
                    Set(Decoding with { Search = Decoding.Search with { BeamSize = beam, NBest = 1 }, Sampling = null });
                    break;
                case "/alpha":
                    Set(Decoding with { Search = Decoding.Search with { LengthPenalty = Parse<double>(name, argument, "a number") } });
                    break;
                case "/sample":
                    Set(Decoding with { Search = Decoding.Search with { BeamSize = 1, NBest = 1 }, Sampling = _sampling });
                    break;
                case "/temperature":
                    SetSampling(_sampling with { Temperature = Parse<double>(name, argument, "a number above 0") }, messages);
                    break;
                case "/top-k":
                    SetSampling(_sampling with { TopK = Parse<int>(name, argument, "a whole number, 0 for all tokens") }, messages);
                    break;
                case "/top-p":
                    SetSampling(_sampling with { TopP = Parse<double>(name, argument, "a number in (0, 1]") }, messages);
                    break;
                case "/seed":
                    SetSampling(_sampling with { Seed = Parse<ulong>(name, argument, "a whole number ≥ 0") }, messages);
                    Turn = 0;
                    break;
                case "/no-repeat":
                    int n = Parse<int>(name, argument, "a whole number, 0 for off");
                    if (n < 0) throw new UserInputException($"{name}: expected a whole number, 0 for off, got {n}");
                    Set(Decoding with { Search = Decoding.Search with { NoRepeatNGramSize = n } });
                    break;
                default:
                    messages.WriteLine($"{parts[0]}: unknown command; /help lists them (start a question with // to send a leading /)");
                    return true;
            }
            messages.WriteLine("decoding: " + Describe());
        }
        catch (UserInputException e)
        {
            messages.WriteLine(e.Field == null ? e.Message : $"{name}: {e.Detail}");
        }
        return true;
    }

    /// <summary>The REPL's commands, one per line.</summary>
    public const string Help =
        "/beam N         beam search with N beams (1 = greedy)\n" +
        "/alpha A        length penalty α of beam search\n" +
        "/greedy         the most likely token at every step\n" +
        "/sample         draw every token from the model's distribution (see the next four)\n" +
        "/temperature T  flatten (T > 1) or sharpen (T < 1) the distribution drawn from\n" +
        "/top-k K        draw among the K most likely tokens only (0 = all)\n" +
        "/top-p P        draw among the fewest most likely tokens whose probability reaches P (1 = all)\n" +
        "/seed S         seed of the draws; also restarts the turn count, so answers repeat a new session's\n" +
        "/no-repeat N    never repeat an N-token sequence within an answer (0 = off)\n" +
        "/settings       show the decoding in force\n" +
        "/help           this list\n" +
        "/quit           end the chat (also Ctrl-D)\n";

    private void Set(DecodeOptions decoding) => Decoding = decoding.Validate();

    private void SetSampling(SamplingOptions sampling, TextWriter messages)
    {
        _sampling = sampling.Validate();
        if (Decoding.Sampling != null) Set(Decoding with { Sampling = _sampling });
        else messages.WriteLine("(kept for sampling; /sample switches to it)");
    }

    private static T Parse<T>(string command, string argument, string expected) where T : ISpanParsable<T>
    {
        if (argument.Length == 0) throw new UserInputException($"{command}: needs a value ({expected})");
        if (!T.TryParse(argument, CultureInfo.InvariantCulture, out var value) || value is double d && !double.IsFinite(d))
            throw new UserInputException($"{command}: expected {expected}, got '{argument}'");
        return value;
    }
}
