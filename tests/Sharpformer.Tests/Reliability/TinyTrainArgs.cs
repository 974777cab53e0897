using Sharpformer.Tests.Pipeline;

namespace Sharpformer.Tests.Reliability;

/// <summary>The command line of `sharpformer train` for the tiny recipe on a <see cref="TinyRun"/>'s files (seconds to train).</summary>
internal static class TinyTrainArgs
{
    /// <summary>The recipe into <paramref name="output"/>, with flags replaced or added by <paramref name="overrides"/> (flag, value pairs; a null value drops the flag, "" makes it a switch).</summary>
    public static string[] For(TinyRun tiny, string output, params string?[] overrides)
    {
        var flags = new Dictionary<string, string?>
        {
            ["--out"] = output, ["--train-src"] = tiny.File("train.de"), ["--train-tgt"] = tiny.File("train.en"),
            ["--valid-src"] = tiny.File("val.de"), ["--valid-tgt"] = tiny.File("val.en"),
            ["--test-src"] = tiny.File("val.de"), ["--test-tgt"] = tiny.File("val.en"), ["--test-beam"] = "1",
            ["--vocab-size"] = "400", ["--d-model"] = "16", ["--heads"] = "2", ["--d-ff"] = "32", ["--enc-layers"] = "1", ["--dec-layers"] = "1",
            ["--epochs"] = "1", ["--batch-tokens"] = "300", ["--warmup"] = "10", ["--average-last"] = "1", ["--max-minutes"] = "0", ["--threads"] = "1",
        };
        for (int i = 0; i < overrides.Length; i += 2) flags[overrides[i]!] = overrides[i + 1];
        return ["train", .. flags.Where(f => f.Value != null).SelectMany(f => f.Value == "" ? new[] { f.Key } : new[] { f.Key, f.Value! })];
    }

    /// <summary>The same recipe with an RNN encoder–decoder of <paramref name="architecture"/> (GRU, E = H = 16, one layer) instead of the Transformer.</summary>
    public static string[] ForRnn(TinyRun tiny, string output, string architecture, params string?[] overrides) => For(tiny, output,
    [
        "--d-model", null, "--heads", null, "--d-ff", null, "--enc-layers", null, "--dec-layers", null,
        "--arch", architecture, "--cell", "gru", "--embedding-size", "16", "--hidden", "16", "--layers", "1", "--dropout", "0.1", "--lr-factor", "2",
        .. overrides,
    ]);
}
