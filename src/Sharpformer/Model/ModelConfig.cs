using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sharpformer.Model;

/// <summary>
/// The config of one architecture: every size and option its model needs, and the name it goes by in
/// run.json and model files. <see cref="TransformerConfig"/> and <see cref="RnnConfig"/> are the two today.
/// In JSON a config is an object whose "architecture" names which one it is; an object without it is a
/// Transformer config (run.json files written before there was a second architecture).
/// </summary>
[JsonConverter(typeof(ModelConfigJsonConverter))]
public abstract record ModelConfig
{
    /// <summary>The architecture's name as stored in model files and run.json (e.g. "transformer", "rnn-attn-additive").</summary>
    [JsonIgnore]
    public abstract string Architecture { get; }

    /// <summary>Vocabulary size and special ids.</summary>
    [JsonIgnore]
    public abstract TokenSpec Tokens { get; }

    /// <summary>
    /// The width d in the Noam schedule's d^−½ (lr = factor · d^−½ · min(step^−½, step · warmup^−1.5)):
    /// d_model for the Transformer, the hidden size for the RNNs.
    /// </summary>
    [JsonIgnore]
    public abstract int ScheduleWidth { get; }

    /// <summary>The same config with the vocabulary and special ids of a tokenizer.</summary>
    public abstract ModelConfig WithTokens(TokenSpec tokens);

    /// <summary>Throws <see cref="UserInputException"/> naming the first inconsistent field; returns the config.</summary>
    public abstract ModelConfig Validate();

    /// <summary>Every inconsistent field (its property name) with a phrase saying what is wrong, in field order.</summary>
    public abstract IEnumerable<(string Field, string Problem)> Problems();

    /// <summary>What a model of this config holds and needs, computed from the config alone, so it is checked before anything is allocated.</summary>
    public abstract ModelSize Size();

    /// <summary>A new model of this config with every weight zero (<see cref="ITrainableModel.Initialize"/> draws them).</summary>
    public abstract ITrainableModel CreateModel();

    /// <summary>Every architecture name this version knows.</summary>
    public static IReadOnlyList<string> Architectures { get; } = [Transformer.ArchitectureName, .. RnnConfig.ArchitectureNames];

    /// <summary>The default config of <paramref name="architecture"/> (an RNN's sizes are those of its Multi30k preset).</summary>
    public static ModelConfig Default(string architecture) => architecture switch
    {
        Transformer.ArchitectureName => new TransformerConfig(),
        _ when RnnConfig.ArchitectureNames.Contains(architecture) => RnnConfig.For(architecture),
        _ => throw UnknownArchitecture(architecture),
    };

    /// <summary>The config of <paramref name="architecture"/> read from its JSON (as written by <see cref="ToJson"/> or in a model file).</summary>
    public static ModelConfig FromJson(string architecture, JsonElement json, JsonSerializerOptions options)
    {
        if (architecture == Transformer.ArchitectureName)
            return json.Deserialize<TransformerConfig>(options) ?? throw new JsonException("empty config");
        if (RnnConfig.ArchitectureNames.Contains(architecture))
            return (json.Deserialize<RnnConfig>(options) ?? throw new JsonException("empty config")) with { Attention = RnnConfig.AttentionOf(architecture) };
        throw UnknownArchitecture(architecture);
    }

    /// <summary>The architecture's own fields as JSON (without the architecture's name, which model files keep apart).</summary>
    public string ToJson(JsonSerializerOptions options) => JsonSerializer.Serialize(this, GetType(), options);

    internal static UserInputException UnknownArchitecture(string name) =>
        new($"unknown architecture '{name}' (this version knows: {string.Join(", ", Architectures)})");
}

/// <summary>
/// Reads and writes a <see cref="ModelConfig"/> as {"architecture": name, …the architecture's fields}; an
/// object without "architecture" is read as a Transformer config, so run.json files of earlier versions load.
/// </summary>
public sealed class ModelConfigJsonConverter : JsonConverter<ModelConfig>
{
    private const string ArchitectureProperty = "architecture";

    public override ModelConfig Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException($"a model config must be a JSON object, got {root.ValueKind}");
        string architecture = Transformer.ArchitectureName;
        if (root.TryGetProperty(ArchitectureProperty, out var name))
            architecture = name.ValueKind == JsonValueKind.String ? name.GetString()! : throw new JsonException("'architecture' must be a string");
        if (!Architectures().Contains(architecture)) throw new JsonException(ModelConfig.UnknownArchitecture(architecture).Message);
        try { return ModelConfig.FromJson(architecture, root, options); }
        catch (JsonException e) when (e.Path is { Length: > 1 })
        {
            // The inner reader's path starts at the config ("$.layers"), which alone would misname the field in run.json;
            // this exception names it within the config, and the serializer sets its Path to where the config sits ("$.model").
            string message = e.Message.Split(" Path: ")[0];
            throw new JsonException($"field '{e.Path.TrimStart('$', '.')}' of the {architecture} config: {message}", e);
        }
    }

    public override void Write(Utf8JsonWriter writer, ModelConfig value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString(ArchitectureProperty, value.Architecture);
        using (var fields = JsonSerializer.SerializeToDocument(value, value.GetType(), options))
            foreach (var property in fields.RootElement.EnumerateObject()) property.WriteTo(writer);
        writer.WriteEndObject();
    }

    private static IReadOnlyList<string> Architectures() => ModelConfig.Architectures;
}
