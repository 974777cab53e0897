using System.Globalization;
using Sharpformer.Inspection;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// Writes a <see cref="ForwardTrace"/> as text a learner can follow: per section, each tensor's name, shape
/// with named axes, formula and a few values (per-head tensors for one head; attention scores and weights as
/// a table with the tokens on both axes; the logits as the most likely next pieces).
/// </summary>
public sealed class ExplainReport(TextWriter output, int values, Func<string, string> heading)
{
    private const int MaxRows = 8, MaxMapSize = 12;

    /// <summary>The tensors of the sections <paramref name="showSection"/> accepts, head <paramref name="head"/> (0-based) of per-head ones.</summary>
    public void Write(ForwardTrace trace, string[] sourcePieces, string[] inputPieces, Func<int, string> piece,
        Func<string, bool> showSection, int head)
    {
        string? section = null;
        foreach (var t in trace.Tensors.Where(t => showSection(t.Section)))
        {
            if (t.Section != section)
            {
                section = t.Section;
                output.WriteLine();
                output.WriteLine(heading(section));
            }
            output.WriteLine();
            output.WriteLine($"{t.Name}    {t.Shape}");
            output.WriteLine($"  {t.Formula}");
            var rows = RowLabels(t, sourcePieces, inputPieces);
            if (t.Axes[^1].Name == "V") WriteLogits(t, trace, inputPieces, piece);
            else if (t.PerHead && t.Axes[^1].Name != "d_k")
                WriteMap(t, head, rows, ColumnLabels(t, sourcePieces, inputPieces));
            else if (t.PerHead) WriteRows(t, rows, head, $"head {head + 1} of {t.Axes[1].Size}: ");
            else WriteRows(t, rows, null, "");
        }
    }

    // The tokens along a tensor's time axis (S: source pieces, T: the decoder's inputs).
    private static string[] RowLabels(TraceTensor t, string[] source, string[] input)
    {
        var time = t.Axes.FirstOrDefault(a => a.Name is "S" or "T" or "S_q" or "T_q");
        return time.Name?[0] == 'S' ? source : input;
    }

    private static string[] ColumnLabels(TraceTensor t, string[] source, string[] input) => t.Axes[^1].Name[0] == 'S' ? source : input;

    private void WriteRows(TraceTensor t, string[] labels, int? head, string prefix)
    {
        int width = t.Axes[^1].Size, rows = t.Values.Length / width;
        int start = 0;
        if (head is { } h)
        {
            rows = t.Axes[^2].Size;
            start = h * rows * width;
        }
        if (prefix.Length > 0) output.WriteLine($"  {prefix}");
        int labelWidth = Math.Min(14, labels.Max(l => l.Length));
        for (int i = 0; i < Math.Min(rows, MaxRows); i++)
        {
            var row = t.Values.AsSpan(start + i * width, width);
            string shown = string.Join(" ", row[..Math.Min(values, width)].ToArray().Select(v => Number(v, 7)));
            string label = i < labels.Length ? Clip(labels[i], labelWidth) : $"#{i}";
            output.WriteLine($"    {label.PadRight(labelWidth)}  [{shown}{(width > values ? $"  … {width - values} more" : "")} ]  ‖row‖ = {Norm(row):F2}");
        }
        if (rows > MaxRows) output.WriteLine($"    … {rows - MaxRows} more rows");
    }

