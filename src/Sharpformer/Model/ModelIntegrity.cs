using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Sharpformer.IO;
using Sharpformer.Layers;

namespace Sharpformer.Model;

/// <summary>
/// A SHA-256 over a model file's architecture, config and tensors, recorded in its metadata when it is
/// saved and checked when it is loaded. Safetensors checks the layout, and a checkpoint's manifest its
/// bytes, but a model file travels alone: a config edited behind the weights' back (heads 2 → 4,
/// relu → gelu, another norm eps) keeps every shape, loads, and silently translates differently.
/// With the hash it is refused naming the file. Files saved before the hash existed have none and load
/// as before. The hash frames every field with its length, so no two different contents hash alike by
/// shifting bytes from one field into the next.
/// </summary>
public static class ModelIntegrity
{
    /// <summary>The metadata key: "sha256:" followed by 64 lowercase hex digits.</summary>
    public const string Key = "sharpformer.integrity";

    private const string Scheme = "sha256:";

    /// <summary>The hash of a model about to be saved (its F32 parameters, as the file will hold them).</summary>
    public static string Compute(string architecture, string configJson, IEnumerable<Parameter> parameters)
    {
        using var hash = Begin(architecture, configJson);
        foreach (var p in parameters.OrderBy(p => p.Name, StringComparer.Ordinal))
            AddTensor(hash, p.Name, SafeTensorDType.F32, p.Shape, MemoryMarshal.AsBytes(p.Value.Span));
        return Finish(hash);
    }

    /// <summary>
    /// Checks a loaded file against the hash in its metadata; a file without one passes (it predates the hash).
    /// Throws naming <paramref name="path"/> when the config or a tensor differs from what was saved.
    /// </summary>
    public static void Verify(SafeTensors.Contents contents, string path)
    {
        if (!contents.Metadata.TryGetValue(Key, out string? recorded)) return;
        if (!recorded.StartsWith(Scheme, StringComparison.Ordinal) || recorded.Length != Scheme.Length + 64)
            throw new UserInputException($"{path}: its integrity hash {SafeTensorsLayout.Quote(recorded.Length > 80 ? recorded[..80] + "…" : recorded)} is not '{Scheme}' and 64 hex digits");
        contents.Metadata.TryGetValue(ModelFile.ArchitectureKey, out string? architecture);
        contents.Metadata.TryGetValue(ModelFile.ConfigKey, out string? config);
        using var hash = Begin(architecture ?? Transformer.ArchitectureName, config ?? "");
        foreach (var t in contents.Tensors.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
            AddTensor(hash, t.Name, t.DType, t.Shape, t.Bytes);
        if (Finish(hash) != recorded)
            throw new UserInputException($"{path}: fails its integrity check: its config or weights were changed after it was saved "
                + "(an edited config would silently change the model); restore the file as saved");
    }

    private static IncrementalHash Begin(string architecture, string configJson)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AddText(hash, architecture);
        AddText(hash, configJson);
        return hash;
    }

    private static void AddTensor(IncrementalHash hash, string name, SafeTensorDType dtype, IReadOnlyList<int> shape, ReadOnlySpan<byte> bytes)
    {
        AddText(hash, name);
        AddText(hash, dtype.ToString());
        AddLong(hash, shape.Count);
        foreach (int d in shape) AddLong(hash, d);
        AddLong(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void AddText(IncrementalHash hash, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        AddLong(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void AddLong(IncrementalHash hash, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
        hash.AppendData(buffer);
    }

    private static string Finish(IncrementalHash hash) => Scheme + Convert.ToHexStringLower(hash.GetHashAndReset());
}
