using Sharpformer.IO;
using Sharpformer.Tests.Evaluation;
using Sharpformer.Tests.Pipeline;

namespace Sharpformer.Tests.Reliability;

/// <summary>A run that diverges (a learning rate far too large) stops with one clear line and leaves no file with a NaN or an infinity.</summary>
[Collection(EvaluationConsoleCollection.Name)]
public sealed class DivergenceTests : IDisposable
{
    private readonly TinyRun _tiny = new(trainPairs: 120, validPairs: 8);

    public void Dispose() => _tiny.Dispose();

    [Theory]
    [InlineData("transformer")]
    [InlineData("rnn-attn-dot")]
    public void A_diverging_run_stops_with_one_line_and_writes_no_non_finite_file(string architecture)
    {
        string output = _tiny.RunDir("diverged");
        string[] diverging = ["--epochs", "3", "--lr-factor", "1e40", "--checkpoint-every", "4"];
        var r = InProcessCli.Run(null, architecture == "transformer"
            ? TinyTrainArgs.For(_tiny, output, diverging)
            : TinyTrainArgs.ForRnn(_tiny, output, architecture, diverging));
        Assert.True(r.Crash == null, r.ToString());
        Assert.True(r.Exit == 2, r.ToString());
        string[] lines = r.Err.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.Contains("non-finite", lines[0]);
        Assert.Contains("--max-nonfinite-steps", lines[0]);
        foreach (string file in Directory.GetFiles(output, "*.safetensors", SearchOption.AllDirectories))
            SafeTensors.Read(file, requireFinite: true);                      // throws naming the tensor if one slipped through
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")));
    }
}