    // scores or weights of one head as a table: query tokens down, key tokens across.
    private void WriteMap(TraceTensor t, int head, string[] rows, string[] columns)
    {
        int tq = t.Axes[2].Size, tk = t.Axes[3].Size;
        output.WriteLine($"  head {head + 1} of {t.Axes[1].Size}: rows = queries ({t.Axes[2].Name}), columns = keys ({t.Axes[3].Name})");
        int labelWidth = Math.Min(12, rows.Max(l => l.Length)), shownColumns = Math.Min(tk, MaxMapSize);
        output.WriteLine("    " + new string(' ', labelWidth) + "  " + string.Join(" ", columns.Take(shownColumns).Select(c => Clip(c, 7).PadLeft(7)))
            + (tk > shownColumns ? "  …" : ""));
        for (int i = 0; i < Math.Min(tq, MaxMapSize); i++)
        {
            var row = t.Values.AsSpan((head * tq + i) * tk, tk);
            output.WriteLine($"    {Clip(rows[i], labelWidth).PadRight(labelWidth)}  {string.Join(" ", row[..shownColumns].ToArray().Select(v => Number(v, 7)))}"
                + (tk > shownColumns ? "  …" : ""));
        }
        if (tq > MaxMapSize) output.WriteLine($"    … {tq - MaxMapSize} more rows");
    }

    private void WriteLogits(TraceTensor t, ForwardTrace trace, string[] inputPieces, Func<int, string> piece)
    {
        int v = t.Axes[^1].Size, positions = t.Axes[^2].Size;
        output.WriteLine("  softmax(logits) at each decoder position: the most likely next pieces, and the one chosen (the largest logit)");
        for (int i = 0; i < positions; i++)
        {
            var row = t.Values.AsSpan(i * v, v).ToArray();
            double max = double.NegativeInfinity, sum = 0;
            foreach (float x in row) max = Math.Max(max, x);
            foreach (float x in row) sum += Math.Exp(x - max);
            var top = Enumerable.Range(0, v).OrderByDescending(j => row[j]).Take(4)
                .Select(j => $"{piece(j)} {Math.Exp(row[j] - max) / sum:P0}");
            output.WriteLine($"    {i,3} reads {Clip(inputPieces[i], 12),-12} → chosen {piece(trace.Chosen[i]),-12}  ({string.Join(", ", top)})");
        }
    }

    /// <summary>Note 001's diagonal claim, per self-attention layer.</summary>
    public void WriteDiagonal(IReadOnlyList<DiagonalCount> counts, string over)
    {
        output.WriteLine();
        output.WriteLine(heading("self-attention diagonal"));
        output.WriteLine("Note 001: \"a word's dot product with itself is usually the highest\". Share of queries whose largest weight");
        output.WriteLine($"is on their own position, {over}:");
        output.WriteLine($"  {"layer",-22} {"queries",8} {"heads averaged",15}  {"each head",-28} {"raw x·x",8} {"chance",7}");
        foreach (var c in counts)
        {
            string perHead = string.Join(" ", c.OnSelfPerHead.Select(n => Percent(c.Share(n))));
            output.WriteLine($"  {c.Kind + " layer " + (c.Layer + 1),-22} {c.Queries,8:N0} {Percent(c.Share(c.OnSelfAveraged)),15}  {perHead,-28} "
                + $"{Percent(c.Share(c.OnSelfRawDot)),8} {Percent(c.Chance / Math.Max(1, c.Queries)),7}");
        }
        output.WriteLine("  raw x·x: the claim taken literally, the layer input's dot product with itself against the others (no W_Q, W_K);");
        output.WriteLine("  chance: a key picked at random among those a query sees. Decoder position 0 sees only itself and is not counted.");
    }

    private static string Percent(double share) => double.IsNaN(share) ? "–" : (100 * share).ToString("F1", CultureInfo.InvariantCulture) + " %";

    private static string Number(float v, int width) => float.IsNegativeInfinity(v) ? "−inf".PadLeft(width)
        : v.ToString(Math.Abs(v) >= 1000 ? "F0" : Math.Abs(v) >= 100 ? "F1" : "F3", CultureInfo.InvariantCulture).PadLeft(width);

    private static string Clip(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";

    private static double Norm(ReadOnlySpan<float> row)
    {
        double s = 0;
        foreach (float x in row) if (float.IsFinite(x)) s += (double)x * x;
        return Math.Sqrt(s);
    }
}
