using System.Runtime.InteropServices;

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
