using System.Numerics.Tensors;
using System.Text.Json;
using Sharpformer.Inspection;
using Sharpformer.Layers;
using Sharpformer.Model;
using Sharpformer.Tests.Layers;
using Sharpformer.Tests.Pipeline;
using Sharpformer.Training;

namespace Sharpformer.Tests.Inspection;

/// <summary>
/// What training records for `attention --evolution`: watch.jsonl gets the watched sentence's maps once at the
/// start and once per validation, with the same tokens each time; metrics.jsonl's interval lines carry the
/// gradient norms of W_Q/W_K/W_V/W_O per attention block, equal to norms recomputed from the packed
/// in_proj_weight gradient by row ranges; readers leave out a torn last line.
/// </summary>
public sealed class TrainingRecordingTests
{
    [Fact]
    public void A_run_records_the_watched_maps_per_validation_and_gradient_norms_per_interval()
    {
        using var tiny = new TinyRun(trainPairs: 200, validPairs: 20);
        var run = new RunDirectory(tiny.RunDir());
        var summary = new Trainer(run, tiny.Options(epochs: 2)).Run();

        var (records, source) = RunLogs.ReadWatch(run);
        Assert.Null(source.Note);
        Assert.Equal(summary.State.History.Count + 1, records.Count);      // initial weights + each validation
        Assert.Equal([0L, .. summary.State.History.Select(h => h.Step)], records.Select(r => r.Step));
        Assert.All(records, r => Assert.True(r.TeacherForced));
        foreach (var r in records)
        {
            Assert.Equal(records[0].SourceTokens, r.SourceTokens);
            Assert.Equal(records[0].TargetTokens, r.TargetTokens);
            Assert.Equal("</s>", r.TargetTokens[^1]);
            int s = r.SourceTokens.Length, t = r.TargetTokens.Length;
            AssertRowStochastic(r.EncoderSelf, s, s);
            AssertRowStochastic(r.DecoderSelf, t, t);
            AssertRowStochastic(r.Cross, t, s);
        }
        // the watched pair is the first validation pair with at most MaxWatchTokens pieces a side
        var tokenizer = run.LoadTokenizer();
        var pieces = File.ReadLines(tiny.File("val.de")).Zip(File.ReadLines(tiny.File("val.en")))
            .Select(p => (Source: tokenizer.Encode(p.First, false, true), Target: tokenizer.Encode(p.Second, false, true)))
            .First(p => p.Source.Length <= AttentionRecorder.MaxWatchTokens && p.Target.Length <= AttentionRecorder.MaxWatchTokens);
        Assert.Equal(pieces.Source.Select(tokenizer.IdToPiece), records[0].SourceTokens);
        Assert.Equal(pieces.Target.Select(tokenizer.IdToPiece), records[0].TargetTokens);
        Assert.NotEqual(Flatten(records[0].Cross), Flatten(records[^1].Cross));   // the maps did change while training

        var history = RunLogs.ReadMetrics(run);
        Assert.NotEmpty(history.Steps);
        Assert.Equal(summary.State.History.Select(h => h.Step), history.Validations.Select(v => v.Step));
        foreach (var step in history.Steps)
        {
            var norms = step.AttentionGradNorms!;
            Assert.Equal(["decoder.0.cross", "decoder.0.self", "encoder.0.self"], norms.Keys.Order());
            Assert.All(norms.Values, block =>
            {
                Assert.Equal(["w_k", "w_o", "w_q", "w_v"], block.Keys.Order());
                Assert.All(block.Values, v => Assert.True(double.IsFinite(v) && v > 0, $"norm {v} at step {step.Step}"));
            });
        }
    }

    [Fact]
    public void A_watched_sentence_without_reference_follows_the_models_own_output_and_still_draws()
    {
        using var tiny = new TinyRun(trainPairs: 100, validPairs: 10);
        var run = new RunDirectory(tiny.RunDir());
        const string sentence = "Ein Hund läuft über die Wiese.";
        new Trainer(run, tiny.Options(epochs: 2) with { WatchSource = sentence }).Run();
        var (records, _) = RunLogs.ReadWatch(run);
        Assert.Equal(3, records.Count);
        var tokenizer = run.LoadTokenizer();
        Assert.All(records, r =>
        {
            Assert.False(r.TeacherForced);
            Assert.Equal(tokenizer.Encode(sentence, false, true).Select(tokenizer.IdToPiece), r.SourceTokens);
            AssertRowStochastic(r.Cross, r.TargetTokens.Length, r.SourceTokens.Length);
        });
        // the last record holds the greedy translation by the weights validated last: those of the last checkpoint
        var last = ModelFile.Load(Path.Combine(run.LatestCheckpoint()!, Checkpoint.ModelFileName));
        var translator = new Sharpformer.Inference.Translator(last, tokenizer);
        Assert.Equal(translator.Translate(sentence, Sharpformer.Inference.DecodeOptions.Greedy), records[^1].Translation);

        string folder = Path.Combine(tiny.Root, "evolution");
        var files = Sharpformer.Cli.Plots.EvolutionPlots.WriteStrips(records, folder);
        Assert.Equal(3, files.Count);                                   // encoder self, decoder self, cross of one layer each
        Assert.All(files, f => Cli.InspectionCommandTests.AssertPicture(f, 600, 400, exact: false));

        var wrong = Assert.Throws<UserInputException>(() => new Trainer(new RunDirectory(tiny.RunDir("b")), tiny.Options(1) with { WatchTarget = "A dog." }).Run());
        Assert.Equal("WatchTarget", wrong.Field);
    }

