using System.Globalization;
using System.Text.Json;
using SkiaSharp;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Tests.Cli;

/// <summary>
/// The figure verbs on the tiny run trained through the CLI: positions, similar, explain (and --scaling), plot and
/// attention --evolution. Their JSON is checked against values recomputed here from the model file, the formula
/// or the run's logs; their PNGs decode, have the size asked for, and are not blank.
/// </summary>
public sealed class InspectionCommandTests : IClassFixture<CliEndToEndTests.TrainedRun>
{
    private readonly CliEndToEndTests.TrainedRun _run;

    public InspectionCommandTests(CliEndToEndTests.TrainedRun run) => _run = run;

    private string Run => _run.Tiny.RunDir();
    private string Out(string name) => Path.Combine(_run.Tiny.Root, name);

    [Fact]
    public void Positions_json_follows_the_formula_and_the_pictures_are_drawn()
    {
        var r = CliProcess.Run(null, "positions", "--d-model", "12", "--positions", "9", "--json");
        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var pe = doc.RootElement.GetProperty("encoding");
        var cosine = doc.RootElement.GetProperty("cosine");
        Assert.Equal(9, pe.GetArrayLength());
        for (int pos = 0; pos < 9; pos++)
            for (int j = 0; j < 12; j++)
            {
                double angle = pos / Math.Pow(10000, (j - j % 2) / 12.0);
                Assert.Equal(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle), pe[pos][j].GetDouble(), 5);
                Assert.Equal(cosine[pos][j % 9].GetDouble(), cosine[j % 9][pos].GetDouble());
            }
        for (int p = 0; p < 9; p++) Assert.Equal(1.0, cosine[p][p].GetDouble(), 5);

        var drawn = CliProcess.Run(null, "positions", "--model", Run, "--out", Out("positions"));
        Assert.True(drawn.Exit == 0, drawn.Err);
        Assert.Contains("Note 000", drawn.Out);
        AssertPicture(Out("positions/pe.png"), 1000, 620);
        AssertPicture(Out("positions/pe-cosine.png"), 760, 680);
        AssertPicture(Out("positions/cosine-words-vs-positions.png"), 1000, 560);
        Assert.Equal(16 + 1, File.ReadLines(Out("positions/pe.csv")).First().Split(',').Length);     // position + d_model columns

