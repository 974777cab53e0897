using System.Text.Json.Nodes;
using Sharpformer.IO;
using Sharpformer.Model;

namespace Sharpformer.Tests.Reliability;

/// <summary>Ways to change a saved model file behind the weights' back, as a user with a text editor or a script could.</summary>
internal static class ModelFileEdits
{
    /// <summary>
    /// Rewrites <paramref name="path"/> with its config JSON changed by <paramref name="edit"/> (snake_case keys).
    /// With <paramref name="keepOtherMetadata"/> false, only the format, architecture and config keys survive,
    /// as in a file written before anything else was recorded.
    /// </summary>
    public static void EditConfig(string path, Action<JsonObject> edit, bool keepOtherMetadata = true)
    {
        var contents = SafeTensors.Read(path);
        var config = JsonNode.Parse(contents.Metadata[ModelFile.ConfigKey])!.AsObject();
        edit(config);
        var meta = contents.Metadata
            .Where(kv => keepOtherMetadata || kv.Key is ModelFile.FormatKey or ModelFile.ArchitectureKey or ModelFile.ConfigKey)
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        meta[ModelFile.ConfigKey] = config.ToJsonString();
        SafeTensors.Write(path, contents.Tensors.Values, meta);
    }

    /// <summary>Rewrites the file with one weight changed (the file stays valid safetensors).</summary>
    public static void EditWeight(string path, string tensor, int index, float value)
    {
        var contents = SafeTensors.Read(path);
        var tensors = contents.Tensors.Values.Select(t =>
        {
            if (t.Name != tensor) return t;
            var values = t.ToFloats();
            values[index] = value;
            return SafeTensor.FromFloats(t.Name, values, t.Shape);
        }).ToList();
        SafeTensors.Write(path, tensors, contents.Metadata);
    }

    /// <summary>Keeps only the format, architecture and config keys (a file saved before any other key existed).</summary>
    public static void StripExtraMetadata(string path) => EditConfig(path, _ => { }, keepOtherMetadata: false);
}
