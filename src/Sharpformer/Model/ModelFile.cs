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

    /// <summary>
    /// Imports a PyTorch state dict saved as safetensors (F32 or F64) into a model of a known config.
    /// The names are nn.Transformer's: embed.weight, transformer.encoder.layers.{i}.self_attn.in_proj_weight
    /// ([W_Q; W_K; W_V] stacked by rows), …, linear1/linear2, norm1..3, and the final norms when pre-LN.
    /// </summary>
    public static Transformer ImportPyTorch(string path, TransformerConfig config, string prefix = "")
    {
        var model = new Transformer(config);
        LoadWeights(model, SafeTensors.Read(path), path, prefix);
        return model;
    }

    /// <summary>
    /// Copies every parameter of <paramref name="model"/> from the tensors named prefix + parameter name.
    /// Strict both ways: a missing tensor, a wrong shape, or a tensor under the prefix that the model does
    /// not have is an error naming all of them (a silently ignored weight would be a silent bug).
    /// </summary>
    public static void LoadWeights(Transformer model, SafeTensors.Contents contents, string path, string prefix = "")
    {
        var missing = model.Parameters.Where(p => !contents.Tensors.ContainsKey(prefix + p.Name)).Select(p => prefix + p.Name).ToList();
        var unknown = contents.Tensors.Keys
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !model.ParameterByName.ContainsKey(k[prefix.Length..])).ToList();
        if (missing.Count > 0 || unknown.Count > 0)
            throw new UserInputException($"{path}: weights do not match the model"
                + (missing.Count > 0 ? $"; missing: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? $" (+{missing.Count - 5} more)" : "")}" : "")
                + (unknown.Count > 0 ? $"; not in the model: {string.Join(", ", unknown.Take(5))}{(unknown.Count > 5 ? $" (+{unknown.Count - 5} more)" : "")}" : ""));
        foreach (var p in model.Parameters)
        {
            var t = contents.Tensors[prefix + p.Name];
            if (!t.Shape.SequenceEqual(p.Shape))
                throw new UserInputException($"{path}: tensor '{prefix + p.Name}' is [{string.Join(", ", t.Shape)}], the model needs [{string.Join(", ", p.Shape)}]");
            if (t.DType == SafeTensorDType.I64) throw new UserInputException($"{path}: tensor '{prefix + p.Name}' holds integers, not weights");
            t.ToFloats().CopyTo(p.Value.Span);
        }
    }
}
