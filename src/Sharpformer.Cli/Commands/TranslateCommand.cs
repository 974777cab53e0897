using System.CommandLine;
using System.Text;
using Sharpformer.Inference;
using Sharpformer.Text;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer translate --model DIR [--beam N] [--alpha A] [--batch-tokens K] [--input FILE]</c>:
/// reads source lines (stdin or --input) and writes exactly one translation per line to stdout, in order.
/// With <c>--n-best N</c> (beam search) it writes exactly N lines per source instead, in the Moses n-best layout
/// <c>index ||| translation ||| score</c>: index counts source lines from 0, score is log P / lp(|Y|), best first.
/// Whatever a line holds, it gets its output: a line longer than --max-source-tokens is cut (a warning on
/// stderr names it), a line with invalid UTF-8 is handled per --on-invalid, and a translation never spans lines.
/// </summary>
public static class TranslateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A training run folder.", Required = true };
        var input = new Option<string?>("--input", "-i") { Description = "Source file (default: standard input)." };
        var onInvalid = new Option<string>("--on-invalid")
        {
            Description = "A line that is not valid UTF-8: replace (bad bytes become U+FFFD, then translate), empty (write an empty line) or error (refuse the input). "
                + "replace and empty warn on stderr naming the line.",
            DefaultValueFactory = _ => "replace",
        };
        var decode = new DecodeOptionSet(withNBest: true);
        var memory = new MemoryOption();
        var command = new Command("translate", "Translate sentences, one per line, from stdin (or --input) to stdout (or n-best lists with --n-best).") { model, input, onInvalid };
        decode.AddTo(command);
        memory.AddTo(command);
        command.SetAction(parseResult =>
        {
            memory.Apply(parseResult);
            var handling = Utf8Lines.ParseHandling(parseResult.GetValue(onInvalid)!, "--on-invalid");
            using var translator = EvaluateCommand.LoadTranslator(parseResult.GetValue(model)!);
            string? path = parseResult.GetValue(input);
            string name = path ?? "stdin";
            var emptied = new HashSet<int>();
            void Invalid(int line)
            {
                Console.Error.WriteLine($"warning: {name}, line {line}: invalid UTF-8; "
                    + (handling == InvalidUtf8Handling.Replace ? "bad bytes replaced by U+FFFD" : "written as an empty line"));
                if (handling == InvalidUtf8Handling.Empty) emptied.Add(line - 1);
            }
            var lines = path != null ? Utf8TextFile.ReadLines(path, handling, Invalid) : Utf8Lines.Decode(ReadStdin(), "stdin", handling, Invalid);
            var options = decode.Read(parseResult, translator.Defaults);
            int limit = SourceLimit.For(translator.Model, options);
            options = options with
            {
                OnTruncated = t => Console.Error.WriteLine(
                    $"warning: {name}, line {t.Index + 1}: {t.Tokens:N0} source tokens, more than the limit of {limit} (--max-source-tokens); translated its first {t.Kept - 1:N0}"),
            };
            var todo = Enumerable.Range(0, lines.Count).Where(i => !emptied.Contains(i)).ToArray();
            var lists = translator.TranslateNBest(todo.Select(i => lines[i]).ToArray(), options);
            var byLine = new ScoredTranslation[lines.Count][];
            for (int j = 0; j < todo.Length; j++) byLine[todo[j]] = lists[j];
            Write(byLine, options.Search.NBest);
            return 0;
        });
        return command;
    }

    // Exactly one line per source (or n entries with --n-best): a search that found fewer than n hypotheses is padded
    // with empty ones scored -inf, and a line break inside a translation becomes a space.
    private static void Write(ScoredTranslation[]?[] byLine, int n)
    {
        using var output = new StreamWriter(StandardStreams.OpenOutput(), new UTF8Encoding(false), 1 << 16, leaveOpen: true) { AutoFlush = false };
        for (int i = 0; i < byLine.Length; i++)
        {
            var list = byLine[i] ?? [];
            if (n == 1)
            {
                output.Write(OneLine(list.Length > 0 ? list[0].Text : ""));
                output.Write('\n');
                continue;
            }
            for (int k = 0; k < n; k++)
            {
                string score = k < list.Length ? list[k].Score.ToString("F6", System.Globalization.CultureInfo.InvariantCulture) : "-inf";
                output.Write($"{i} ||| {(k < list.Length ? OneLine(list[k].Text) : "")} ||| {score}\n");
            }
        }
        output.Flush();
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static byte[] ReadStdin()
    {
        using var buffer = new MemoryStream();
        StandardStreams.OpenInput().CopyTo(buffer);
        return buffer.ToArray();
    }
}
