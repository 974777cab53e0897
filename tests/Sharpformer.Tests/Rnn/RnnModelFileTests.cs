using System.Text.Json;
using Sharpformer.IO;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Tests.Text;
using Sharpformer.Training;

namespace Sharpformer.Tests.Rnn;

/// <summary>RNN models in model files and run.json: round trips, the architecture's name, strict loading.</summary>
public sealed class RnnModelFileTests
{
    [Theory, MemberData(nameof(TinyRnn.Architectures), MemberType = typeof(TinyRnn))]
    public void Save_and_load_rebuild_the_same_model_from_the_file_alone(string architecture)
    {
        using var dir = new TempDir();
        var model = TinyRnn.Build(TinyRnn.Config(architecture, RecurrentCellKind.Lstm) with { Bidirectional = architecture == RnnConfig.PlainName ? true : null }, seed: 3);
        string path = Path.Combine(dir.Path, "model.safetensors");
        ModelFile.Save(model, path);
        var meta = SafeTensors.Read(path).Metadata;
        Assert.Equal("2", meta[ModelFile.FormatKey]);
        Assert.Equal(architecture, meta[ModelFile.ArchitectureKey]);
        Assert.DoesNotContain("\"attention\"", meta[ModelFile.ConfigKey]);        // the name says it; the config cannot contradict it
        Assert.DoesNotContain("architecture", meta[ModelFile.ConfigKey]);
        Assert.Contains("\"cell\": \"lstm\"", meta[ModelFile.ConfigKey]);

        var loaded = Assert.IsType<RnnSeq2Seq>(ModelFile.Load(path));
        Assert.Equal(model.Config, loaded.Config);
        Assert.Equal(architecture, loaded.Architecture);
        Assert.Equal(model.Parameters.Select(p => p.Name), loaded.Parameters.Select(p => p.Name));
        foreach (var p in model.Parameters) Assert.Equal(p.Value.Span.ToArray(), loaded.ParameterByName[p.Name].Value.Span.ToArray());
        var e = Assert.Throws<UserInputException>(() => ModelFile.LoadTransformer(path));
        Assert.Contains($"holds a '{architecture}' model", e.Message);
    }

    [Fact]
    public void Missing_unknown_and_misshapen_tensors_are_named()
    {
        using var dir = new TempDir();
        var model = TinyRnn.Build(RnnConfig.AdditiveName, RecurrentCellKind.Gru, seed: 1);
        var meta = new Dictionary<string, string>
        {
            [ModelFile.FormatKey] = "2", [ModelFile.ArchitectureKey] = model.Architecture, [ModelFile.ConfigKey] = model.Config.ToJson(ModelFile.JsonOptions),
        };
        string path = Path.Combine(dir.Path, "bad.safetensors");
        SafeTensors.Write(path, model.Parameters.Where(p => p.Name != "attention.v.weight")
            .Select(p => SafeTensor.FromFloats(p.Name, p.Value.Span, p.Shape.ToArray()))
            .Append(SafeTensor.FromFloats("decoder.rnn.weight_ih_l7", new float[4], 2, 2)), meta);
        var e = Assert.Throws<UserInputException>(() => ModelFile.Load(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains("missing: attention.v.weight", e.Message);
        Assert.Contains("not in the model: decoder.rnn.weight_ih_l7", e.Message);

        SafeTensors.Write(path, model.Parameters.Select(p => p.Name == "bridge.weight"
            ? SafeTensor.FromFloats(p.Name, new float[p.Length], p.Shape[1], p.Shape[0])
            : SafeTensor.FromFloats(p.Name, p.Value.Span, p.Shape.ToArray())), meta);
        e = Assert.Throws<UserInputException>(() => ModelFile.Load(path));
        Assert.Contains("tensor 'bridge.weight' is [10, 5], the model needs [5, 10]", e.Message);
    }

    [Fact]
    public void A_config_the_architecture_forbids_is_a_one_line_error()
    {
        var e = Assert.Throws<UserInputException>(() => new RnnSeq2Seq(RnnConfig.For(RnnConfig.DotName) with { Bidirectional = true }));
        Assert.Contains("rnn-attn-dot", e.Message);
        Assert.Contains("bidirectional", e.Message);
        Assert.Throws<UserInputException>(() => new RnnSeq2Seq(RnnConfig.For(RnnConfig.PlainName) with { HiddenSize = 0 }));
    }

    [Fact]
    public void Run_options_round_trip_either_architecture_and_old_run_files_are_transformers()
    {
        foreach (ModelConfig config in new ModelConfig[]
                 {
                     TinyRnn.Config(RnnConfig.DotName, RecurrentCellKind.Rnn),
                     RnnConfig.For(RnnConfig.AdditiveName) with { AttentionSize = 64, Bidirectional = false },
                     new TransformerConfig { DModel = 64, Heads = 2 },
                 })
        {
            var options = new TrainingOptions { TrainSource = "a", ValidSource = "b", Model = config };
            string json = JsonSerializer.Serialize(options, ModelFile.JsonOptions);
            using (var doc = JsonDocument.Parse(json))
                Assert.Equal(config.Architecture, doc.RootElement.GetProperty("model").GetProperty("architecture").GetString());
            var back = JsonSerializer.Deserialize<TrainingOptions>(json, ModelFile.JsonOptions)!;
            Assert.Equal(config, back.Model);
        }

        // run.json of format 1 (no architecture): a Transformer config
        var old = JsonSerializer.Deserialize<TrainingOptions>(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "run-format-1", "run.json")), ModelFile.JsonOptions)!;
        Assert.Equal(32, Assert.IsType<TransformerConfig>(old.Model).DModel);

        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<TrainingOptions>(
            """{"train_source": "a", "valid_source": "b", "model": {"architecture": "gpt-9"}}""", ModelFile.JsonOptions));
        Assert.Contains("unknown architecture 'gpt-9'", e.Message);

        // a bad field inside the config is named as the config's field; the exception's path says where the config sits
        var field = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<TrainingOptions>(
            """{"train_source": "a", "valid_source": "b", "model": {"architecture": "rnn", "layers": "two"}}""", ModelFile.JsonOptions));
        Assert.Contains("field 'layers' of the rnn config", field.Message);
        Assert.Equal("$.model", field.Path);
    }
}
