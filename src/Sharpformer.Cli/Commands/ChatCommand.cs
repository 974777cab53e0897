using System.CommandLine;
using System.Text;
using Sharpformer.Cli.Chat;
using Sharpformer.Training;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer chat --model DIR [decoding flags]</c>: talk to a chat model. At a terminal, a prompt with
/// slash commands that change the decoding; with piped input, exactly one answer line per input line on
/// standard output and nothing else there (notes go to standard error).
/// </summary>
public static class ChatCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A chat model's run folder (e.g. trained with --preset chatbot-ko).", Required = true };
        var decode = new DecodeOptionSet();
        var command = new Command("chat",
            "Chat with a model: an interactive prompt (/help lists its commands), or one answer per line of piped input.") { model };
        decode.AddTo(command);
        command.SetAction(parseResult =>
        {
            using var translator = EvaluateCommand.LoadTranslator(parseResult.GetValue(model)!);
            var session = new ChatSession(translator, decode.Read(parseResult, translator.Defaults));
            var answers = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
            var messages = Console.Error;
            if (translator.Task != ModelTask.Chat)
                messages.WriteLine("note: this model was trained for translation; its answers are translations");
            try
            {
                if (Console.IsInputRedirected)
                    ChatLoop.Piped(session, new StreamLineInput(Console.OpenStandardInput()), answers, messages);
                else
                {
                    messages.WriteLine($"Chatting with {Path.GetFileName(Path.GetFullPath(parseResult.GetValue(model)!).TrimEnd('/'))} " +
                        $"({session.Describe()}). /help lists the commands; /quit or Ctrl-D ends.");
                    ChatLoop.Interactive(session, new ConsoleLineInput(), answers, messages);
                }
                answers.Flush();
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                // E.g. standard output closed early (piped into `head`): one line, not a stack trace.
                throw new UserInputException($"chat: standard input or output failed ({e.Message.ReplaceLineEndings(" ")})", e);
            }
            return 0;
        });
        return command;
    }
}
