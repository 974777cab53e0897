using System.CommandLine;
using System.Text;
using System.Text.Json;
using Sharpformer.Evaluation;
using Sharpformer.Text;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer bleu -i HYP -r REF [-r REF2 ...] [--lowercase] [--tokenize 13a|intl|none] [--metric bleu|chrf] [--json]</c>:
/// scores a translation file against one or more reference files (one sentence per line,
/// UTF-8) with sacreBLEU-exact BLEU or chrF.
/// </summary>
public static class BleuCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input", "-i")
        {
            Description = "The system output to score: UTF-8 text, one detokenized sentence per line.",
            Required = true,
        };
        var references = new Option<string[]>("--reference", "-r")
        {
            Description = "A reference file with the same number of lines; repeat for several references.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var lowercase = new Option<bool>("--lowercase", "-lc")
        {
            Description = "Lowercase hypotheses and references first (case-insensitive scores).",
        };
        // No default value, so an explicit --tokenize can be told apart from the default and
        // refused with chrF, which tokenizes by characters and would silently ignore it.
        var tokenize = new Option<string?>("--tokenize", "-tok")
        {
            Description = "BLEU tokenizer: 13a (default; mteval-v13a), intl (mteval-v14, splits Unicode punctuation and symbols) or none (text is already tokenized).",
        };
        var metric = new Option<string>("--metric", "-m")
        {
            Description = "bleu (13a tokens unless --tokenize says otherwise, 4-grams, exp smoothing) or chrf (chrF2, character 6-grams).",
            DefaultValueFactory = _ => "bleu",
        };
        metric.AcceptOnlyFromAmong("bleu", "chrf");
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object instead of the readable line.",
        };

        var command = new Command("bleu", "Score translations against references with sacreBLEU-exact BLEU or chrF.")
        {
            input, references, lowercase, tokenize, metric, json,
        };
        command.SetAction(parseResult =>
        {
            string hypothesisPath = parseResult.GetValue(input)!;
            string[] referencePaths = parseResult.GetValue(references) ?? [];
            string metricName = parseResult.GetValue(metric) ?? "bleu";
            string? tokenizerName = parseResult.GetValue(tokenize);
            if (tokenizerName is not null && metricName != "bleu")
                throw new UserInputException($"--tokenize: applies to BLEU only, not to --metric {metricName}");
            var options = new BleuOptions
            {
                Tokenize = tokenizerName is null ? BleuTokenizer.Mteval13a : BleuTokenizers.Parse(tokenizerName, "--tokenize"),
                Lowercase = parseResult.GetValue(lowercase),
            };
            Run(hypothesisPath, referencePaths, options, metricName, parseResult.GetValue(json), Console.Out);
            return 0;
        });
        return command;
    }

    private static void Run(string hypothesisPath, string[] referencePaths, BleuOptions options, string metric, bool json,
        TextWriter output)
    {
        string[] hypotheses = ReadLines(hypothesisPath);
        var referenceStreams = new List<IReadOnlyList<string>>();
        foreach (string path in referencePaths)
        {
            string[] lines = ReadLines(path);
            if (lines.Length != hypotheses.Length)
                throw new UserInputException(
                    $"{path}: has {Lines(lines.Length)} but {hypothesisPath} has {Lines(hypotheses.Length)}; every hypothesis needs one reference line");
            referenceStreams.Add(lines);
        }
        RequireSomeReference(referencePaths, referenceStreams, hypotheses.Length);

        if (metric == "chrf")
        {
            ChrfScore chrf = Chrf.Corpus(hypotheses, referenceStreams, options.Lowercase);
            if (json) WriteJson(output, w => { w.WriteString("name", $"chrF{Chrf.Beta}"); w.WriteNumber("score", chrf.Score); w.WriteString("signature", chrf.Signature); });
            else output.WriteLine($"{chrf}{Environment.NewLine}signature: {chrf.Signature}");
            return;
        }

        BleuScore bleu = Bleu.Corpus(hypotheses, referenceStreams, options);
        if (json)
        {
            WriteJson(output, w =>
            {
                w.WriteString("name", "BLEU");
                w.WriteNumber("score", bleu.Score);
                WriteArray(w, "precisions", bleu.Precisions, (x, p) => x.WriteNumberValue(p));
                w.WriteNumber("bp", bleu.Bp);
                w.WriteNumber("ratio", bleu.Ratio);
                w.WriteNumber("sys_len", bleu.SysLen);
                w.WriteNumber("ref_len", bleu.RefLen);
                WriteArray(w, "counts", bleu.Counts, (x, c) => x.WriteNumberValue(c));
                WriteArray(w, "totals", bleu.Totals, (x, t) => x.WriteNumberValue(t));
                w.WriteString("signature", bleu.Signature);
                w.WriteString("verbose_score", bleu.ToString());
            });
        }
        else
        {
            output.WriteLine($"{bleu}{Environment.NewLine}signature: {bleu.Signature}");
        }
    }

    private static string Lines(int count) => count == 1 ? "1 line" : $"{count} lines";

    // sacreBLEU skips empty reference lines, but refuses a hypothesis with no reference at all.
    private static void RequireSomeReference(string[] referencePaths, List<IReadOnlyList<string>> streams, int lineCount)
    {
        for (int line = 0; line < lineCount; line++)
            if (streams.All(s => s[line].Length == 0))
            {
                string files = string.Join(", ", referencePaths);
                throw new UserInputException(streams.Count == 1
                    ? $"{files}: line {line + 1} is empty; every hypothesis needs a non-empty reference"
                    : $"{files}: line {line + 1} is empty in every reference file; every hypothesis needs a non-empty reference");
            }
    }

    /// <summary>The lines of a strict UTF-8 file (a BOM and CR before LF are dropped; a final newline ends the last line).</summary>
    internal static string[] ReadLines(string path) => Utf8TextFile.ReadLines(path).ToArray();

    private static void WriteJson(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteArray<T>(Utf8JsonWriter writer, string name, IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
    {
        writer.WriteStartArray(name);
        foreach (T item in items) write(writer, item);
        writer.WriteEndArray();
    }
}
