using Sharpformer.Model;
using Sharpformer.Tests.Text;
using Sharpformer.Training;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// A run folder holding real checkpoints of a tiny model, each recognisable by its step (the Adam
/// step and the training state's step both equal it), plus ways to damage them.
/// </summary>
internal sealed class CheckpointRun : IDisposable
{
    private readonly TempDir _dir = new();

    public CheckpointRun()
    {
        Run = new RunDirectory(System.IO.Path.Combine(_dir.Path, "run"));
        Model = new Transformer(new TransformerConfig { VocabSize = 11, DModel = 8, Heads = 2, DFf = 8, EncoderLayers = 1, DecoderLayers = 1 });
        Optimizer = new Adam(Model.Parameters);
    }

    public RunDirectory Run { get; }
    public Transformer Model { get; }
    public Adam Optimizer { get; }
    public string Root => _dir.Path;

    /// <summary>Saves a checkpoint for <paramref name="step"/> the way the trainer does, and returns its folder.</summary>
    public string Save(long step, bool resumeOnly = false, bool setLatest = true)
    {
        string dir = Run.CheckpointPath(step, resumeOnly);
        Optimizer.Step = step;
        foreach (var m in Optimizer.FirstMoments) Array.Fill(m, step);
        Checkpoint.Save(dir, Model, Optimizer, new TrainingState { Step = step, ElapsedSeconds = step });
        if (setLatest) Run.SetLatest(dir);
        return dir;
    }

    /// <summary>Loads a checkpoint into fresh objects and returns the Adam step it held.</summary>
    public long Load(string dir)
    {
        var model = new Transformer(Model.Config);
        var optimizer = new Adam(model.Parameters);
        var state = Checkpoint.Load(dir, model, optimizer);
        Assert.Equal(state.Step, optimizer.Step);
        return optimizer.Step;
    }

    /// <summary>Run options that differ only in their epoch count (the data files are never read here).</summary>
    public static TrainingOptions Options(int epochs) => new() { TrainSource = "train.de", ValidSource = "val.de", Epochs = epochs };

    public string LatestPointer => System.IO.Path.Combine(Run.CheckpointsDir, "latest");

    /// <summary>Flips one bit in the middle of a file: it still parses, only a checksum can tell.</summary>
    public static void FlipByte(string file)
    {
        byte[] bytes = File.ReadAllBytes(file);
        bytes[bytes.Length - 5] ^= 0x10;
        File.WriteAllBytes(file, bytes);
    }

    public void Dispose() => _dir.Dispose();
}
