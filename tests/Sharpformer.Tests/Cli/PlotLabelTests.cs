using Sharpformer.Cli.Plots;
using Sharpformer.Inspection;

namespace Sharpformer.Tests.Cli;

/// <summary>
/// Text drawn inside a plot (word labels of the PCA map, notes on curves) uses the bundled font, so Hangul comes
/// out as glyphs: two different Hangul words draw differently, while characters no font has all draw the same box.
/// </summary>
public sealed class PlotLabelTests
{
    [Fact]
    public void Hangul_word_labels_on_the_map_draw_as_glyphs()
    {
        byte[] Render(string a, string b)
        {
            WordVector Word(string w, float x) => new(w, [4], [w], [x, 0]);
            var words = new[] { Word(a, 1), Word(b, -1), Word("x", 0.5f) };
            var pca = Pca.Fit(words.Select(w => w.Vector).ToArray());
            return EmbeddingPlots.PcaMap(words, pca, "embed.weight", 2).GetImageBytes(400, 300, ScottPlot.ImageFormat.Png);
        }
        // the test can tell a box from a glyph: different characters without glyphs draw identical pictures
        Assert.Equal(Render("\uE000\uE001", "\uE002\uE003"), Render("\uE004\uE005", "\uE006\uE007"));
        Assert.NotEqual(Render("강아지", "고양이"), Render("사람들", "여자들"));
    }
}
