using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sharpformer.IO;

/// <summary>Element types this project reads and writes in safetensors files.</summary>
public enum SafeTensorDType { F32, F64, I64 }

/// <summary>One named array from a safetensors file, kept in its stored element type.</summary>
public sealed class SafeTensor
{
    public SafeTensor(string name, SafeTensorDType dtype, int[] shape, byte[] bytes)
    {
        Name = name; DType = dtype; Shape = shape; Bytes = bytes;
    }

    public string Name { get; }
    public SafeTensorDType DType { get; }
    public int[] Shape { get; }
    public byte[] Bytes { get; }
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    public static SafeTensor FromFloats(string name, ReadOnlySpan<float> values, params int[] shape) =>
        new(name, SafeTensorDType.F32, shape, MemoryMarshal.AsBytes(values).ToArray());

    public static SafeTensor FromDoubles(string name, ReadOnlySpan<double> values, params int[] shape) =>
        new(name, SafeTensorDType.F64, shape, MemoryMarshal.AsBytes(values).ToArray());

    public static SafeTensor FromLongs(string name, ReadOnlySpan<long> values, params int[] shape) =>
        new(name, SafeTensorDType.I64, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>The values as float32 (F64 is rounded, I64 converted).</summary>
    public float[] ToFloats() => DType switch
    {
        SafeTensorDType.F32 => MemoryMarshal.Cast<byte, float>(Bytes).ToArray(),
        SafeTensorDType.F64 => Array.ConvertAll(MemoryMarshal.Cast<byte, double>(Bytes).ToArray(), d => (float)d),
        _ => Array.ConvertAll(MemoryMarshal.Cast<byte, long>(Bytes).ToArray(), l => (float)l),
    };

    /// <summary>The values as float64 (exact for F32 and F64).</summary>
    public double[] ToDoubles() => DType switch
    {
        SafeTensorDType.F32 => Array.ConvertAll(MemoryMarshal.Cast<byte, float>(Bytes).ToArray(), f => (double)f),
        SafeTensorDType.F64 => MemoryMarshal.Cast<byte, double>(Bytes).ToArray(),
        _ => Array.ConvertAll(MemoryMarshal.Cast<byte, long>(Bytes).ToArray(), l => (double)l),
    };

    /// <summary>The values as int32 ids; only for I64 tensors.</summary>
    public int[] ToInts()
    {
        if (DType != SafeTensorDType.I64) throw new InvalidOperationException($"{Name} is {DType}, not I64.");
        return Array.ConvertAll(MemoryMarshal.Cast<byte, long>(Bytes).ToArray(), l => checked((int)l));
    }
}

/// <summary>
/// Reader and writer for the safetensors format: an 8-byte little-endian header length, a JSON
/// header mapping names to {dtype, shape, data_offsets} plus an optional "__metadata__" string
/// map, then the raw little-endian data.
/// </summary>
public static class SafeTensors
{
    public sealed record Contents(IReadOnlyDictionary<string, SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

    public static Contents Read(string path)
    {
        byte[] file;
        try { file = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new UserInputException($"{path}: file not found"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserInputException($"{path}: cannot be read ({e.Message})"); }
        return Parse(file, path);
    }

    public static Contents Parse(byte[] file, string path)
    {
        if (file.Length < 8) throw new UserInputException($"{path}: not a safetensors file (shorter than its 8-byte header length)");
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLen > (ulong)(file.Length - 8)) throw new UserInputException($"{path}: not a safetensors file (header length {headerLen} exceeds the file)");
        int dataStart = 8 + (int)headerLen;
        List<KeyValuePair<string, JsonNode?>> header;
        try
        {
            // listing the entries here makes a repeated name surface now, as an ArgumentException
            header = JsonNode.Parse(Encoding.UTF8.GetString(file, 8, (int)headerLen))!.AsObject().ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        { throw new UserInputException($"{path}: safetensors header is not a JSON object ({e.Message})"); }
        catch (ArgumentException e) { throw new UserInputException($"{path}: safetensors header names an entry twice ({e.Message})"); }

        var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is not JsonObject meta) throw new UserInputException($"{path}: safetensors __metadata__ is not an object");
                foreach (var (k, v) in meta)
                    metadata[k] = v is null ? "" : v is JsonValue value && value.TryGetValue(out string? text) ? text
                        : throw new UserInputException($"{path}: safetensors __metadata__ value '{k}' is not a string");
                continue;
            }
            try
            {
                var o = node!.AsObject();
                var dtype = ParseDType(o["dtype"]!.GetValue<string>());
                int[] shape = o["shape"]!.AsArray().Select(s => s!.GetValue<int>()).ToArray();
                if (shape.Any(d => d < 0)) throw new FormatException($"shape [{string.Join(", ", shape)}] has a negative dimension");
                var offsets = o["data_offsets"]!.AsArray();
                long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
                long expected = checked(shape.Aggregate(1L, (a, d) => checked(a * d)) * ElementSize(dtype));
                if (begin < 0 || end < begin || dataStart + end > file.Length || end - begin != expected)
                    throw new FormatException($"data_offsets [{begin}, {end}] do not fit shape and file");
                tensors[name] = new SafeTensor(name, dtype, shape, file.AsSpan(dataStart + (int)begin, (int)(end - begin)).ToArray());
            }
            catch (Exception e) when (e is not UserInputException)
            {
                throw new UserInputException($"{path}: tensor '{name}' has an invalid header entry ({e.Message})");
            }
        }
        return new Contents(tensors, metadata);
    }

    /// <summary>Writes atomically: to a temporary file next to the target, then renamed over it.</summary>
    public static void Write(string path, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        CheckWritable(list);
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var t in list)
        {
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.DType.ToString(),
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + t.Bytes.Length),
            };
            offset += t.Bytes.Length;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8; // keeps the data 8-byte aligned, as the format recommends
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(json.Length + pad));
            fs.Write(len);
            fs.Write(json);
            for (int i = 0; i < pad; i++) fs.WriteByte((byte)' ');
            foreach (var t in list) fs.Write(t.Bytes);
            fs.Flush(true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    // A file Read would reject (or a name silently overwritten in the header) must never be written.
    private static void CheckWritable(List<SafeTensor> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (t.Name == "__metadata__" || !names.Add(t.Name)) throw new ArgumentException($"Tensor name '{t.Name}' is reserved or used twice.");
            if (t.Shape.Any(d => d < 0)) throw new ArgumentException($"Tensor '{t.Name}' has a negative dimension.");
            if (t.Bytes.LongLength != t.Count * ElementSize(t.DType))
                throw new ArgumentException($"Tensor '{t.Name}' holds {t.Bytes.Length} bytes, its shape needs {t.Count * ElementSize(t.DType)}.");
        }
    }

    private static SafeTensorDType ParseDType(string s) => s switch
    {
        "F32" => SafeTensorDType.F32,
        "F64" => SafeTensorDType.F64,
        "I64" => SafeTensorDType.I64,
        _ => throw new FormatException($"unsupported dtype {s} (supported: F32, F64, I64)"),
    };

    private static int ElementSize(SafeTensorDType d) => d == SafeTensorDType.F32 ? 4 : 8;
}
