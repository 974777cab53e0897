using System.Text.Json;
using SkiaSharp;
using Sharpformer.Cli.Plots;

namespace Sharpformer.Tests.Cli;

/// <summary>
/// `sharpformer attention` on the tiny trained run: the JSON maps are proper attention (rows sum to 1,
/// decoder self-attention exactly zero above the diagonal, shapes from the tokens), the PNGs decode, have
/// a size that grows with the sentence and are not blank; and the plot font draws Hangul as glyphs.
/// </summary>
public sealed class AttentionCommandTests : IClassFixture<CliEndToEndTests.TrainedRun>
{
    private readonly CliEndToEndTests.TrainedRun _run;

    public AttentionCommandTests(CliEndToEndTests.TrainedRun run) => _run = run;

    [Fact]
    public void Json_maps_are_row_stochastic_causal_and_shaped_by_the_tokens()
    {
        var r = CliProcess.Run(null, "attention", "--model", _run.Tiny.RunDir(), "--text", "Ein Mann fährt Fahrrad.", "--json");
        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        int s = root.GetProperty("source_tokens").GetArrayLength(), t = root.GetProperty("target_tokens").GetArrayLength();
        Assert.Equal("</s>", root.GetProperty("source_tokens")[s - 1].GetString());
        Check(root.GetProperty("encoder_self"), s, s, causal: false);
        Check(root.GetProperty("decoder_self"), t, t, causal: true);
        Check(root.GetProperty("cross"), t, s, causal: false);
    }

    private static void Check(JsonElement maps, int rows, int keys, bool causal)
    {
        Assert.Equal(1, maps.GetArrayLength());                       // the tiny model has one layer
        foreach (var head in maps[0].EnumerateArray())
        {
            Assert.Equal(rows, head.GetArrayLength());
            for (int i = 0; i < rows; i++)
            {
                var row = head[i].EnumerateArray().Select(v => v.GetDouble()).ToArray();
                Assert.Equal(keys, row.Length);
                Assert.Equal(1.0, row.Sum(), 5);
                Assert.All(row, w => Assert.InRange(w, 0.0, 1.0));
                if (causal) Assert.All(row[(i + 1)..], w => Assert.Equal(0.0, w));
            }
        }
    }

    [Fact]
    public void Pictures_decode_are_not_blank_and_grow_with_the_sentence()
    {
        string shortDir = Path.Combine(_run.Tiny.Root, "att-short"), longDir = Path.Combine(_run.Tiny.Root, "att-long");
        var a = CliProcess.Run(null, "attention", "--model", _run.Tiny.RunDir(), "--text", "Ein Hund.", "--out", shortDir);
        Assert.True(a.Exit == 0, a.Err);
        var b = CliProcess.Run(null, "attention", "--model", _run.Tiny.RunDir(), "--text",
            "Ein Mann mit einem roten Hut fährt mit seinem alten Fahrrad durch die kleine Stadt am Fluss.", "--out", longDir);
        Assert.True(b.Exit == 0, b.Err);
        // 1 layer × 2 heads × 3 kinds, a grid per kind, the alignment
        Assert.Equal(2 * 3 + 3 + 1, Directory.GetFiles(longDir, "*.png").Length);
        Assert.True(File.Exists(Path.Combine(longDir, "attention.json")));
        using var small = SKBitmap.Decode(Path.Combine(shortDir, "encoder-self-l1-h1.png"));
        using var large = SKBitmap.Decode(Path.Combine(longDir, "encoder-self-l1-h1.png"));
        Assert.True(large.Width > small.Width && large.Height > small.Height, $"{small.Width}×{small.Height} vs {large.Width}×{large.Height}");
        foreach (var file in Directory.GetFiles(longDir, "*.png"))
        {
            using var bitmap = SKBitmap.Decode(file);
            Assert.True(bitmap is { Width: >= 300, Height: >= 300 }, file);
            Assert.True(LuminanceVariance(bitmap) > 100, $"{file} looks blank");
        }
    }

    [Fact]
    public void Hangul_labels_render_as_glyphs_not_boxes()
    {
        // A missing glyph draws the same box for every character; real glyphs differ from each other.
        byte[] Render(string label)
        {
            var plot = AttentionPlots.Heatmap(new ScottPlot.Plot(), [[1f]], [label], [label], label);
            return plot.GetImageBytes(240, 200, ScottPlot.ImageFormat.Png);
        }
        Assert.NotEqual(Render("가나다"), Render("라마바"));
        Assert.NotEqual(Render("가나다"), Render("\uE000\uE001\uE002"));   // private-use: no glyph in any font
    }

    private static double LuminanceVariance(SKBitmap bitmap)
    {
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
        return sumSq / n - mean * mean;
    }
}
