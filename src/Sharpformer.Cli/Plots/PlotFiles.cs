using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ScottPlot;

namespace Sharpformer.Cli.Plots;

/// <summary>
/// What every figure command shares: PNGs drawn with the bundled font, the figure's numbers as JSON and CSV
/// (invariant culture, UTF-8), heatmaps with a colour bar, and tick helpers for logarithmic axes.
/// </summary>
public static class PlotFiles
{
    /// <summary>snake_case names and enums, UTF-8 kept readable (tokens such as "▁Hund" stay as they are), NaN allowed.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string ToJson(object value) => JsonSerializer.Serialize(value, Json);

    /// <summary>Saves <paramref name="plot"/> as folder/name; returns the path.</summary>
    public static string Png(Plot plot, string folder, string name, int width, int height)
    {
        Directory.CreateDirectory(folder);
        Style(plot);
        string path = Path.Combine(folder, name);
        plot.SavePng(path, width, height);
        return path;
    }

    public static string Png(Multiplot plots, string folder, string name, int width, int height)
    {
        Directory.CreateDirectory(folder);
        foreach (var plot in plots.GetPlots()) Style(plot);
        string path = Path.Combine(folder, name);
        plots.SavePng(path, width, height);
        return path;
    }

    // The bundled font everywhere; tick labels a little larger than ScottPlot's default, where "0.5" could pass for "0,5".
    private static void Style(Plot plot)
    {
        plot.Font.Set(PlotFonts.Ensure());
        foreach (var axis in plot.Axes.GetAxes()) axis.TickLabelStyle.FontSize = 14;
    }

    public static string WriteJson(string folder, string name, object value)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, ToJson(value) + "\n", new UTF8Encoding(false));
        return path;
    }

    /// <summary>A CSV file: a header line, then one line per row; strings are quoted when they need it.</summary>
    public static string WriteCsv(string folder, string name, IReadOnlyList<string> header, IEnumerable<IEnumerable<object?>> rows)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        var text = new StringBuilder();
        text.AppendJoin(',', header.Select(Field)).Append('\n');
        foreach (var row in rows) text.AppendJoin(',', row.Select(Field)).Append('\n');
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
        return path;
    }

    private static string Field(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? ""),
    };

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";

    /// <summary>A heatmap of grid [row][column] with row 0 at the top, a fixed colour range and a labelled colour bar (none when the label is null).</summary>
    public static ScottPlot.Plottables.Heatmap Heatmap(Plot plot, float[][] grid, double min, double max, IColormap colormap, string? colorBarLabel)
    {
        int rows = grid.Length, columns = rows == 0 ? 0 : grid[0].Length;
        var values = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) values[i, j] = grid[i][j];
        var map = plot.Add.Heatmap(values);
        map.Colormap = colormap;
        map.ManualRange = new ScottPlot.Range(min, max);
        plot.Axes.Margins(0, 0);
        if (colorBarLabel == null) return map;
        var bar = plot.Add.ColorBar(map);
        bar.Label = colorBarLabel;
        bar.LabelStyle.FontName = PlotFonts.Ensure();
        bar.LabelStyle.FontSize = 14;
        bar.LabelStyle.Bold = false;
        return map;
    }

    /// <summary>Ticks on a row axis of a heatmap drawn with row 0 at the top: every <paramref name="every"/>-th row, labelled by its index.</summary>
    public static void RowTicks(IAxis axis, int rows, int every)
    {
        var at = Enumerable.Range(0, rows).Where(i => i % every == 0).ToArray();
        axis.SetTicks(at.Select(i => (double)(rows - 1 - i)).ToArray(), at.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Ticks on a column axis: every <paramref name="every"/>-th column, labelled by its index.</summary>
    public static void ColumnTicks(IAxis axis, int columns, int every)
    {
        var at = Enumerable.Range(0, columns).Where(j => j % every == 0).ToArray();
        axis.SetTicks(at.Select(j => (double)j).ToArray(), at.Select(j => j.ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>A step between labelled ticks that leaves about <paramref name="labels"/> labels on an axis of <paramref name="count"/> entries.</summary>
    public static int TickStep(int count, int labels = 10)
    {
        int raw = Math.Max(1, (int)Math.Ceiling(count / (double)labels));
        foreach (int nice in new[] { 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000 })
            if (nice >= raw) return nice;
        return raw;
    }

    /// <summary>Ticks for data plotted as log10(value): one per power of ten from 10^<paramref name="lo"/> to 10^<paramref name="hi"/>.</summary>
    public static void Log10Ticks(IAxis axis, int lo, int hi)
    {
        var powers = Enumerable.Range(lo, hi - lo + 1).ToArray();
        axis.SetTicks(powers.Select(p => (double)p).ToArray(), powers.Select(p => Math.Pow(10, p).ToString("G", CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Ticks for data plotted as log2(value), labelled with the values.</summary>
    public static void Log2Ticks(IAxis axis, IEnumerable<int> values)
    {
        var v = values.ToArray();
        axis.SetTicks(v.Select(x => Math.Log2(x)).ToArray(), v.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>A text label at data coordinates, in the bundled font (text plottables do not follow plot.Font).</summary>
    public static ScottPlot.Plottables.Text Note(Plot plot, string text, double x, double y, Alignment alignment, float size = 13)
    {
        var note = plot.Add.Text(text, x, y);
        note.LabelFontName = PlotFonts.Ensure();
        note.LabelFontSize = size;
        note.LabelAlignment = alignment;
        return note;
    }

    /// <summary>Distinct colours for lines, from ScottPlot's default palette.</summary>
    public static Color Colour(int i) => new ScottPlot.Palettes.Category10().GetColor(i);
}
