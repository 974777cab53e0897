using System.Text.Json;
using System.Text.Json.Serialization;
using Sharpformer.IO;

namespace Sharpformer.Model;

/// <summary>
/// Saves and loads a model as one safetensors file: every parameter as F32 under its PyTorch-style
/// name, and in the metadata the file format version, the architecture and its config as JSON, so the
/// file alone rebuilds the model. Files written before the format was versioned (no format key) are
/// format 1 and hold a Transformer; they load unchanged.
/// </summary>
public static class ModelFile
{
    public const string ConfigKey = "sharpformer.config";
    public const string FormatKey = "sharpformer.format";
    public const string ArchitectureKey = "sharpformer.architecture";

    /// <summary>The format this version writes: 2 added the format and architecture keys.</summary>
    public const int FormatVersion = 2;

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// Writes the model crash-safely, with an integrity hash over config and weights (<see cref="ModelIntegrity"/>).
    /// A NaN or an infinity in a weight is an error naming it, and nothing is written.
    /// </summary>
    public static void Save(ITrainableModel model, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        FiniteValues.Require(model.Parameters.Select(p => (p.Name, (ReadOnlyMemory<float>)p.Value.Data.AsMemory(0, p.Length))), path);
        string config = model.Config.ToJson(JsonOptions);      // hashed exactly as stored
        var meta = new Dictionary<string, string>
        {
            [FormatKey] = FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ArchitectureKey] = model.Architecture,
            [ConfigKey] = config,
        };
        if (extraMetadata != null) foreach (var (k, v) in extraMetadata) meta[k] = v;
        meta[ModelIntegrity.Key] = ModelIntegrity.Compute(model.Architecture, config, model.Parameters);
        SafeTensors.Write(path, model.Parameters.Select(p => SafeTensor.FromFloats(p.Name, p.Value.Span, p.Shape.ToArray())), meta);
    }

    /// <summary>Loads the model a file holds, whatever its architecture (the file's metadata names it).</summary>
    public static ITrainableModel Load(string path) => Load(ReadVerified(path), path);

    /// <summary>Loads a file that must hold a Transformer.</summary>
    public static Transformer LoadTransformer(string path)
    {
        var contents = ReadVerified(path);
        string architecture = ReadArchitecture(contents, path);
        if (architecture != Transformer.ArchitectureName)
            throw new UserInputException($"{path}: holds a '{architecture}' model, not a {Transformer.ArchitectureName}");
        return (Transformer)Load(contents, path);
    }

    // Architecture from the metadata → its config record → the model → strictly loaded weights.
    private static ITrainableModel Load(SafeTensors.Contents contents, string path)
    {
        string architecture = ReadArchitecture(contents, path);
        if (!ModelConfig.Architectures.Contains(architecture))
            throw new UserInputException($"{path}: {ModelConfig.UnknownArchitecture(architecture).Message}");
        if (!contents.Metadata.TryGetValue(ConfigKey, out var json))
            throw new UserInputException($"{path}: not a Sharpformer model (metadata lacks '{ConfigKey}')");
        ModelConfig config;
        try
        {
            using var doc = JsonDocument.Parse(json);
            config = ModelConfig.FromJson(architecture, doc.RootElement, JsonOptions);
        }
        catch (JsonException e) { throw new UserInputException($"{path}: invalid model config in metadata ({e.Message.ReplaceLineEndings(" ")})"); }
        try { config.Validate(); }
        catch (UserInputException e) { throw new UserInputException($"{path}: {e.Message}"); }
        CheckSizeBeforeAllocating(config, contents, path);
        ITrainableModel model;
        try { model = config.CreateModel(); }
        catch (UserInputException e) { throw new UserInputException($"{path}: {e.Message}"); }
        LoadWeights(model, contents, path);
        return model;
    }

    /// <summary>Reads a model file strictly: safetensors layout, finite weights, and its integrity hash when it has one.</summary>
    private static SafeTensors.Contents ReadVerified(string path)
    {
        var contents = SafeTensors.Read(path, requireFinite: true);
        ModelIntegrity.Verify(contents, path);
        return contents;
    }

    // The config alone decides what CreateModel allocates: refuse a config that needs more memory than the limit, or far
    // more weights than the file holds, before a single weight exists. (A config off by a tensor or two goes on to
    // LoadWeights, whose message names the tensors.)
    private static void CheckSizeBeforeAllocating(ModelConfig config, SafeTensors.Contents contents, string path)
    {
        var size = config.Size();
        size.CheckLoadable(MemoryLimit.Current, path);
        double described = size.Parameters, held = contents.Tensors.Values.Sum(t => (double)t.Count);
        if (described > 2 * held + 1e6)
            throw new UserInputException($"{path}: weights do not match the model config: the config ({size.Describe()}) "
                + $"describes {described:N0} weights, the file holds {held:N0}");
    }

    /// <summary>The architecture a file holds, checking its format version (format 1 files are Transformers).</summary>
    private static string ReadArchitecture(SafeTensors.Contents contents, string path)
    {
        var meta = contents.Metadata;
        if (!meta.TryGetValue(FormatKey, out var formatText))
        {
            if (!meta.ContainsKey(ConfigKey)) throw new UserInputException($"{path}: not a Sharpformer model (metadata lacks '{ConfigKey}')");
            return Transformer.ArchitectureName;   // format 1
        }
        if (!int.TryParse(formatText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int format) || format < 1)
            throw new UserInputException($"{path}: invalid '{FormatKey}' '{formatText}' (expected a positive whole number)");
        if (format > FormatVersion)
            throw new UserInputException($"{path}: written in model format {format} by a newer Sharpformer; this version reads formats 1–{FormatVersion}");
        if (!meta.TryGetValue(ArchitectureKey, out var architecture) || string.IsNullOrWhiteSpace(architecture))
            throw new UserInputException($"{path}: metadata lacks '{ArchitectureKey}'");
        return architecture;
    }

    /// <summary>
    /// Imports a PyTorch state dict saved as safetensors (F32 or F64) into a model of a known config.
    /// The names are nn.Transformer's: embed.weight, transformer.encoder.layers.{i}.self_attn.in_proj_weight
    /// ([W_Q; W_K; W_V] stacked by rows), …, linear1/linear2, norm1..3, and the final norms when pre-LN.
    /// </summary>
    public static Transformer ImportPyTorch(string path, TransformerConfig config, string prefix = "")
    {
        var model = new Transformer(config);
        LoadWeights(model, SafeTensors.Read(path, requireFinite: true), path, prefix);
        return model;
    }

    /// <summary>
    /// Copies every parameter of <paramref name="model"/> from the tensors named prefix + parameter name.
    /// Strict both ways: a missing tensor, a wrong shape, or a tensor under the prefix that the model does
    /// not have is an error naming all of them (a silently ignored weight would be a silent bug).
    /// </summary>
    public static void LoadWeights(ITrainableModel model, SafeTensors.Contents contents, string path, string prefix = "")
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
