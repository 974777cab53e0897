using System.Buffers.Binary;
using System.Text;

namespace Sharpformer.Tests.IO;

/// <summary>Builds safetensors files byte by byte, so a test can say exactly which rule of the format a file breaks.</summary>
internal static class SafeTensorsBytes
{
    /// <summary>The 8-byte little-endian header length, the header text as UTF-8, then <paramref name="data"/>.</summary>
    public static byte[] Assemble(string json, byte[] data) => Assemble(Encoding.UTF8.GetBytes(json), data);

    public static byte[] Assemble(byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>A header entry: "name":{"dtype":…,"shape":[…],"data_offsets":[begin,end]}.</summary>
    public static string Entry(string name, string dtype, string shape, string begin, string end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{shape}],\"data_offsets\":[{begin},{end}]}}";

    public static string Header(params string[] entries) => "{" + string.Join(",", entries) + "}";
}
