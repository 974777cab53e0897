namespace Sharpformer.Cli.Plots;

/// <summary>
/// The font every plot draws with: the bundled NanumGothic (Hangul, Latin, digits). ScottPlot's Linux
/// rendering has no fontconfig, so without a registered file non-Latin text would come out as boxes.
/// </summary>
public static class PlotFonts
{
    public const string Name = "NanumGothic";
    private static readonly Lazy<string> Registered = new(Register);

    /// <summary>Registers the bundled font once and returns its name for <c>plot.Font.Set</c>.</summary>
    public static string Ensure() => Registered.Value;

    private static string Register()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Plots", "Fonts", "NanumGothic.ttf");
        if (!File.Exists(path)) throw new UserInputException($"{path}: the bundled plot font is missing (reinstall or rebuild Sharpformer)");
        ScottPlot.Fonts.AddFontFile(Name, path);
        return Name;
    }

    /// <summary>A subword piece as an axis label: the word-start marker ▁ (absent from the font) shown as '_'.</summary>
    public static string Label(string piece) => piece.Replace('\u2581', '_');
}
