using System.Text.Json;
using Sharpformer.Tests.Pipeline;

namespace Sharpformer.Tests.Cli;

/// <summary>
/// The RNN architectures through the same verbs as the Transformer: train --arch/--cell on tiny files, then translate,
/// evaluate, average and attention (cross-attention only) from the run folder; and the flags that belong to the other
/// family are one-line errors.
/// </summary>
public sealed class RnnCliTests : IClassFixture<RnnCliTests.TrainedRuns>
{
    private readonly TrainedRuns _runs;

    public RnnCliTests(TrainedRuns runs) => _runs = runs;

    /// <summary>An attentional (additive, LSTM) and a plain RNN run, each trained once by a fresh process.</summary>
    public sealed class TrainedRuns : IDisposable
    {
        public TrainedRuns()
        {
            Tiny = new TinyRun(trainPairs: 200, validPairs: 20);
            Additive = Train(Tiny.RunDir("additive"), "--arch", "rnn-attn-additive", "--cell", "lstm", "--epochs", "2");
            Plain = Train(Tiny.RunDir("plain"), "--arch", "rnn", "--epochs", "1");
        }

        public CliProcess.Result Train(string dir, params string[] model) => CliProcess.Run(null, [
            "train", "--out", dir,
            "--train-src", Tiny.File("train.de"), "--train-tgt", Tiny.File("train.en"),
            "--valid-src", Tiny.File("val.de"), "--valid-tgt", Tiny.File("val.en"),
            "--test-src", Tiny.File("val.de"), "--test-tgt", Tiny.File("val.en"), "--test-beam", "2",
            "--vocab-size", "400", "--embedding-size", "16", "--hidden", "16", "--layers", "1",
            "--batch-tokens", "400", "--warmup", "20", "--average-last", "2", "--max-minutes", "0", .. model]);

        public TinyRun Tiny { get; }
        public CliProcess.Result Additive { get; }
        public CliProcess.Result Plain { get; }
        public void Dispose() => Tiny.Dispose();
    }

    [Fact]
    public void Train_with_arch_and_cell_writes_a_run_of_that_architecture()
    {
        Assert.True(_runs.Additive.Exit == 0, _runs.Additive.Err + _runs.Additive.Out);
        Assert.Contains("rnn-attn-additive", _runs.Additive.Out);
        Assert.Contains("Epoch 2", _runs.Additive.Out);
        Assert.Contains("BLEU = ", _runs.Additive.Out);
        using var recipe = JsonDocument.Parse(File.ReadAllText(Path.Combine(_runs.Tiny.RunDir("additive"), "run.json")));
        var model = recipe.RootElement.GetProperty("model");
        Assert.Equal("rnn-attn-additive", model.GetProperty("architecture").GetString());
        Assert.Equal("lstm", model.GetProperty("cell").GetString());
        Assert.Equal(16, model.GetProperty("hidden_size").GetInt32());
    }

