using Sharpformer.IO;
using Sharpformer.Model;

namespace Sharpformer.Tests.Pipeline;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sharpformer-model-" + Guid.NewGuid().ToString("N")[..8]);

    public ModelFileTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Transformer Model(bool preLn = false)
    {
        var m = new Transformer(new TransformerConfig { VocabSize = 30, DModel = 8, Heads = 2, DFf = 16, EncoderLayers = 1, DecoderLayers = 2, NormFirst = preLn });
        Initialization.Initialize(m, seed: 3);
        return m;
    }

    [Fact]
    public void Save_and_load_rebuild_the_same_model_from_the_file_alone()
    {
        var model = Model(preLn: true);
        string path = Path.Combine(_dir, "m.safetensors");
        ModelFile.Save(model, path);
        var loaded = ModelFile.LoadTransformer(path);
        Assert.Equal(model.Config, loaded.Config);
        foreach (var p in model.Parameters) Assert.Equal(p.Value.Span.ToArray(), loaded.ParameterByName[p.Name].Value.Span.ToArray());
    }

    [Fact]
    public void A_pytorch_state_dict_under_a_prefix_imports_by_name()
    {
        var model = Model();
        string path = Path.Combine(_dir, "torch.safetensors");
        // Stored as float64, as a state dict converted from PyTorch might be, with other tensors beside it.
        var tensors = model.Parameters.Select(p => SafeTensor.FromDoubles("model." + p.Name, p.Value.Span.ToArray().Select(v => (double)v).ToArray(), p.Shape.ToArray()))
            .Append(SafeTensor.FromLongs("step", [7], 1));
        SafeTensors.Write(path, tensors);
        var imported = ModelFile.ImportPyTorch(path, model.Config, prefix: "model.");
        foreach (var p in model.Parameters) Assert.Equal(p.Value.Span.ToArray(), imported.ParameterByName[p.Name].Value.Span.ToArray());
    }

    [Fact]
    public void Missing_and_unknown_tensors_are_named_in_one_error()
    {
        var model = Model();
        string path = Path.Combine(_dir, "bad.safetensors");
        var tensors = model.Parameters.Where(p => p.Name != "transformer.decoder.layers.1.norm2.bias")
            .Select(p => SafeTensor.FromFloats(p.Name, p.Value.Span, p.Shape.ToArray()))
            .Append(SafeTensor.FromFloats("transformer.decoder.layers.5.linear1.weight", new float[4], 2, 2));
        SafeTensors.Write(path, tensors);
        var e = Assert.Throws<UserInputException>(() => ModelFile.ImportPyTorch(path, model.Config));
        Assert.Contains("transformer.decoder.layers.1.norm2.bias", e.Message);
        Assert.Contains("transformer.decoder.layers.5.linear1.weight", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_wrong_shape_names_the_tensor_and_both_shapes()
    {
        var model = Model();
        var other = new Transformer(model.Config with { DFf = 12 });
        string path = Path.Combine(_dir, "shape.safetensors");
        ModelFile.Save(other, path);
        var e = Assert.Throws<UserInputException>(() => ModelFile.ImportPyTorch(path, model.Config));
        Assert.Contains("linear1.weight", e.Message);
        Assert.Contains("[12, 8]", e.Message);
        Assert.Contains("[16, 8]", e.Message);
    }
}
