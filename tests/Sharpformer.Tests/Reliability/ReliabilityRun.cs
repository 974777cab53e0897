using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Tests.Pipeline;
using Sharpformer.Training;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// Tiny translation runs trained once by the code under test (the <see cref="TinyRun"/> recipe, one epoch): a
/// Transformer, and an RNN encoder–decoder with additive attention over a bidirectional GRU encoder, for tests
/// that damage copies of their files. <see cref="CopyRun"/> and <see cref="CopyRnnRun"/> give each test its own copy.
/// </summary>
public sealed class ReliabilityRun : IDisposable
{
    public ReliabilityRun()
    {
        Tiny = new TinyRun(trainPairs: 200, validPairs: 20);
        Options = Tiny.Options(epochs: 1) with { AverageLast = 1, KeepCheckpoints = 1, Threads = 1 };
        Run = new RunDirectory(Tiny.RunDir("trained"));
        new Trainer(Run, Options).Run(resume: false);
        RnnRun = new RunDirectory(Tiny.RunDir("trained-rnn"));
        new Trainer(RnnRun, Options with
        {
            Model = RnnConfig.For(RnnConfig.AdditiveName) with { Cell = RecurrentCellKind.Gru, EmbeddingSize = 16, HiddenSize = 16, Dropout = 0.1f },
        }).Run(resume: false);
        Sample = File.ReadAllLines(Tiny.File("val.de")).Take(6).ToArray();
        File.WriteAllLines(Tiny.File("sample.de"), Sample);
    }

    public TinyRun Tiny { get; }
    public TrainingOptions Options { get; }
    public RunDirectory Run { get; }

    /// <summary>The same recipe trained as rnn-attn-additive (E = H = 16, bidirectional GRU encoder).</summary>
    public RunDirectory RnnRun { get; }

    /// <summary>Six validation sources, also in the file <c>sample.de</c>.</summary>
    public string[] Sample { get; }
    public string SamplePath => Tiny.File("sample.de");

    private int _copies;

    /// <summary>A fresh copy of the trained run folder (model, tokenizer, run.json, checkpoints).</summary>
    public string CopyRun() => Copy(Run);

    /// <summary>A fresh copy of the trained RNN run folder.</summary>
    public string CopyRnnRun() => Copy(RnnRun);

    /// <summary>A fresh copy of the run of <paramref name="architecture"/>: "transformer" or the RNN run's rnn-attn-additive.</summary>
    public string CopyRun(string architecture) => architecture switch
    {
        Transformer.ArchitectureName => CopyRun(),
        RnnConfig.AdditiveName => CopyRnnRun(),
        _ => throw new ArgumentException($"No {architecture} run is trained here.", nameof(architecture)),
    };

    private string Copy(RunDirectory run)
    {
        string target = Tiny.RunDir($"copy-{Interlocked.Increment(ref _copies)}");
        CopyFolder(run.Root, target);
        return target;
    }

    public static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string dir in Directory.GetDirectories(from)) CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    public void Dispose() => Tiny.Dispose();
}
