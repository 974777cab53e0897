using System.Text.Json;
using Sharpformer.Cli.Plots;
using Sharpformer.Tests.Pipeline;
using SkiaSharp;

namespace Sharpformer.Tests.Cli;

/// <summary>
/// The comparison verbs end to end on two tiny runs (a Transformer and a vanilla-RNN encoder–decoder with dot attention),
/// each trained once by a fresh process: compare buckets, positions and tanh, plot --runs, bench memory and bench train
/// for an RNN recipe. Each writes JSON whose numbers hang together and PNGs that decode and show their data series.
/// </summary>
public sealed class CompareCliTests : IClassFixture<CompareCliTests.TrainedRuns>
{
    private readonly TrainedRuns _runs;

    public CompareCliTests(TrainedRuns runs) => _runs = runs;

    public sealed class TrainedRuns : IDisposable
    {
        public TrainedRuns()
        {
            Tiny = new TinyRun(trainPairs: 200, validPairs: 24);
            Transformer = Train("transformer", "--preset", "multi30k-de-en-quick", "--d-model", "16", "--heads", "2", "--d-ff", "32", "--enc-layers", "1", "--dec-layers", "1", "--cooldown", "0");
            Rnn = Train("rnn", "--preset", "multi30k-de-en-rnn-attn-dot", "--cell", "rnn", "--embedding-size", "16", "--hidden", "16");
        }

        private string Train(string name, params string[] model)
        {
            string dir = Tiny.RunDir(name);
            var r = CliProcess.Run(null, [
                "train", "--out", dir, "--train-src", Tiny.File("train.de"), "--train-tgt", Tiny.File("train.en"),
                "--valid-src", Tiny.File("val.de"), "--valid-tgt", Tiny.File("val.en"), "--test-src", Tiny.File("val.de"), "--test-tgt", Tiny.File("val.en"),
                "--vocab-size", "400", "--batch-tokens", "400", "--warmup", "20", "--epochs", "2", "--average-last", "1", "--max-minutes", "0",
                "--test-beam", "1", "--log-every", "2", .. model]);
            Assert.True(r.Exit == 0, r.Err + r.Out);
            return dir;
        }

        public TinyRun Tiny { get; }
        public string Transformer { get; }
        public string Rnn { get; }
        public void Dispose() => Tiny.Dispose();
    }

    private string Out(string name) => Path.Combine(_runs.Tiny.Root, "out-" + name);