    [Fact]
    public void Translate_evaluate_and_average_serve_an_rnn_run()
    {
        string dir = _runs.Tiny.RunDir("additive");
        var input = File.ReadAllLines(_runs.Tiny.File("val.de")).Take(5).ToArray();
        var greedy = CliProcess.Run(string.Join("\n", input) + "\n", "translate", "--model", dir, "--beam", "1");
        Assert.True(greedy.Exit == 0, greedy.Err);
        Assert.Equal(input.Length, greedy.Out.TrimEnd('\n').Split('\n').Length);
        var beam = CliProcess.Run(string.Join("\n", input) + "\n", "translate", "--model", dir, "--beam", "2", "--n-best", "2");
        Assert.True(beam.Exit == 0, beam.Err);
        Assert.Equal(2 * input.Length, beam.Out.TrimEnd('\n').Split('\n').Length);

        var eval = CliProcess.Run(null, "evaluate", "--model", dir, "--src", _runs.Tiny.File("val.de"), "--ref", _runs.Tiny.File("val.en"));
        Assert.True(eval.Exit == 0, eval.Err);
        Assert.Contains("BLEU = ", eval.Out);

        string averaged = Path.Combine(_runs.Tiny.Root, "additive-averaged");
        var avg = CliProcess.Run(null, "average", "--model", dir, "--out", averaged, "--last", "2");
        Assert.True(avg.Exit == 0, avg.Err);
        var fromAverage = CliProcess.Run(string.Join("\n", input) + "\n", "translate", "--model", averaged, "--beam", "1");
        Assert.True(fromAverage.Exit == 0, fromAverage.Err);
        Assert.Equal(input.Length, fromAverage.Out.TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public void Attention_of_an_attentional_rnn_is_cross_attention_only()
    {
        var r = CliProcess.Run(null, "attention", "--model", _runs.Tiny.RunDir("additive"), "--text", "Ein Mann fährt Fahrrad.", "--json",
            "--out", Path.Combine(_runs.Tiny.Root, "rnn-attention"));
        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        int s = root.GetProperty("source_tokens").GetArrayLength(), t = root.GetProperty("target_tokens").GetArrayLength();
        Assert.Equal(0, root.GetProperty("encoder_self").GetArrayLength());
        Assert.Equal(0, root.GetProperty("decoder_self").GetArrayLength());
        var cross = root.GetProperty("cross");
        Assert.Equal(1, cross.GetArrayLength());                          // one attention, one head
        var head = Assert.Single(cross[0].EnumerateArray());
        Assert.Equal(t, head.GetArrayLength());
        foreach (var row in head.EnumerateArray())
        {
            var weights = row.EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(s, weights.Length);
            Assert.Equal(1.0, weights.Sum(), 5);
        }
        Assert.True(File.Exists(Path.Combine(_runs.Tiny.Root, "rnn-attention", "alignment.png")));
    }

    [Fact]
    public void A_plain_rnn_trains_translates_and_has_no_attention_to_draw()
    {
        Assert.True(_runs.Plain.Exit == 0, _runs.Plain.Err + _runs.Plain.Out);
        var t = CliProcess.Run("Ein Hund.\n", "translate", "--model", _runs.Tiny.RunDir("plain"));
        Assert.True(t.Exit == 0, t.Err);
        var a = CliProcess.Run(null, "attention", "--model", _runs.Tiny.RunDir("plain"), "--text", "Ein Hund.", "--json");
        Assert.Equal(2, a.Exit);
        Assert.Single(a.Err.TrimEnd('\n').Split('\n'));
        Assert.Contains("has no attention", a.Err);
    }

    [Theory]
    [InlineData("--heads", "2", "applies to the transformer")]
    [InlineData("--arch", "lstm-transformer", "--arch: unknown architecture")]
    [InlineData("--cell", "tree", "--cell: expected gru, lstm or rnn")]
    [InlineData("--bidirectional", "true", "cannot be bidirectional")]
    public void Flags_of_the_other_family_or_unknown_values_are_one_line_errors(string flag, string value, string message)
    {
        string dir = Path.Combine(_runs.Tiny.Root, "never");
        string[] arch = flag == "--arch" ? [] : ["--arch", "rnn-attn-dot"];
        var r = CliProcess.Run(null, ["train", "--out", dir, .. arch, "--train-src", _runs.Tiny.File("train.de"), flag, value]);
        Assert.Equal(2, r.Exit);
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        Assert.Contains(message, r.Err);
        Assert.False(Directory.Exists(dir));

        string additive = _runs.Tiny.RunDir("additive");
        byte[] before = File.ReadAllBytes(Path.Combine(additive, "model.safetensors"));
        var switched = CliProcess.Run(null, "train", "--out", additive, "--resume", "--arch", "rnn");
        Assert.Equal(2, switched.Exit);
        Assert.Contains("resuming cannot change its architecture", switched.Err);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(additive, "model.safetensors")));

        var transformerWithCell = CliProcess.Run(null, "train", "--out", dir, "--cell", "gru");
        Assert.Equal(2, transformerWithCell.Exit);
        Assert.Contains("--cell: applies to the RNN architectures, not to transformer", transformerWithCell.Err);
    }
}