    [Fact]
    public void Gradient_norms_equal_the_norms_of_the_packed_gradient_rows_and_cost_no_allocation()
    {
        var config = TinyModel.Config(Activation.Relu, normFirst: false, encoderLayers: 2, decoderLayers: 1);
        var tiny = new TinyModel(config, 0.1f, ForwardContext.Eval);
        var step = new TrainStep(tiny.Model, new OptimizerSettings { Warmup = 10 }, seed: 3);
        step.Run(new Seq2SeqBatch(tiny.Source, tiny.TargetIn, tiny.TargetOut, TinyModel.Batch, TinyModel.SourceLength, TinyModel.TargetLength, TinyModel.Pad));
        var norms = AttentionGradientNorms.For(tiny.Model)!;
        norms.Compute();
        long before = GC.GetAllocatedBytesForCurrentThread();
        norms.Compute();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        int d = config.DModel;
        var names = new[] { "transformer.encoder.layers.0.self_attn", "transformer.encoder.layers.1.self_attn",
            "transformer.decoder.layers.0.self_attn", "transformer.decoder.layers.0.multihead_attn" };
        var blocks = new[] { "encoder.0.self", "encoder.1.self", "decoder.0.self", "decoder.0.cross" };
        Assert.Equal(blocks.Order(), norms.Blocks.Order());
        for (int i = 0; i < names.Length; i++)
        {
            var inProj = tiny.Model.ParameterByName[names[i] + ".in_proj_weight"].Grad.Span.ToArray();
            var outProj = tiny.Model.ParameterByName[names[i] + ".out_proj.weight"].Grad.Span.ToArray();
            double[] expected =
            [
                Norm(inProj.AsSpan(0, d * d)), Norm(inProj.AsSpan(d * d, d * d)), Norm(inProj.AsSpan(2 * d * d, d * d)), Norm(outProj),
            ];
            int b = norms.Blocks.ToList().IndexOf(blocks[i]);
            for (int m = 0; m < 4; m++)
            {
                Assert.True(expected[m] > 0, $"{blocks[i]} {AttentionGradientNorms.Matrices[m]}: zero gradient, the test would prove nothing");
                Assert.Equal(expected[m], norms.Norm(b, m), expected[m] * 1e-5);
            }
        }
    }

    [Fact]
    public void Readers_leave_out_a_torn_last_line_and_clean_stale_cuts_it()
    {
        using var dir = new Text.TempDir();
        var run = new RunDirectory(dir.Path);
        RunDirectory.AppendJsonLine(run.MetricsPath, new { epoch = 0, step = 5, loss = 3.5, learning_rate = 1e-4, elapsed_seconds = 1.0 });
        RunDirectory.AppendJsonLine(run.MetricsPath, new { epoch = 0, step = 10, loss = 3.0, learning_rate = 2e-4, elapsed_seconds = 2.0 });
        File.AppendAllText(run.MetricsPath, "{\"epoch\": 0, \"step\": 15, \"lo");
        var history = RunLogs.ReadMetrics(run);
        Assert.Equal([5L, 10L], history.Steps.Select(s => s.Step));
        Assert.True(history.Source.TornLastLine);
        Assert.Contains("torn last line", history.Source.Note);

        // a later append after the torn line (no clean-up in between): the torn line is skipped and named
        RunDirectory.AppendJsonLine(run.MetricsPath, new { epoch = 0, step = 15, loss = 2.5, learning_rate = 3e-4, elapsed_seconds = 3.0 });
        history = RunLogs.ReadMetrics(run);
        Assert.Equal([5L, 10L, 15L], history.Steps.Select(s => s.Step));
        Assert.Equal([3], history.Source.SkippedLines);

        File.WriteAllText(run.WatchPath, "{\"step\": 0}\n{\"step\": 1, \"enc");
        var cleaned = run.CleanStale();
        Assert.Contains(cleaned, c => c.Contains("watch.jsonl"));
        Assert.Equal("{\"step\": 0}\n", File.ReadAllText(run.WatchPath));
    }

    private static double Norm(ReadOnlySpan<float> g)
    {
        double sum = 0;
        foreach (float x in g) sum += (double)x * x;
        return Math.Sqrt(sum);
    }

    private static float[] Flatten(float[][][][] maps) => maps.SelectMany(l => l.SelectMany(h => h.SelectMany(r => r))).ToArray();

    internal static void AssertRowStochastic(float[][][][] maps, int rows, int keys)
    {
        Assert.NotEmpty(maps);
        foreach (var layer in maps)
            foreach (var head in layer)
            {
                Assert.Equal(rows, head.Length);
                Assert.All(head, row =>
                {
                    Assert.Equal(keys, row.Length);
                    Assert.Equal(1.0, row.Sum(w => (double)w), 3);
                });
            }
    }
}
