using System.CommandLine;
using System.Text;
using Sharpformer.Text;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer translate --model DIR [--beam N] [--alpha A] [--batch-tokens K] [--input FILE]</c>:
/// reads source lines (stdin or --input) and writes exactly one translation per line to stdout, in order.
/// </summary>
public static class TranslateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A training run folder.", Required = true };
        var input = new Option<string?>("--input", "-i") { Description = "Source file (default: standard input)." };
        var decode = new DecodeOptionSet();
        var command = new Command("translate", "Translate sentences, one per line, from stdin (or --input) to stdout.") { model, input };
        decode.AddTo(command);
        command.SetAction(parseResult =>
        {
            var options = decode.Read(parseResult);
            var translator = EvaluateCommand.LoadTranslator(parseResult.GetValue(model)!);
            string? path = parseResult.GetValue(input);
            var lines = path != null ? Utf8TextFile.ReadLines(path) : ReadStdin();
            var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
            foreach (var line in translator.Translate(lines, options)) output.WriteLine(line);
            output.Flush();
            return 0;
        });
        return command;
    }

    private static List<string> ReadStdin()
    {
        using var buffer = new MemoryStream();
        Console.OpenStandardInput().CopyTo(buffer);
        return Utf8TextFile.SplitLines(Utf8TextFile.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), "stdin"));
    }
}
