using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Tests.Pipeline;

/// <summary>A temporary folder with a few hundred Multi30k pairs and a tiny, fast training recipe.</summary>
public sealed class TinyRun : IDisposable
{
    public TinyRun(int trainPairs = 300, int validPairs = 40)
    {
        Root = Path.Combine(Path.GetTempPath(), "sharpformer-test-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
        string m = Path.Combine(TestPaths.DataDir, "multi30k");
        Copy(Path.Combine(m, "train.de"), "train.de", trainPairs);
        Copy(Path.Combine(m, "train.en"), "train.en", trainPairs);
        Copy(Path.Combine(m, "val.de"), "val.de", validPairs);
        Copy(Path.Combine(m, "val.en"), "val.en", validPairs);
    }

    public string Root { get; }
    public string File(string name) => Path.Combine(Root, name);
    public string RunDir(string name = "run") => Path.Combine(Root, name);

    public TrainingOptions Options(int epochs = 2) => new()
    {
        TrainSource = File("train.de"), TrainTarget = File("train.en"),
        ValidSource = File("val.de"), ValidTarget = File("val.en"),
        TestSource = File("val.de"), TestTarget = File("val.en"),
        VocabSize = 400,
        Model = new TransformerConfig { DModel = 16, Heads = 2, DFf = 32, EncoderLayers = 1, DecoderLayers = 1, Dropout = 0.1f },
        Optimizer = new OptimizerSettings { Warmup = 20, LrFactor = 1.0 },
        BatchTokens = 400, Epochs = epochs, AverageLast = 2, KeepCheckpoints = 3, LogEvery = 5, Seed = 5, Threads = 2,
    };

    private void Copy(string from, string to, int lines) =>
        System.IO.File.WriteAllLines(File(to), System.IO.File.ReadLines(from).Take(lines));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
