using System.CommandLine;
using System.Text;
using Sharpformer.Text;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer translate --model DIR [--beam N] [--alpha A] [--batch-tokens K] [--input FILE]</c>:
/// reads source lines (stdin or --input) and writes exactly one translation per line to stdout, in order.
/// With <c>--n-best N</c> (beam search) it writes N lines per source instead, in the Moses n-best layout
/// <c>index ||| translation ||| score</c>: index counts source lines from 0, score is log P / lp(|Y|), best first.
/// </summary>
public static class TranslateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A training run folder.", Required = true };
        var input = new Option<string?>("--input", "-i") { Description = "Source file (default: standard input)." };
        var decode = new DecodeOptionSet(withNBest: true);
        var command = new Command("translate", "Translate sentences, one per line, from stdin (or --input) to stdout (or n-best lists with --n-best).") { model, input };
        decode.AddTo(command);
        command.SetAction(parseResult =>
        {
            using var translator = EvaluateCommand.LoadTranslator(parseResult.GetValue(model)!);
            var options = decode.Read(parseResult, translator.Defaults);
            string? path = parseResult.GetValue(input);
            var lines = path != null ? Utf8TextFile.ReadLines(path) : ReadStdin();
            var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
            if (options.Search.NBest == 1)
            {
                foreach (var line in translator.Translate(lines, options)) output.WriteLine(line.ReplaceLineEndings(" "));   // a byte piece can spell a line break
            }
            else
            {
                var lists = translator.TranslateNBest(lines, options);
                for (int i = 0; i < lists.Length; i++)
                    foreach (var h in lists[i])
                        output.WriteLine(FormattableString.Invariant($"{i} ||| {h.Text.ReplaceLineEndings(" ")} ||| {h.Score:F6}"));
            }
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
