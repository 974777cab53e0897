using System.CommandLine;
using System.Globalization;
using System.Text;
using Sharpformer.Analysis;
using Sharpformer.Cli.Plots;
using Sharpformer.Evaluation;
using Sharpformer.Text;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer compare buckets --models A B … --src F --ref F [--buckets 10,20,30]</c>: each model translates the test
/// set (its recipe's decoding unless --beam/--alpha say otherwise); the sentences are grouped by how many subword tokens
/// their source has (the first model's tokenizer, EOS not counted), and each group is scored with sacreBLEU-exact BLEU
/// and chrF as a corpus of its own. Where does the fixed context vector break down?
/// </summary>
public static class CompareBucketsCommand
{
    public sealed record ModelBuckets(string Name, string Folder, string Architecture, string Decoding, double Bleu, double Chrf, IReadOnlyList<BucketRow> Buckets);

    /// <summary>One bucket's scores for one model (NaN for an empty bucket).</summary>
    public sealed record BucketRow(string Bucket, int Sentences, double Bleu, double Chrf, double Bp, double Ratio);

    public sealed record Report(string Source, string Reference, string TokenizerOf, IReadOnlyList<string> Buckets, IReadOnlyList<int> Sentences,
        IReadOnlyList<ModelBuckets> Models);

    public static Command Create()
    {
        var models = CompareCommand.Models();
        var names = CompareCommand.Names();
        var src = new Option<string>("--src") { Description = "Source sentences, one per line.", Required = true };
        var reference = new Option<string>("--ref") { Description = "References, line-aligned with --src.", Required = true };
        var buckets = new Option<string[]>("--buckets") { Description = "Upper ends of the length buckets in subword tokens, comma-separated: 10,20,30 gives ≤ 10, 11–20, 21–30, > 30.", AllowMultipleArgumentsPerToken = true };
        var decode = new DecodeOptionSet();
        var output = CompareCommand.Output("buckets");
        var json = new Option<bool>("--json") { Description = "Print the scores as one JSON object." };
        var command = new Command("buckets", "BLEU and chrF by source length (subword tokens) for one or more models on the same test set.")
        {
            models, names, src, reference, buckets, output, json,
        };
        decode.AddTo(command);
        command.SetAction(r =>
        {
            var (folders, labels) = CompareCommand.ModelFolders(r, models, names);
            var bounds = CompareInputs.IntList(r.GetValue(buckets) is { Length: > 0 } b ? b : ["10,20,30"], "--buckets");
            IReadOnlyList<LengthBucket> edges;
            try { edges = LengthBuckets.FromUpperBounds(bounds); }
            catch (UserInputException e) when (e.Field == "Buckets") { throw new UserInputException("--buckets: " + e.Detail); }
            var corpus = ParallelCorpus.ReadTextFiles(r.GetValue(src)!, r.GetValue(reference)!);
            var sources = corpus.Sources.ToArray();
            var refs = corpus.Targets.ToArray();
            int[]? lengths = null;
            var rows = new List<ModelBuckets>();
            var files = FigureOutput.From(r, json, output, "buckets");
            string? folder = files.Folder;
            for (int m = 0; m < folders.Length; m++)
            {
                using var translator = EvaluateCommand.LoadTranslator(folders[m]);
                var own = sources.Select(s => translator.Tokenizer.Encode(s, addBos: false, addEos: false).Length).ToArray();
                if (lengths == null) lengths = own;
                else if (own.Zip(lengths).Count(p => LengthBuckets.Assign(p.First, edges) != LengthBuckets.Assign(p.Second, edges)) is > 0 and int moved)
                    Console.Error.WriteLine($"note: {labels[m]}'s tokenizer puts {moved} sentence(s) into other buckets; the buckets follow {labels[0]}'s");
                var options = decode.Read(r, translator.Defaults);
                Console.Error.WriteLine($"translating {sources.Length:N0} sentences with {labels[m]} ({DecodingText.Describe(options)})…");
                var hyps = translator.Translate(sources, options);
                if (folder != null)
                {
                    Directory.CreateDirectory(folder);
                    File.WriteAllLines(Path.Combine(folder, Safe(labels[m]) + ".hyp"), hyps, new UTF8Encoding(false));
                }
                var scores = LengthBuckets.Score(lengths, hyps, refs, edges);
                rows.Add(new ModelBuckets(labels[m], folders[m], translator.Model.Architecture, DecodingText.Describe(options),
                    Evaluation.Bleu.Corpus(hyps, [refs]).Score, Chrf.Corpus(hyps, [refs]).Score,
                    scores.Select(s => new BucketRow(s.Bucket.Label, s.Sentences, s.Bleu?.Score ?? double.NaN, s.Chrf?.Score ?? double.NaN,
                        s.Bleu?.Bp ?? double.NaN, s.Bleu?.Ratio ?? double.NaN)).ToArray()));
            }
            var report = new Report(corpus.SourcePath, corpus.TargetPath, labels[0], edges.Select(e => e.Label).ToArray(),
                edges.Select(e => lengths!.Count(e.Contains)).ToArray(), rows);
            files.Print(report, Table(report), to =>
            [
                PlotFiles.Png(BucketPlots.Bars(report), to, "buckets.png", 1300, 650),
                PlotFiles.WriteJson(to, "buckets.json", report),
                PlotFiles.WriteCsv(to, "buckets.csv", ["model", "architecture", "bucket", "sentences", "bleu", "chrf", "bp", "ratio"],
                    rows.SelectMany(m => m.Buckets.Select(b => new object?[] { m.Name, m.Architecture, b.Bucket, b.Sentences, b.Bleu, b.Chrf, b.Bp, b.Ratio }))),
            ], besides: " and the translations (*.hyp)");
            return 0;
        });
        return command;
    }

    /// <summary>One line per bucket, a column of BLEU per model, then the whole test set.</summary>
    public static string Table(Report report)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"BLEU by source length ({Path.GetFileName(report.Source)} → {Path.GetFileName(report.Reference)}; subword tokens of {report.TokenizerOf}'s tokenizer, EOS not counted)");
        int width = Math.Max(10, report.Models.Max(m => m.Name.Length));
        sb.Append(inv, $"{"source length",-14} {"sentences",9}");
        foreach (var m in report.Models) sb.Append(' ').Append(m.Name.PadLeft(width));
        sb.AppendLine();
        for (int k = 0; k < report.Buckets.Count; k++)
        {
            sb.Append(inv, $"{report.Buckets[k],-14} {report.Sentences[k],9:N0}");
            foreach (var m in report.Models) sb.Append(' ').Append(Score(m.Buckets[k].Bleu).PadLeft(width));
            sb.AppendLine();
        }
        sb.Append(inv, $"{"all",-14} {report.Sentences.Sum(),9:N0}");
        foreach (var m in report.Models) sb.Append(' ').Append(Score(m.Bleu).PadLeft(width));
        sb.AppendLine();
        sb.AppendLine("decoding: " + string.Join("; ", report.Models.Select(m => $"{m.Name} {m.Decoding}")));
        return sb.ToString();
    }

    private static string Score(double v) => double.IsNaN(v) ? "–" : v.ToString("F2", CultureInfo.InvariantCulture);

    private static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
