namespace Sharpformer.Cli.Chat;

/// <summary>
/// The two ways <c>sharpformer chat</c> talks. Answers go to <c>answers</c> (standard output) and nothing else
/// does; banners, command replies and complaints about a line go to <c>messages</c> (standard error), one line each.
/// </summary>
public static class ChatLoop
{
    /// <summary>
    /// A person typing: a prompt, then a question (answered) or a slash command (<see cref="ChatSession.Help"/>),
    /// until <c>/quit</c> or the end of the input. An empty or unreadable line gets a one-line note.
    /// A question that starts with "/" is typed with "//".
    /// </summary>
    public static void Interactive(ChatSession session, ILineInput input, TextWriter answers, TextWriter messages, string prompt = "> ")
    {
        while (input.Read(prompt) is { } line)
        {
            if (line.Problem != null) { messages.WriteLine($"(that line is {line.Problem}; not answered)"); continue; }
            string text = line.Text.Trim();
            if (text.Length == 0) { messages.WriteLine("(empty line: type a question, or /help)"); continue; }
            if (text.StartsWith('/') && !text.StartsWith("//", StringComparison.Ordinal))
            {
                if (!session.Command(text, messages)) return;
                continue;
            }
            if (text.StartsWith("//", StringComparison.Ordinal)) text = text[1..];
            if (TryAnswer(session, text, out string answer, out string? problem)) answers.WriteLine(answer);
            else messages.WriteLine($"({problem}; not answered)");
            answers.Flush();
        }
    }

    /// <summary>
    /// Piped input: every line is a question (no commands) and gets exactly one answer line, in order, written
    /// as soon as it is known. An empty, unreadable or unanswerable line gets an empty answer line and a note
    /// naming its line number. Line i (from 0) seeds its sampled draws as sentence i, as <c>translate</c> does.
    /// </summary>
    public static void Piped(ChatSession session, ILineInput input, TextWriter answers, TextWriter messages)
    {
        int index = 0;
        while (input.Read("") is { } line)
        {
            int number = ++index;
            string answer = "";
            session.Turn = number - 1;
            if (line.Problem != null) messages.WriteLine($"line {number}: {line.Problem}; answered with an empty line");
            else if (line.Text.Trim().Length == 0) messages.WriteLine($"line {number}: empty question; answered with an empty line");
            else if (!TryAnswer(session, line.Text, out answer, out string? problem))
                messages.WriteLine($"line {number}: {problem}; answered with an empty line");
            answers.WriteLine(answer);
            answers.Flush();
        }
    }

    private static bool TryAnswer(ChatSession session, string question, out string answer, out string? problem)
    {
        try
        {
            answer = session.Answer(question);
            problem = null;
            return true;
        }
        catch (UserInputException e)
        {
            (answer, problem) = ("", e.Message);
            return false;
        }
    }
}
