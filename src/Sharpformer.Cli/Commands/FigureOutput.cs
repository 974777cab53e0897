using System.CommandLine;
using Sharpformer.Cli.Plots;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// How a measuring verb reports: with --json the report as one JSON object on stdout, else its table; its files (PNG,
/// CSV, JSON) go to --out, or to a default folder unless --json was given without --out.
/// </summary>
internal sealed record FigureOutput(bool Json, string? Folder)
{
    public static FigureOutput From(ParseResult r, Option<bool> json, Option<string?> output, string defaultFolder)
    {
        bool asJson = r.GetValue(json);
        return new FigureOutput(asJson, r.GetValue(output) ?? (asJson ? null : defaultFolder));
    }

    /// <summary>Prints the report or the table, then writes the files (when there is a folder) and names them after the table.</summary>
    public void Print(object report, string table, Func<string, IEnumerable<string>> writeFiles, string besides = "")
    {
        Console.Out.Write(Json ? PlotFiles.ToJson(report) + Environment.NewLine : table);
        if (Folder == null) return;
        var files = writeFiles(Folder).ToArray();
        if (!Json) Console.Out.WriteLine($"wrote {string.Join(", ", files.Select(Path.GetFileName))}{besides} to {Path.GetFullPath(Folder)}");
    }
}