    private static JsonElement Json(CliProcess.Result r)
    {
        Assert.True(r.Exit == 0, r.Err + r.Out);
        using var doc = JsonDocument.Parse(r.Out);
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Buckets_split_the_test_set_and_score_each_model_per_bucket()
    {
        var root = Json(CliProcess.Run(null, "compare", "buckets", "--models", _runs.Transformer, _runs.Rnn, "--names", "t,r",
            "--src", _runs.Tiny.File("val.de"), "--ref", _runs.Tiny.File("val.en"), "--buckets", "8,16", "--beam", "1", "--json", "--out", Out("buckets")));
        Assert.Equal(["≤ 8", "9–16", "> 16"], root.GetProperty("buckets").EnumerateArray().Select(b => b.GetString()));
        var counts = root.GetProperty("sentences").EnumerateArray().Select(c => c.GetInt32()).ToArray();
        Assert.Equal(24, counts.Sum());
        var models = root.GetProperty("models").EnumerateArray().ToArray();
        Assert.Equal(["t", "r"], models.Select(m => m.GetProperty("name").GetString()));
        foreach (var m in models)
        {
            var rows = m.GetProperty("buckets").EnumerateArray().ToArray();
            Assert.Equal(counts, rows.Select(b => b.GetProperty("sentences").GetInt32()));
            Assert.All(rows.Where(b => b.GetProperty("sentences").GetInt32() > 0), b => Assert.InRange(b.GetProperty("bleu").GetDouble(), 0, 100));
        }
        Assert.Equal(24, File.ReadAllLines(Path.Combine(Out("buckets"), "t.hyp")).Length);
        AssertDrawn(Path.Combine(Out("buckets"), "buckets.png"), 1300, 650, series: 2);
    }

    [Fact]
    public void Positions_profile_gradient_saliency_and_attention_per_model()
    {
        var root = Json(CliProcess.Run(null, "compare", "positions", "--models", _runs.Transformer, _runs.Rnn, "--src", _runs.Tiny.File("val.de"),
            "--ref", _runs.Tiny.File("val.en"), "--bins", "5", "--json", "--out", Out("positions")));
        Assert.Equal(24, root.GetProperty("sentences").GetInt32());
        foreach (var m in root.GetProperty("models").EnumerateArray())
            foreach (var measure in new[] { "gradient", "attention" })
            {
                var p = m.GetProperty(measure);
                double share = p.GetProperty("share").EnumerateArray().Sum(v => v.GetDouble()) + p.GetProperty("eos_share").GetDouble();
                Assert.Equal(1.0, share, 9);
                Assert.Equal(5, p.GetProperty("density").GetArrayLength());
            }
        AssertDrawn(Path.Combine(Out("positions"), "positions.png"), 1600, 650, series: 2);
    }

    [Fact]
    public void Tanh_measures_trained_and_initial_weights_and_refuses_a_transformer()
    {
        var root = Json(CliProcess.Run(null, "compare", "tanh", "--model", _runs.Rnn, "--src", _runs.Tiny.File("val.de"), "--ref", _runs.Tiny.File("val.en"),
            "--of", "loss", "--min-sentences", "3", "--json", "--out", Out("tanh")));
        Assert.Equal("rnn", root.GetProperty("cell").GetString());
        var series = root.GetProperty("series").EnumerateArray().ToArray();
        Assert.Equal(["trained", "initial"], series.Select(s => s.GetProperty("weights").GetString()));
        foreach (var s in series)
        {
            Assert.True(s.GetProperty("updates").GetArrayLength() > 5);
            Assert.All(s.GetProperty("gradients").EnumerateArray(), g => Assert.True(g.GetProperty("median").GetDouble() > 0));
        }
        AssertDrawn(Path.Combine(Out("tanh"), "tanh.png"), 1800, 620, series: 2);

        var refused = CliProcess.Run(null, "compare", "tanh", "--model", _runs.Transformer, "--src", _runs.Tiny.File("val.de"));
        Assert.Equal(2, refused.Exit);
        Assert.Contains("holds a transformer model", Assert.Single(refused.Err.TrimEnd('\n').Split('\n')));
    }

    [Fact]
    public void Plot_runs_compares_bleu_against_time_and_speed()
    {
        var r = CliProcess.Run(null, "plot", "--runs", _runs.Transformer, _runs.Rnn, "--out", Out("runs"));
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains("transformer", r.Out);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out("runs"), "runs.json")));
        var runs = doc.RootElement.EnumerateArray().ToArray();
        Assert.Equal(["transformer", "rnn-attn-dot"], runs.Select(x => x.GetProperty("architecture").GetString()));
        Assert.All(runs, x => Assert.Equal(2, x.GetProperty("epochs").GetInt32()));
        Assert.All(runs, x => Assert.True(x.GetProperty("target_tokens_per_second").GetDouble() > 0));
        AssertDrawn(Path.Combine(Out("runs"), "runs.png"), 1700, 650, series: 2);

        var both = CliProcess.Run(null, "plot", "--run", _runs.Rnn, "--runs", _runs.Transformer);
        Assert.Equal(2, both.Exit);
        Assert.Contains("--run", both.Err);
    }

    [Fact]
    public void Bench_memory_measures_each_point_in_its_own_process()
    {
        var root = Json(CliProcess.Run(null, "bench", "memory", "--arch", "transformer,rnn-attn-additive", "--lengths", "4,8", "--batch-tokens", "32",
            "--steps", "1", "--json", "--out", Out("memory")));
        Assert.True(root.GetProperty("isolated_rss").GetBoolean());
        var points = root.GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal(["transformer", "transformer", "rnn-attn-additive", "rnn-attn-additive"], points.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal([8, 4, 8, 4], points.Select(p => p.GetProperty("batch").GetInt32()));
        foreach (var pair in points.Chunk(2))
        {
            // B·T² = budget·T: twice the length, twice the attention bytes, at the same budget
            Assert.Equal(2 * pair[0].GetProperty("attention_bytes").GetInt64(), pair[1].GetProperty("attention_bytes").GetInt64());
            Assert.All(pair, p => Assert.True(p.GetProperty("peak_rss_mb").GetDouble() >= p.GetProperty("rss_before_mb").GetDouble()));
        }
        AssertDrawn(Path.Combine(Out("memory"), "memory.png"), 1800, 750, series: 2);

        var bad = CliProcess.Run(null, "bench", "memory", "--lengths", "0", "--in-process");
        Assert.Equal(2, bad.Exit);
        Assert.Contains("--lengths", bad.Err);
    }

    [Fact]
    public void Bench_train_times_an_rnn_recipe()
    {
        var root = Json(CliProcess.Run(null, "bench", "train", "--arch", "rnn-attn-dot", "--length", "8", "--steps", "1", "--warmup", "0", "--json"));
        Assert.Equal(("multi30k-de-en-rnn-attn-dot", "rnn-attn-dot"), (root.GetProperty("preset").GetString(), root.GetProperty("architecture").GetString()));
        Assert.Equal(2400 / 8, root.GetProperty("batch").GetInt32());
        Assert.True(root.GetProperty("step_ms").GetDouble() > 0 && root.GetProperty("gflops").GetDouble() > 0);
        Assert.Contains("forward", root.GetProperty("phase_ms").EnumerateObject().Select(p => p.Name));
    }

    /// <summary>The PNG decodes, has its size, is not blank, and shows the first <paramref name="series"/> colours in more than a legend's worth of pixels.</summary>
    private static void AssertDrawn(string path, int width, int height, int series)
    {
        InspectionCommandTests.AssertPicture(path, width, height);
        using var bitmap = SKBitmap.Decode(path);
        for (int i = 0; i < series; i++)
        {
            var c = PlotFiles.Colour(i);
            int near = 0;
            for (int y = 0; y < bitmap.Height; y++)
                for (int x = 0; x < bitmap.Width; x++)
                {
                    var p = bitmap.GetPixel(x, y);
                    if (Math.Abs(p.Red - c.R) + Math.Abs(p.Green - c.G) + Math.Abs(p.Blue - c.B) < 30) near++;
                }
            Assert.True(near > 400, $"{path}: series {i} covers only {near} pixels");
        }
    }
}
