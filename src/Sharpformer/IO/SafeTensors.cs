using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;

namespace Sharpformer.IO;

/// <summary>
/// Reader and writer for the safetensors format: an 8-byte little-endian header length, a JSON
/// header mapping names to {dtype, shape, data_offsets} plus an optional "__metadata__" string
/// map, then the raw little-endian data. Reading is strict (<see cref="SafeTensorsLayout"/>) and
/// bounded: the file must be a regular file, and nothing is allocated before the header has been
/// checked against the file's length. Writing is crash-safe (<see cref="DurableFile"/>).
/// </summary>
public static class SafeTensors
{
    public sealed record Contents(IReadOnlyDictionary<string, SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

    /// <summary>
    /// Reads a whole file. With <paramref name="requireFinite"/>, a NaN or infinity in an F32 or F64 tensor is
    /// an error naming the tensor (weights and optimizer moments are never legitimately non-finite).
    /// </summary>
    /// <exception cref="UserInputException">The file is missing, not a regular file, or breaks the format; the message names it.</exception>
    public static Contents Read(string path, bool requireFinite = false)
    {
        var (kind, length) = NativeFile.Inspect(path);
        switch (kind)
        {
            case NativeFile.Kind.Missing: throw new UserInputException($"{path}: file not found");
            case NativeFile.Kind.Directory: throw new UserInputException($"{path}: is a folder, not a safetensors file");
            case NativeFile.Kind.Other: throw new UserInputException($"{path}: not a regular file (a device, FIFO or socket); refusing to read it");
        }
        if (length < 8) throw SafeTensorsLayout.Bad(path, $"{length} bytes, shorter than its 8-byte header length");
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            if (RandomAccess.GetLength(handle) != length) throw new UserInputException($"{path}: changed while being read");
            int headerLength = SafeTensorsLayout.HeaderLength(ReadAt(handle, 0, 8, path), length, path);
            long dataStart = 8 + headerLength;
            var (entries, metadata) = SafeTensorsLayout.Parse(ReadAt(handle, 8, headerLength, path), length - dataStart, path);
            var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
            foreach (var e in entries) tensors[e.Name] = new SafeTensor(e.Name, e.DType, e.Shape, ReadAt(handle, dataStart + e.Begin, e.ByteCount, path));
            var contents = new Contents(tensors, metadata);
            if (requireFinite) CheckFinite(contents, path);
            return contents;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new UserInputException($"{path}: file not found"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserInputException($"{path}: cannot be read ({e.Message.ReplaceLineEndings(" ")})"); }
    }

    /// <summary>Parses a file already in memory, with the same checks as <see cref="Read"/>.</summary>
    public static Contents Parse(byte[] file, string path)
    {
        if (file.Length < 8) throw SafeTensorsLayout.Bad(path, $"{file.Length} bytes, shorter than its 8-byte header length");
        int headerLength = SafeTensorsLayout.HeaderLength(file, file.Length, path);
        int dataStart = 8 + headerLength;
        var (entries, metadata) = SafeTensorsLayout.Parse(file[8..dataStart], file.Length - dataStart, path);
        var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        foreach (var e in entries) tensors[e.Name] = new SafeTensor(e.Name, e.DType, e.Shape, file.AsSpan(dataStart + (int)e.Begin, e.ByteCount).ToArray());
        return new Contents(tensors, metadata);
    }

    /// <summary>Throws naming the first F32/F64 tensor (in header order) that holds a NaN or an infinity, and where.</summary>
    public static void CheckFinite(Contents contents, string path)
    {
        foreach (var t in contents.Tensors.Values)
        {
            int bad = t.DType switch
            {
                SafeTensorDType.F32 => IndexOfNonFinite(MemoryMarshal.Cast<byte, float>(t.Bytes)),
                SafeTensorDType.F64 => IndexOfNonFinite(MemoryMarshal.Cast<byte, double>(t.Bytes)),
                _ => -1,
            };
            if (bad < 0) continue;
            double value = t.DType == SafeTensorDType.F32 ? MemoryMarshal.Cast<byte, float>(t.Bytes)[bad] : MemoryMarshal.Cast<byte, double>(t.Bytes)[bad];
            throw new UserInputException($"{path}: tensor {SafeTensorsLayout.Quote(t.Name)} holds {(double.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity")} at index {bad}");
        }
    }

    /// <summary>
    /// Writes crash-safely: to a temporary file next to the target, fsynced, renamed over it, and the folder
    /// fsynced, so the target holds the old or the new file after any crash. Refuses (ArgumentException, before
    /// touching the disk) tensors that <see cref="Read"/> would reject.
    /// </summary>
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
        if (json.Length + pad > SafeTensorsLayout.MaxHeaderBytes) throw new ArgumentException($"The header of {path} would exceed the format's 100 MB limit.");
        DurableFile.Write(path, fs =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(json.Length + pad));
            fs.Write(len);
            fs.Write(json);
            for (int i = 0; i < pad; i++) fs.WriteByte((byte)' ');
            foreach (var t in list) fs.Write(t.Bytes);
        });
    }

    // A file Read would reject (or a name silently overwritten in the header) must never be written.
    private static void CheckWritable(List<SafeTensor> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (t.Name == "__metadata__" || !names.Add(t.Name)) throw new ArgumentException($"Tensor name '{t.Name}' is reserved or used twice.");
            if (t.Shape.Any(d => d < 0)) throw new ArgumentException($"Tensor '{t.Name}' has a negative dimension.");
            if (t.Bytes.LongLength != t.Count * SafeTensorsLayout.ElementSize(t.DType))
                throw new ArgumentException($"Tensor '{t.Name}' holds {t.Bytes.Length} bytes, its shape needs {t.Count * SafeTensorsLayout.ElementSize(t.DType)}.");
        }
    }

    // Reads exactly count bytes at offset; the length was checked against the file, so a short read means it shrank meanwhile.
    private static byte[] ReadAt(SafeFileHandle handle, long offset, int count, string path)
    {
        var buffer = new byte[count];
        for (int done = 0; done < count;)
        {
            int n = RandomAccess.Read(handle, buffer.AsSpan(done), offset + done);
            if (n == 0) throw new UserInputException($"{path}: ended early while being read (truncated meanwhile?)");
            done += n;
        }
        return buffer;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++) if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<double> values)
    {
        for (int i = 0; i < values.Length; i++) if (!double.IsFinite(values[i])) return i;
        return -1;
    }
}
