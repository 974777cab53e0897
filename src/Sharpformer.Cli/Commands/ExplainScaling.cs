using Sharpformer.Cli.Plots;
using Sharpformer.Inspection;

namespace Sharpformer.Cli.Commands;

/// <summary><c>sharpformer explain --scaling</c>: the √d_k experiment as a table, a plot, CSV and JSON.</summary>
public static class ExplainScaling
{
    public static void Run(int keys, IReadOnlyList<TracedAttention> real, string folder, bool asJson)
    {
        var random = ScalingExperiment.Random(ScalingExperiment.DefaultHeadDims, keys);
        var model = ScalingExperiment.FromModel(real);
        var all = random.Concat(model).ToArray();
        string json = PlotFiles.ToJson(new { keys, points = all });
        if (asJson) Console.Out.WriteLine(json);
        else Print(random, model, keys);

        string png = PlotFiles.Png(ScalingPlots.Grid(random, model, keys), folder, "scaling.png", 1300, 950);
        PlotFiles.WriteCsv(folder, "scaling.csv", ["source", "d_k", "scaled", "score_variance", "entropy", "max_weight", "score_gradient", "keys", "rows"],
            all.Select(p => new object?[] { p.Source, p.HeadDim, p.Scaled, p.ScoreVariance, p.Entropy, p.MaxWeight, p.ScoreGradient, p.Keys, p.Rows }));
        File.WriteAllText(Path.Combine(folder, "scaling.json"), json + "\n");
        if (!asJson) Console.Out.WriteLine($"wrote {Path.GetFileName(png)}, scaling.csv and scaling.json to {Path.GetFullPath(folder)}");
    }

    private static void Print(IReadOnlyList<ScalingPoint> random, IReadOnlyList<ScalingPoint> model, int keys)
    {
        Console.Out.WriteLine($"Why divide by √d_k (note 001): one query against {keys} keys, components drawn from N(0, 1), 300 queries per d_k.");
        Console.Out.WriteLine($"Uniform attention would have entropy ln {keys} = {Math.Log(keys):F2} nats and largest weight {1.0 / keys:F3}.");
        Console.Out.WriteLine();
        Console.Out.WriteLine($"  {"",-10} {"variance of scores",22} {"entropy (nats)",18} {"largest weight",18} {"‖∂p/∂s‖ (gradient)",22}");
        Console.Out.WriteLine($"  {"d_k",-10} {"q·k",10} {"q·k/√d_k",11} {"q·k",8} {"/√d_k",9} {"q·k",8} {"/√d_k",9} {"q·k",10} {"/√d_k",11}");
        foreach (var group in random.GroupBy(p => p.HeadDim).Concat(model.GroupBy(p => p.HeadDim)))
        {
            var raw = group.Single(p => !p.Scaled);
            var scaled = group.Single(p => p.Scaled);
            string name = raw.Source == "model" ? $"model {raw.HeadDim}" : raw.HeadDim.ToString();
            Console.Out.WriteLine($"  {name,-10} {raw.ScoreVariance,10:F1} {scaled.ScoreVariance,11:F2} {raw.Entropy,8:F2} {scaled.Entropy,9:F2} "
                + $"{raw.MaxWeight,8:F3} {scaled.MaxWeight,9:F3} {raw.ScoreGradient,10:F4} {scaled.ScoreGradient,11:F4}");
        }
        if (model.Count > 0)
            Console.Out.WriteLine($"  model: the trained model's own queries and keys ({model[0].Rows:N0} query rows of encoder self- and cross-attention, "
                + $"{model[0].Keys:F1} keys each on average); it was trained with the scale, so \"q·k\" shows what removing it would do.");
        Console.Out.WriteLine("Without the scale the variance of q·k grows like d_k, the softmax puts nearly all its weight on one key and the gradient");
        Console.Out.WriteLine("reaching the scores shrinks; with it, all three stay where they are for every d_k.");
    }
}
