using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

/// <summary>The lines a tokenizer does not give back exactly, or encodes with a special id (pad, bos, eos, unk).</summary>
internal static class RoundTrip
{
    public static List<string> Failures(SubwordTokenizer tokenizer, IEnumerable<string> lines)
    {
        var failures = new List<string>();
        foreach (string line in lines)
        {
            int[] ids = tokenizer.Encode(line);
            string back = tokenizer.Decode(ids);
            if (back != line || ids.Any(id => id < 4)) failures.Add($"[{line}] -> [{back}]");
        }
        return failures;
    }
}
