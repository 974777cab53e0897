using System.Text.Json.Nodes;
using Sharpformer.Inference;
using Sharpformer.IO;
using Sharpformer.Model;
using Sharpformer.Tests.Cli;
using Sharpformer.Tests.Evaluation;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// A model file is trusted only as saved: its config and weights carry an integrity hash, a config that
/// would need absurd memory is refused before anything is allocated, and every error names the file.
/// </summary>
[Collection(EvaluationConsoleCollection.Name)]
public sealed class ModelFileTrustTests(ReliabilityRun trained) : IClassFixture<ReliabilityRun>
{
    private static void AssertOneLineErrorNaming(InProcessCli.Result r, string file)
    {
        Assert.True(r.Crash == null, r.ToString());
        Assert.True(r.Exit == 2, r.ToString());
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: " + file, r.Err);
        Assert.Equal("", r.Out);
    }

    private const string Rnn = RnnConfig.AdditiveName;

    public static TheoryData<string, string, string> ConfigEditsThatKeepShapes() => new()
    {
        { Transformer.ArchitectureName, "heads", "4" },
        { Transformer.ArchitectureName, "activation", "\"gelu\"" },
        { Transformer.ArchitectureName, "norm_eps", "0.001" },
        { Transformer.ArchitectureName, "norm_first", "true" },
        { Rnn, "dropout", "0.5" },
        { Rnn, "attention_size", "16" },       // the default is the hidden size, 16 here
        { Rnn, "bidirectional", "true" },      // the architecture's own choice, made explicit
        { Rnn, "eos_id", "3" },
    };

