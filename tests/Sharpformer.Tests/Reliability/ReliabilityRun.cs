using Sharpformer.Tests.Pipeline;
using Sharpformer.Training;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// A tiny translation run trained once by the code under test (the <see cref="TinyRun"/> recipe, one
/// epoch), for tests that damage copies of its files. <see cref="CopyRun"/> gives each test its own copy.
/// </summary>
public sealed class ReliabilityRun : IDisposable
{
    public ReliabilityRun()
    {
        Tiny = new TinyRun(trainPairs: 200, validPairs: 20);
        Options = Tiny.Options(epochs: 1) with { AverageLast = 1, KeepCheckpoints = 1, Threads = 1 };
        Run = new RunDirectory(Tiny.RunDir("trained"));
        new Trainer(Run, Options).Run(resume: false);
        Sample = File.ReadAllLines(Tiny.File("val.de")).Take(6).ToArray();
        File.WriteAllLines(Tiny.File("sample.de"), Sample);
    }

    public TinyRun Tiny { get; }
    public TrainingOptions Options { get; }
    public RunDirectory Run { get; }

    /// <summary>Six validation sources, also in the file <c>sample.de</c>.</summary>
    public string[] Sample { get; }
    public string SamplePath => Tiny.File("sample.de");

    private int _copies;

    /// <summary>A fresh copy of the trained run folder (model, tokenizer, run.json, checkpoints).</summary>
    public string CopyRun()
    {
        string target = Tiny.RunDir($"copy-{Interlocked.Increment(ref _copies)}");
        CopyFolder(Run.Root, target);
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