        // The word-embedding mean cosine, recomputed from the model file over every ordinary piece.
        using var json = JsonDocument.Parse(File.ReadAllText(Out("positions/positions.json")));
        var model = ModelFile.LoadTransformer(Path.Combine(Run, "model.safetensors"));
        var e = model.Embed.Value.Span.ToArray();
        int v = model.Config.VocabSize, d = model.Config.DModel;
        var ids = Enumerable.Range(0, v).Where(i => i is not (0 or 1 or 2 or 3)).ToArray();
        double sum = 0;
        long pairs = 0;
        for (int a = 0; a < ids.Length; a++)
            for (int b = a + 1; b < ids.Length; b++, pairs++) sum += Cosine(e.AsSpan(ids[a] * d, d), e.AsSpan(ids[b] * d, d));
        var words = json.RootElement.GetProperty("comparison").GetProperty("word_pairs");
        Assert.Equal(pairs, words.GetProperty("count").GetInt64());
        Assert.Equal(sum / pairs, words.GetProperty("mean").GetDouble(), 5);
    }

    [Fact]
    public void Similar_lists_neighbours_by_cosine_and_draws_a_map()
    {
        var model = ModelFile.LoadTransformer(Path.Combine(Run, "model.safetensors"));
        var tokenizer = new RunDirectory(Run).LoadTokenizer();
        string word = "▁Mann";
        Assert.NotNull(tokenizer.PieceToId(word));
        var r = CliProcess.Run(null, "similar", "--model", Run, word, "-k", "5", "--json");
        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var list = doc.RootElement.GetProperty("lists")[0].GetProperty("neighbours").EnumerateArray().ToArray();
        Assert.Equal(5, list.Length);
        int self = tokenizer.PieceToId(word)!.Value, d = model.Config.DModel;
        var e = model.Embed.Value.Span.ToArray();
        // the best 5 by cosine, recomputed here over every piece except the word and the special ids
        var expected = Enumerable.Range(4, model.Config.VocabSize - 4).Where(i => i != self)
            .Select(i => (Id: i, Cos: Cosine(e.AsSpan(self * d, d), e.AsSpan(i * d, d)))).OrderByDescending(x => x.Cos).Take(5).ToArray();
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(expected[i].Id, list[i].GetProperty("id").GetInt32());
            Assert.Equal(expected[i].Cos, list[i].GetProperty("cosine").GetDouble(), 5);
        }

        var map = CliProcess.Run(null, "similar", "--model", Run, "--plot", "Mann", "Frau", "Hund", "Katze", "--out", Out("similar"));
        Assert.True(map.Exit == 0, map.Err);
        AssertPicture(Out("similar/similar.png"), 900, 720);
        Assert.Equal(1 + 4, File.ReadAllLines(Out("similar/similar.csv")).Length);
    }

    [Fact]
    public void Explain_shows_the_models_own_numbers()
    {
        string text = "Ein Mann fährt Fahrrad.";
        var r = CliProcess.Run(null, "explain", "--model", Run, "--text", text, "--json", "--sentences", "5");
        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        var model = ModelFile.LoadTransformer(Path.Combine(Run, "model.safetensors"));
        var tokenizer = new RunDirectory(Run).LoadTokenizer();
        int[] source = tokenizer.Encode(text, false, true);
        int[] input = root.GetProperty("decoder_input_tokens").EnumerateArray().Select(p => tokenizer.PieceToId(p.GetString()!.Replace('_', '\u2581'))!.Value).ToArray();
        var network = model.CreateWorkspace();
        var logits = network.Forward(source, input, 1, source.Length, input.Length, Sharpformer.Layers.ForwardContext.Eval).Span.ToArray();

        var traced = root.GetProperty("logits").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        Precision.AssertClose(traced, logits.Select(x => (double)x).ToArray(), 1e-4, "explain's logits");
        var weights = root.GetProperty("tensors").EnumerateArray().First(t => t.GetProperty("name").GetString()!.StartsWith("cross: weights"));
        Assert.Equal($"[B=1, h=2, T={input.Length}, S={source.Length}]", weights.GetProperty("shape").GetString());
        Precision.AssertClose(weights.GetProperty("values").EnumerateArray().Select(x => x.GetSingle()).ToArray(),
            network.Decoder.Layers[0].CrossAttention.Weights.Span.ToArray().Select(x => (double)x).ToArray(), 1e-4, "explain's cross-attention weights");
        var diagonal = root.GetProperty("diagonal").EnumerateArray().ToArray();
        Assert.Equal(["encoder self", "decoder self"], diagonal.Select(x => x.GetProperty("kind").GetString()));

        var plain = CliProcess.Run(null, "explain", "--model", Run, "--text", text, "--layer", "1", "--head", "2", "--sentences", "0");
        Assert.True(plain.Exit == 0, plain.Err);
        Assert.Contains($"[B=1, S={source.Length}, d_model=16]", plain.Out);
        Assert.Contains("head 2 of 2", plain.Out);
        Assert.Contains("self-attention diagonal", plain.Out);
        Assert.Contains("Checked against the model's own forward pass", plain.Out);
        Assert.DoesNotContain("\u001b[", plain.Out);                     // piped: plain text

        var bad = CliProcess.Run(null, "explain", "--model", Run, "--text", text, "--head", "3");
        Assert.Equal(2, bad.Exit);
        Assert.StartsWith("error: --head:", bad.Err);
    }

    [Fact]
    public void Explain_scaling_plots_the_variance_entropy_weight_and_gradient()
    {
        var r = CliProcess.Run(null, "explain", "--scaling", "--model", Run, "--sentences", "5", "--out", Out("scaling"));
        Assert.True(r.Exit == 0, r.Err);
        AssertPicture(Out("scaling/scaling.png"), 1300, 950);
        using var doc = JsonDocument.Parse(File.ReadAllText(Out("scaling/scaling.json")));
        var points = doc.RootElement.GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal(2 * 7 + 2, points.Length);                          // d_k 16..1024 scaled and not, and the model's own
        foreach (var p in points.Where(p => p.GetProperty("source").GetString() == "random"))
        {
            int dk = p.GetProperty("head_dim").GetInt32();
            double variance = p.GetProperty("score_variance").GetDouble();
            Assert.InRange(p.GetProperty("scaled").GetBoolean() ? variance : variance / dk, 0.85, 1.15);
        }
        Assert.Equal(8, points.Single(p => p.GetProperty("source").GetString() == "model" && p.GetProperty("scaled").GetBoolean()).GetProperty("head_dim").GetInt32());
    }

    [Fact]
    public void Training_curves_are_drawn_at_the_end_of_training_and_by_plot()
    {
        Assert.True(File.Exists(Path.Combine(Run, "plots", "curves.png")), _run.Train.Out);
        var r = CliProcess.Run(null, "plot", "--run", Run, "--out", Out("plots"));
        Assert.True(r.Exit == 0, r.Err);
        AssertPicture(Out("plots/curves.png"), 1400, 950);
        AssertPicture(Out("plots/learning-rate.png"), 900, 520);
        var validations = File.ReadLines(Path.Combine(Run, "metrics.jsonl")).Where(l => l.Contains("\"valid_bleu\"")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var rows = File.ReadAllLines(Out("plots/validations.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(validations.Length, rows.Length);
        for (int i = 0; i < rows.Length; i++)
            Assert.Equal(validations[i].GetProperty("valid_bleu").GetDouble(), double.Parse(rows[i][5], CultureInfo.InvariantCulture), 9);

        var missing = CliProcess.Run(null, "plot", "--run", Out("nope"));
        Assert.Equal(2, missing.Exit);
        Assert.StartsWith("error: --run:", missing.Err);
    }

    [Fact]
    public void Evolution_draws_a_strip_per_sublayer_and_the_gradient_norms()
    {
        var r = CliProcess.Run(null, "attention", "--run", Run, "--evolution", "--out", Out("evolution"));
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains("3 recorded moments", r.Out);                   // initial weights + 2 epochs
        foreach (var name in new[] { "evolution-encoder-self-l1.png", "evolution-decoder-self-l1.png", "evolution-cross-l1.png" })
            AssertPicture(Out("evolution/" + name), 600, 400, exact: false);
        AssertPicture(Out("evolution/attention-grad-norms.png"), 1700, 560);
        var csv = File.ReadAllLines(Out("evolution/attention-grad-norms.csv"));
        var history = RunLogs.ReadMetrics(new RunDirectory(Run));
        Assert.Equal(3 * history.Steps.Count + 1, csv.Length);           // 3 blocks per logging interval

        var none = CliProcess.Run(null, "attention", "--evolution");
        Assert.Equal(2, none.Exit);
        Assert.StartsWith("error: --run:", none.Err);
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>The PNG decodes, has the size asked for (or at least it, when the size follows the content), and is not blank.</summary>
    internal static void AssertPicture(string path, int width, int height, bool exact = true)
    {
        Assert.True(File.Exists(path), path);
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        if (exact) Assert.True(bitmap.Width == width && bitmap.Height == height, $"{path}: {bitmap.Width}×{bitmap.Height}, expected {width}×{height}");
        else Assert.True(bitmap.Width >= width && bitmap.Height >= height, $"{path}: {bitmap.Width}×{bitmap.Height}, expected at least {width}×{height}");
        double sum = 0, sumSq = 0;
        int n = 0;
        for (int y = 0; y < bitmap.Height; y += 3)
            for (int x = 0; x < bitmap.Width; x += 3)
            {
                var c = bitmap.GetPixel(x, y);
                double l = 0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue;
                sum += l; sumSq += l * l; n++;
            }
        double mean = sum / n;
        Assert.True(sumSq / n - mean * mean > 100, $"{path} looks blank");
    }
}
