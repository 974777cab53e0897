using System.Text.Json;
using System.Text.Json.Serialization;
using Sharpformer.IO;

namespace Sharpformer.Model;

/// <summary>
/// Saves and loads a model as one safetensors file: every parameter as F32 under its PyTorch-style
/// name, and the <see cref="TransformerConfig"/> as JSON in the metadata, so the file alone rebuilds the model.
/// </summary>
public static class ModelFile
{
    public const string ConfigKey = "sharpformer.config";

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void Save(Transformer model, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var meta = new Dictionary<string, string> { [ConfigKey] = JsonSerializer.Serialize(model.Config, JsonOptions) };
        if (extraMetadata != null) foreach (var (k, v) in extraMetadata) meta[k] = v;
        SafeTensors.Write(path, model.Parameters.Select(p => SafeTensor.FromFloats(p.Name, p.Value.Span, p.Shape.ToArray())), meta);
    }

    public static Transformer Load(string path)
    {
        var contents = SafeTensors.Read(path);
        if (!contents.Metadata.TryGetValue(ConfigKey, out var json))
            throw new UserInputException($"{path}: not a Sharpformer model (metadata lacks '{ConfigKey}')");
        TransformerConfig config;
        try { config = JsonSerializer.Deserialize<TransformerConfig>(json, JsonOptions) ?? throw new JsonException("empty config"); }
        catch (JsonException e) { throw new UserInputException($"{path}: invalid model config in metadata ({e.Message})"); }
        var model = new Transformer(config);
        LoadWeights(model, contents, path);
        return model;
    }

    /// <summary>Copies every parameter of <paramref name="model"/> from the file's tensors (names and shapes must match).</summary>
    public static void LoadWeights(Transformer model, SafeTensors.Contents contents, string path, string prefix = "")
    {
        foreach (var p in model.Parameters)
        {
            if (!contents.Tensors.TryGetValue(prefix + p.Name, out var t))
                throw new UserInputException($"{path}: missing tensor '{prefix + p.Name}'");
            if (!t.Shape.SequenceEqual(p.Shape))
                throw new UserInputException($"{path}: tensor '{prefix + p.Name}' is [{string.Join(", ", t.Shape)}], the model needs [{string.Join(", ", p.Shape)}]");
            t.ToFloats().CopyTo(p.Value.Span);
        }
    }
}
