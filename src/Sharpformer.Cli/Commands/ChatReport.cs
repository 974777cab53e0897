using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using Sharpformer.Evaluation;
using Sharpformer.Inference;
using Sharpformer.Text;

namespace Sharpformer.Cli.Commands;

/// <summary>How evaluate (and train, at the end) shows a <see cref="ChatEvaluation"/>, and the JSON of both kinds of evaluation.</summary>
public static class ChatReport
{
    /// <summary>Writes one answer per line of the held-out set (a repeated question repeats its answer), when a path is given.</summary>
    public static void WriteAnswers(string? path, ParallelCorpus heldOut, ChatEvaluation result)
    {
        if (path == null) return;
        var answerOf = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < result.DistinctQuestions.Count; i++) answerOf[result.DistinctQuestions[i]] = result.AnswerTexts[i];
        File.WriteAllLines(path, heldOut.Sources.Select(q => answerOf[q]), new UTF8Encoding(false));
    }

    /// <summary>The scores in a few lines, answers and references side by side, after <paramref name="samples"/> example dialogues.</summary>
    public static void Print(IAnsiConsole console, ParallelCorpus heldOut, ChatEvaluation r, DecodeOptions options, int samples)
    {
        for (int i = 0; i < Math.Min(samples, r.Questions); i++)
        {
            string reference = heldOut.Pairs.First(p => p.Source == r.DistinctQuestions[i]).Target;
            console.MarkupLineInterpolated($"[grey]question:[/]  {r.DistinctQuestions[i]}");
            console.MarkupLineInterpolated($"[grey]reference:[/] {reference}");
            console.MarkupLineInterpolated($"[grey]answer:[/]    [bold]{r.AnswerTexts[i]}[/]");
            console.WriteLine();
        }
        console.MarkupLineInterpolated(
            $"{Path.GetFileName(heldOut.SourcePath)} ({r.Questions:N0} questions, {r.Pairs:N0} reference answers; {DecodingText.Describe(options)}; {r.Seconds:F1} s): [bold green]{r.Bleu}[/]");
        console.MarkupLineInterpolated($"  {r.Chrf}    signature: {r.Bleu.Signature}");
        string unscored = r.UnscoredPairs > 0 ? $"; {r.UnscoredPairs:N0} answers too long for the model, left out" : "";
        console.MarkupLineInterpolated(
            $"  perplexity {r.Perplexity:F2} per reference-answer token ({r.PerplexityTokens:N0} tokens, EOS included; teacher-forced, no label smoothing{unscored})");
        console.WriteLine(Inv($"  {"",-10}{"answers",10}{"references",12}"));
        console.WriteLine(Inv($"  {"distinct-1",-10}{r.Answers.Distinct1,10:F3}{r.References.Distinct1,12:F3}"));
        console.WriteLine(Inv($"  {"distinct-2",-10}{r.Answers.Distinct2,10:F3}{r.References.Distinct2,12:F3}"));
        console.WriteLine(Inv($"  {"copied",-10}{Percent(r.Answers.Copied),10}{Percent(r.References.Copied),12}   (verbatim training answers)"));
        console.WriteLine(Inv($"  {"empty",-10}{Percent(r.Answers.Empty),10}{Percent(r.References.Empty),12}"));
        console.WriteLine(Inv($"  {"loops",-10}{Percent(r.Answers.Loops),10}{Percent(r.References.Loops),12}   (an n-gram, n ≤ {ChatMetrics.LoopMaxN}, {ChatMetrics.LoopRepeats}× in a row)"));
    }

    /// <summary>One JSON object: task, sizes, decoding, BLEU, chrF, perplexity and the text measures of answers and references.</summary>
    public static void WriteJson(TextWriter output, ParallelCorpus heldOut, ChatEvaluation r, DecodeOptions options) => WriteObject(output, w =>
    {
        w.WriteString("task", "chat");
        w.WriteString("source", heldOut.SourcePath);
        w.WriteString("reference", heldOut.TargetPath);
        w.WriteNumber("questions", r.Questions);
        w.WriteNumber("reference_answers", r.Pairs);
        WriteDecoding(w, options);
        WriteScores(w, r.Bleu, r.Chrf);
        w.WriteStartObject("perplexity");
        Number(w, "value", r.Perplexity);
        w.WriteNumber("tokens", r.PerplexityTokens);
        w.WriteNumber("unscored_answers", r.UnscoredPairs);
        w.WriteString("definition", "exp(-(sum of log p over reference-answer tokens, EOS included) / tokens), teacher-forced, no label smoothing");
        w.WriteEndObject();
        Measures(w, "answers", r.Answers);
        Measures(w, "references", r.References);
        w.WriteNumber("seconds", r.Seconds);
    });

    /// <summary>One JSON object for a translation test set.</summary>
    public static void WriteTranslationJson(TextWriter output, ParallelCorpus corpus, int sentences, BleuScore bleu, ChrfScore chrf,
        DecodeOptions options, double seconds) => WriteObject(output, w =>
    {
        w.WriteString("task", "translation");
        w.WriteString("source", corpus.SourcePath);
        w.WriteString("reference", corpus.TargetPath);
        w.WriteNumber("sentences", sentences);
        WriteDecoding(w, options);
        WriteScores(w, bleu, chrf);
        w.WriteNumber("seconds", seconds);
    });

    private static void WriteDecoding(Utf8JsonWriter w, DecodeOptions options)
    {
        var s = options.Search;
        w.WriteStartObject("decoding");
        w.WriteString("method", options.Sampling != null ? "sample" : s.BeamSize > 1 ? "beam" : "greedy");
        w.WriteNumber("beam", s.BeamSize);
        w.WriteNumber("alpha", s.LengthPenalty);
        w.WriteNumber("no_repeat_ngram", s.NoRepeatNGramSize);
        w.WriteNumber("max_len_a", s.MaxLenA);
        w.WriteNumber("max_len_b", s.MaxLenB);
        if (options.Sampling is { } p)
        {
            w.WriteNumber("temperature", p.Temperature);
            w.WriteNumber("top_k", p.TopK);
            w.WriteNumber("top_p", p.TopP);
            w.WriteNumber("seed", p.Seed);
        }
        w.WriteEndObject();
    }

    private static void WriteScores(Utf8JsonWriter w, BleuScore bleu, ChrfScore chrf)
    {
        w.WriteStartObject("bleu");
        w.WriteNumber("score", bleu.Score);
        w.WriteString("signature", bleu.Signature);
        w.WriteString("verbose_score", bleu.ToString());
        w.WriteEndObject();
        w.WriteStartObject("chrf");
        w.WriteNumber("score", chrf.Score);
        w.WriteString("signature", chrf.Signature);
        w.WriteEndObject();
    }

    private static void Measures(Utf8JsonWriter w, string name, ChatTextMeasures m)
    {
        w.WriteStartObject(name);
        w.WriteNumber("distinct_1", m.Distinct1);
        w.WriteNumber("distinct_2", m.Distinct2);
        if (m.Copied is { } copied) w.WriteNumber("copied", copied); else w.WriteNull("copied");
        w.WriteNumber("empty", m.Empty);
        w.WriteNumber("loops", m.Loops);
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value); else w.WriteNull(name);
    }

    private static void WriteObject(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static string Percent(double? share) => share is { } s ? (100 * s).ToString("F1", CultureInfo.InvariantCulture) + " %" : "n/a";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
