using System.Collections;
using System.Reflection;
using Sharpformer.Layers;

namespace Sharpformer.Model;

/// <summary>
/// What a network (or any layer) holds besides weights: every activation, cache and scratch buffer reachable from
/// it, found by walking its fields, with the path that leads to each (e.g. "Decoder.Layers[0].CrossAttention.Weights"),
/// so a measurement can total them or pick out one kind (attention weights, recurrent states). Parameters and their
/// gradients are not counted: they belong to the model. A buffer reached by several paths is counted once, under
/// the one through the fewest private fields (the owner's public name rather than a layer's cached reference). Bytes are the buffers' capacity, which is what the process holds after the largest batch so far.
/// </summary>
public static class ActivationBuffers
{
    /// <summary>One buffer: the field path to it and the bytes it holds.</summary>
    public readonly record struct Buffer(string Path, long Bytes);

    /// <summary>Every buffer reachable from <paramref name="root"/>, in the order of its fields.</summary>
    public static IReadOnlyList<Buffer> Measure(object root)
    {
        var found = new Dictionary<object, (string Path, int Hidden, long Bytes, int Order)>(ReferenceEqualityComparer.Instance);
        Walk(root, "", 0, found, new HashSet<object>(ReferenceEqualityComparer.Instance), depth: 0);
        return found.Values.OrderBy(b => b.Order).Select(b => new Buffer(b.Path, b.Bytes)).ToList();
    }

    /// <summary>The bytes of every buffer reachable from <paramref name="root"/>.</summary>
    public static long TotalBytes(object root) => Measure(root).Sum(b => b.Bytes);

    // hidden: how many private fields the path goes through. A buffer reached by several paths (a layer's cached
    // reference to its input is the previous layer's output) is named by the path with the fewest, then the shortest.
    private static void Walk(object? value, string path, int hidden, Dictionary<object, (string Path, int Hidden, long Bytes, int Order)> found,
        HashSet<object> seen, int depth)
    {
        if (value == null || depth > 32 || value is Parameter or Delegate or string || value.GetType().IsValueType) return;
        long bytes = value switch
        {
            Tensor t => (long)t.Data.Length * sizeof(float),
            Array a when a.GetType().GetElementType() is { IsPrimitive: true } element => (long)a.Length * System.Runtime.InteropServices.Marshal.SizeOf(element),
            _ => -1,
        };
        if (bytes >= 0)
        {
            if (!found.TryGetValue(value, out var known)) found[value] = (path, hidden, bytes, found.Count);
            else if (hidden < known.Hidden || hidden == known.Hidden && path.Length < known.Path.Length) found[value] = known with { Path = path, Hidden = hidden };
            return;
        }
        if (!seen.Add(value)) return;
        if (value is IEnumerable items && (value is Array || value.GetType().Namespace?.StartsWith("System.Collections", StringComparison.Ordinal) == true))
        {
            int i = 0;
            foreach (var item in items) Walk(item, $"{path}[{i++}]", hidden, found, seen, depth + 1);
            return;
        }
        var type = value.GetType();
        if (type.Namespace?.StartsWith("Sharpformer", StringComparison.Ordinal) != true) return;
        for (var t = type; t != null && t != typeof(object); t = t.BaseType)
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                bool property = field.Name.StartsWith('<');
                Walk(field.GetValue(value), Join(path, Name(field)), hidden + (property ? 0 : 1), found, seen, depth + 1);
            }
    }

    // "<Output>k__BackingField" → "Output"; "_memory" → "memory"
    private static string Name(FieldInfo field)
    {
        string name = field.Name;
        if (name.StartsWith('<')) return name[1..name.IndexOf('>')];
        return name.TrimStart('_');
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
