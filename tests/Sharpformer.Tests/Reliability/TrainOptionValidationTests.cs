using Sharpformer.IO;
using Sharpformer.Model;
using Sharpformer.Tests.Evaluation;
using Sharpformer.Tests.Pipeline;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// `train` checks every option and the output folder before it writes a byte or allocates a model: a bad
/// value is one error line naming its flag (and, for sizes, the memory estimate), exit code 2, and the
/// output folder is left exactly as it was (not even created).
/// </summary>
[Collection(EvaluationConsoleCollection.Name)]
public sealed class TrainOptionValidationTests : IDisposable
{
    private readonly TinyRun _tiny = new(trainPairs: 60, validPairs: 8);

    public void Dispose() => _tiny.Dispose();

    private string[] TrainArgs(string output, params string[] overrides) => TinyTrainArgs.For(_tiny, output, overrides);

    private static void AssertOneLineError(InProcessCli.Result r, string mustContain)
    {
        Assert.True(r.Crash == null, r.ToString());
        Assert.True(r.Exit == 2, r.ToString());
        string[] lines = r.Err.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, "expected one error line:\n" + r.Err);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(mustContain, lines[0]);
        Assert.DoesNotContain("   at ", r.Err + r.Out);
    }

    public static TheoryData<string, string, string> BadOptions() => new()
    {
        { "--heads", "0", "--heads" },
        { "--heads", "3", "--heads" },                 // 16 is not a multiple of 3
        { "--d-model", "0", "--d-model" },
        { "--d-ff", "0", "--d-ff" },
        { "--enc-layers", "-1", "--enc-layers" },
        { "--dec-layers", "0", "--dec-layers" },
        { "--dropout", "1", "--dropout" },
        { "--attention-dropout", "-0.5", "--attention-dropout" },
        { "--batch-tokens", "0", "--batch-tokens" },
        { "--batch-sentences", "-1", "--batch-sentences" },
        { "--log-every", "0", "--log-every" },
        { "--epochs", "0", "--epochs" },
        { "--max-length", "0", "--max-length" },
        { "--vocab-size", "100", "--vocab-size" },      // below the 256 byte pieces and 4 specials
        { "--warmup", "0", "--warmup" },
        { "--lr-factor", "0", "--lr-factor" },
        { "--lr-factor", "NaN", "--lr-factor" },
        { "--label-smoothing", "1", "--label-smoothing" },
        { "--clip-norm", "-1", "--clip-norm" },
        { "--max-minutes", "-1", "--max-minutes" },
        { "--patience", "-1", "--patience" },
        { "--cooldown", "-0.1", "--cooldown" },
        { "--cooldown", "1", "--cooldown" },                // all of it: no epoch at the full rate
        { "--cooldown", "NaN", "--cooldown" },
        { "--average-last", "0", "--average-last" },
        { "--keep-checkpoints", "0", "--keep-checkpoints" },
        { "--checkpoint-every", "-1", "--checkpoint-every" },
        { "--valid-beam", "0", "--valid-beam" },
        { "--test-beam", "0", "--test-beam" },
        { "--valid-alpha", "NaN", "--valid-alpha" },
        { "--threads", "-1", "--threads" },
        { "--max-memory", "lots", "--max-memory" },
        { "--max-nonfinite-steps", "0", "--max-nonfinite-steps" },
        { "--d-model", "1000000", "--max-memory" },    // the estimate names the limit and what it needs
        { "--max-memory", "1M", "--max-memory" },
    };

    [Theory, MemberData(nameof(BadOptions))]
    public void A_bad_option_is_one_error_line_naming_its_flag_and_nothing_is_written(string flag, string value, string named)
    {
        string output = _tiny.RunDir("out");
        var r = InProcessCli.Run(null, TrainArgs(output, flag, value));
        AssertOneLineError(r, named);
        Assert.False(Directory.Exists(output), $"{output} was created although the options were refused");
    }

    public static TheoryData<string, string[], string> BadRnnOptions() => new()
    {
        { "rnn", ["--hidden", "0"], "--hidden" },
        { "rnn", ["--layers", "0"], "--layers" },
        { "rnn-attn-dot", ["--embedding-size", "-3"], "--embedding-size" },
        { "rnn-attn-dot", ["--cell", "bad"], "--cell" },
        { "rnn-attn-dot", ["--bidirectional", ""], "--bidirectional" },   // the dot score needs keys as wide as the decoder state
        { "rnn-attn-additive", ["--attention-size", "0"], "--attention-size" },
        { "rnn-attn-additive", ["--dropout", "1"], "--dropout" },
        { "rnn-attn-additive", ["--d-model", "32"], "--d-model" },         // a Transformer flag
        { "rnn", ["--hidden", "1000000"], "--max-memory" },
        { "rnn-attn-additive", ["--embedding-size", "2000000000"], "--max-memory" },
    };

    [Theory, MemberData(nameof(BadRnnOptions))]
    public void A_bad_rnn_option_is_one_error_line_naming_its_flag_and_nothing_is_written(string architecture, string[] flags, string named)
    {
        string output = _tiny.RunDir("out");
        var r = InProcessCli.Run(null, TinyTrainArgs.ForRnn(_tiny, output, architecture, flags));
        AssertOneLineError(r, named);
        Assert.False(Directory.Exists(output), $"{output} was created although the options were refused");
    }

    [Fact]
    public void An_rnn_memory_estimate_counts_the_additive_attention_over_every_source_and_target_pair()
    {
        // e_ij = tanh(W_q h_i + W_k s_j) for 20,000 tokens × 1,001 positions × A = 16: about 1.3 GB on its own
        string[] longBatches = ["--max-length", "1000", "--batch-tokens", "20000", "--max-memory", "1G"];
        var additive = InProcessCli.Run(null, TinyTrainArgs.ForRnn(_tiny, _tiny.RunDir("out"), "rnn-attn-additive", longBatches));
        AssertOneLineError(additive, "--max-memory");
        Assert.Contains("activations for batches of 20,000 tokens", additive.Err);
        Assert.Contains("hidden_size 16", additive.Err);
        Assert.Contains("1.0 GB", additive.Err);
        Assert.False(Directory.Exists(_tiny.RunDir("out")));

        // the same batches without the additive layer fit: the estimate is not a flat refusal of long batches
        var options = new Sharpformer.Training.TrainingOptions
        {
            TrainSource = "-", ValidSource = "-", VocabSize = 400, MaxLength = 1000, BatchTokens = 20000,
            Model = RnnConfig.For(RnnConfig.DotName) with { EmbeddingSize = 16, HiddenSize = 16, Layers = 1 },
        };
        Assert.InRange(Sharpformer.Training.ResourceEstimate.ForTraining(options).TotalBytes, 1, 1L << 30);
    }

    [Fact]
    public void A_memory_estimate_over_the_limit_says_how_much_is_needed_and_the_limit()
    {
        var r = InProcessCli.Run(null, TrainArgs(_tiny.RunDir("out"), "--d-model", "1000000", "--max-memory", "8G"));
        AssertOneLineError(r, "--max-memory");
        Assert.Matches(@"needs about [\d.,]+ [KMGTP]?B", r.Err);
        Assert.Contains("8.0 GB", r.Err);
    }

    [Fact]
    public void Someones_model_file_in_the_output_folder_is_never_overwritten()
    {
        string output = _tiny.RunDir("theirs");
        Directory.CreateDirectory(output);
        string theirs = Path.Combine(output, "model.safetensors");
        File.WriteAllText(theirs, "someone's weights");
        var r = InProcessCli.Run(null, TrainArgs(output));
        AssertOneLineError(r, "--out");
        Assert.Contains("not a Sharpformer run", r.Err);
        Assert.Equal("someone's weights", File.ReadAllText(theirs));
        Assert.Equal(["model.safetensors"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
        Assert.DoesNotContain("vocabulary", r.Out);                      // refused before the tokenizer was trained
    }

    [Fact]
    public void An_output_path_that_is_a_file_is_refused_before_the_tokenizer_is_trained()
    {
        string file = _tiny.File("a-file");
        File.WriteAllText(file, "x");
        var r = InProcessCli.Run(null, TrainArgs(file));
        AssertOneLineError(r, file);
        Assert.Equal("x", File.ReadAllText(file));
        Assert.DoesNotContain("vocabulary", r.Out);

        var under = InProcessCli.Run(null, TrainArgs(Path.Combine(file, "run")));
        AssertOneLineError(under, file);
    }

    [Fact]
    public void A_file_where_the_tokenizer_folder_goes_is_refused_before_anything_is_written()
    {
        string output = _tiny.RunDir("tok");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "tokenizer"), "not a folder");
        var r = InProcessCli.Run(null, TrainArgs(output));
        AssertOneLineError(r, "tokenizer");
        Assert.DoesNotContain("Could not find a part of the path", r.Err);
        Assert.DoesNotContain("vocabulary", r.Out);
        Assert.Equal(["tokenizer"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }

    [Fact]
    public void An_unfinished_run_is_not_restarted_over_its_checkpoints_without_resume()
    {
        string output = _tiny.RunDir("unfinished");
        var first = InProcessCli.Run(null, TrainArgs(output, "--epochs", "2"));
        Assert.True(first.Exit == 0, first.ToString());
        File.Delete(Path.Combine(output, "model.safetensors"));            // as if it had stopped before the end
        var checkpoints = Directory.GetDirectories(Path.Combine(output, "checkpoints")).Order().ToArray();
        var before = checkpoints.Select(d => File.ReadAllBytes(Path.Combine(d, "model.safetensors"))).ToArray();

        var again = InProcessCli.Run(null, TrainArgs(output, "--epochs", "2", "--seed", "9"));
        AssertOneLineError(again, "resume it");
        Assert.Equal(checkpoints, Directory.GetDirectories(Path.Combine(output, "checkpoints")).Order().ToArray());
        for (int i = 0; i < checkpoints.Length; i++) Assert.Equal(before[i], File.ReadAllBytes(Path.Combine(checkpoints[i], "model.safetensors")));
    }

    [Fact]
    public void The_derived_head_size_is_stored_neither_in_run_json_nor_in_model_files()
    {
        string output = _tiny.RunDir("stored");
        var r = InProcessCli.Run(null, TrainArgs(output));
        Assert.True(r.Exit == 0, r.ToString());
        Assert.DoesNotContain("head_dim", File.ReadAllText(Path.Combine(output, "run.json")));
        foreach (string file in new[] { "model.safetensors", "best.safetensors" })
            Assert.DoesNotContain("head_dim", SafeTensors.Read(Path.Combine(output, file)).Metadata[ModelFile.ConfigKey]);
    }
}