    [Theory, MemberData(nameof(ConfigEditsThatKeepShapes))]
    public void A_config_edited_behind_the_weights_back_is_reported_naming_the_file(string architecture, string field, string json)
    {
        string run = trained.CopyRun(architecture);
        string model = Path.Combine(run, "model.safetensors");
        ModelFileEdits.EditConfig(model, c => c[field] = JsonNode.Parse(json));
        var r = InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath);
        AssertOneLineErrorNaming(r, model);
        Assert.Contains("integrity", r.Err);
    }

    [Theory]
    [InlineData(Transformer.ArchitectureName, "embed.weight", 1234)]
    [InlineData(Rnn, "attention.v.weight", 3)]
    public void A_changed_weight_is_reported_naming_the_file(string architecture, string tensor, int index)
    {
        string run = trained.CopyRun(architecture);
        var intact = InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath);
        Assert.True(intact.Exit == 0, intact.ToString());
        Assert.Equal(trained.Sample.Length, intact.Out.TrimEnd('\n').Split('\n').Length);

        string model = Path.Combine(run, "model.safetensors");
        ModelFileEdits.EditWeight(model, tensor, index, 0.5f);
        var r = InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath);
        AssertOneLineErrorNaming(r, model);
        Assert.Contains("integrity", r.Err);
    }

    /// <summary>A guard: files saved before the hash existed (Transformers of format 1 and 2, RNNs of format 2) load as before.</summary>
    [Theory]
    [InlineData(Transformer.ArchitectureName)]
    [InlineData(Rnn)]
    public void A_file_without_the_integrity_hash_still_loads_and_translates_the_same(string architecture)
    {
        string run = trained.CopyRun(architecture);
        var expected = InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath);
        ModelFileEdits.StripExtraMetadata(Path.Combine(run, "model.safetensors"));
        var r = InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath);
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal(expected.Out, r.Out);
        Assert.Equal(trained.Sample.Length, r.Out.TrimEnd('\n').Split('\n').Length);
    }

    public static TheoryData<string, string, string> BadConfigs() => new()
    {
        { Transformer.ArchitectureName, "heads", "0" },
        { Transformer.ArchitectureName, "d_model", "0" },
        { Transformer.ArchitectureName, "norm_eps", "0" },
        { Transformer.ArchitectureName, "dropout", "1.5" },
        { Transformer.ArchitectureName, "pad_id", "-1" },
        { Transformer.ArchitectureName, "eos_id", "100000" },
        { Transformer.ArchitectureName, "decoder_layers", "0" },
        { Transformer.ArchitectureName, "heads", "\"two\"" },
        { Transformer.ArchitectureName, "d_model", "1e3" },
        { Rnn, "hidden_size", "0" },
        { Rnn, "layers", "0" },
        { Rnn, "layers", "3" },                // the file holds one layer's weights
        { Rnn, "embedding_size", "-1" },
        { Rnn, "cell", "\"tree\"" },
        { Rnn, "attention_size", "0" },
        { Rnn, "dropout", "1" },
        { Rnn, "eos_id", "100000" },
        { Rnn, "bidirectional", "\"yes\"" },
        { Rnn, "hidden_size", "1e3" },
    };

    [Theory, MemberData(nameof(BadConfigs))]
    public void A_bad_config_in_a_model_file_names_the_file(string architecture, string field, string json)
    {
        string run = trained.CopyRun(architecture);
        string model = Path.Combine(run, "model.safetensors");
        ModelFileEdits.EditConfig(model, c => c[field] = JsonNode.Parse(json), keepOtherMetadata: false);
        AssertOneLineErrorNaming(InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath), model);
    }

    public static TheoryData<string, string, string> AbsurdSizes() => new()
    {
        { Transformer.ArchitectureName, "vocab_size", "2000000000" },
        { Transformer.ArchitectureName, "d_ff", "1000000000" },
        { Transformer.ArchitectureName, "encoder_layers", "100000" },
        { Transformer.ArchitectureName, "d_model", "2000000" },
        { Rnn, "vocab_size", "2000000000" },
        { Rnn, "hidden_size", "1000000" },
        { Rnn, "layers", "100000" },
        { Rnn, "embedding_size", "2000000000" },
        { Rnn, "attention_size", "1000000000" },
    };

    /// <summary>
    /// Real processes with a 512 MB heap limit: allocating what such a config asks for would end in
    /// an out-of-memory crash (exit 134) instead of the one-line error.
    /// </summary>
    [Theory, MemberData(nameof(AbsurdSizes))]
    public void Absurd_sizes_in_a_model_files_config_are_refused_before_allocation(string architecture, string field, string value)
    {
        string run = trained.CopyRun(architecture);
        string model = Path.Combine(run, "model.safetensors");
        ModelFileEdits.EditConfig(model, c => c[field] = JsonNode.Parse(value), keepOtherMetadata: false);
        var r = CliProcess.RunWithEnvironment(string.Join("\n", trained.Sample) + "\n", ["DOTNET_GCHeapHardLimit=0x20000000"], "translate", "--model", run);
        Assert.True(r.Exit == 2, $"exit {r.Exit}: {r.Err}");
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: " + model, r.Err);
        Assert.Contains("memory", r.Err);
    }

    [Fact]
    public void A_model_file_that_is_a_link_to_dev_zero_is_refused_fast()
    {
        string run = trained.CopyRun();
        string model = Path.Combine(run, "model.safetensors");
        File.Delete(model);
        File.CreateSymbolicLink(model, "/dev/zero");
        var r = InProcessCli.Run(null, TimeSpan.FromSeconds(10), "translate", "--model", run, "--input", trained.SamplePath);
        AssertOneLineErrorNaming(r, model);
        Assert.True(r.AllocatedBytes < 100 << 20, r.ToString());
    }

    [Fact]
    public void Falling_back_to_the_best_model_is_said_on_stderr()
    {
        string run = trained.CopyRun();
        string final = Path.Combine(run, "model.safetensors");
        var expected = InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath, "--beam", "1");
        Assert.Equal(File.ReadAllBytes(Path.Combine(run, "best.safetensors")), File.ReadAllBytes(final));   // one epoch, no averaging
        File.Delete(final);
        var missing = InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath, "--beam", "1");
        Assert.True(missing.Exit == 0, missing.ToString());
        Assert.Equal(expected.Out, missing.Out);
        Assert.Contains("best.safetensors", missing.Err);
        Assert.Contains(final, missing.Err);

        Directory.CreateDirectory(final);
        var folder = InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath, "--beam", "1");
        Assert.True(folder.Exit == 0, folder.ToString());
        Assert.Contains("best.safetensors", folder.Err);
        Assert.Contains("folder", folder.Err);
    }

    [Fact]
    public void A_tokenizer_with_another_vocabulary_size_is_refused_naming_both_files()
    {
        string run = trained.CopyRun();
        var other = Sharpformer.Text.SubwordTokenizer.Train(File.ReadLines(trained.Tiny.File("train.de")), 330);
        string tokenizerDir = Path.Combine(run, "tokenizer");
        Directory.Delete(tokenizerDir, recursive: true);
        other.Save(tokenizerDir);
        var r = InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath);
        Assert.True(r.Exit == 2, r.ToString());
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        Assert.Contains(Path.Combine(run, "model.safetensors"), r.Err);
        Assert.Contains(Path.Combine(tokenizerDir, "sentencepiece.model"), r.Err);
        Assert.DoesNotContain("Token id", r.Err);
    }

    [Fact]
    public void Special_ids_that_disagree_with_the_tokenizer_are_refused_naming_both_files()
    {
        string run = trained.CopyRun();
        string model = Path.Combine(run, "model.safetensors");
        ModelFileEdits.EditConfig(model, c => c["bos_id"] = 7, keepOtherMetadata: false);
        var r = InProcessCli.Run(null, "translate", "--model", run, "--input", trained.SamplePath);
        Assert.True(r.Exit == 2, r.ToString());
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        Assert.Contains(model, r.Err);
        Assert.Contains("sentencepiece.model", r.Err);
        Assert.Contains("bos", r.Err);
    }

    [Fact]
    public void The_library_load_reports_the_same_as_the_cli()
    {
        string run = trained.CopyRun();
        string model = Path.Combine(run, "model.safetensors");
        ModelFileEdits.EditConfig(model, c => c["heads"] = 4);
        var e = Assert.Throws<UserInputException>(() => Translator.Load(run));
        Assert.StartsWith(model, e.Message);
        Assert.Throws<UserInputException>(() => ModelFile.Load(model));
    }
}
