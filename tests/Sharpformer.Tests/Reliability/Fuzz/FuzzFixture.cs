using System.Buffers.Binary;
using System.Text;

namespace Sharpformer.Tests.Reliability.Fuzz;

/// <summary>
/// The trained run the fuzz cases damage copies of, the correct results they are judged against (computed
/// once from the undamaged run), and the case lists, each built from fixed seeds.
/// </summary>
public sealed class FuzzFixture : IDisposable
{
    public FuzzFixture()
    {
        Run = new ReliabilityRun();
        string pristine = Run.CopyRun();
        var translated = InProcessCli.Run(null, TranslateArgs(pristine, Run.SamplePath));
        Assert.True(translated.Exit == 0, translated.ToString());
        Reference = translated.Out;
        var averaged = InProcessCli.Run(null, AverageArgs(pristine));
        Assert.True(averaged.Exit == 0, averaged.ToString());
        ReferenceAverage = File.ReadAllBytes(Path.Combine(pristine, "averaged", "model.safetensors"));
        Checkpoint = Path.GetFileName(Directory.GetDirectories(Path.Combine(pristine, "checkpoints")).Single());
        RefPath = Run.Tiny.File("sample.en");
        File.WriteAllLines(RefPath, File.ReadLines(Run.Tiny.File("val.en")).Take(Run.Sample.Length));
        Directory.Delete(pristine, recursive: true);

        string rnn = Run.CopyRnnRun();
        var rnnTranslated = InProcessCli.Run(null, TranslateArgs(rnn, Run.SamplePath));
        Assert.True(rnnTranslated.Exit == 0, rnnTranslated.ToString());
        RnnReference = rnnTranslated.Out;
        RnnCheckpoint = Path.GetFileName(Directory.GetDirectories(Path.Combine(rnn, "checkpoints")).Single());
        Directory.Delete(rnn, recursive: true);
    }

    public ReliabilityRun Run { get; }

    /// <summary>What `translate` prints for the sample from the undamaged run.</summary>
    public string Reference { get; }

    /// <summary>What `translate` prints for the sample from the undamaged RNN run.</summary>
    public string RnnReference { get; }

    /// <summary>The RNN run's one checkpoint folder name.</summary>
    public string RnnCheckpoint { get; }

    /// <summary>The model `average --last 1` writes from the undamaged run.</summary>
    public byte[] ReferenceAverage { get; }

    /// <summary>The run's one checkpoint folder name (step-…).</summary>
    public string Checkpoint { get; }

    /// <summary>References for the sample (for evaluate and bleu).</summary>
    public string RefPath { get; }

    public void Dispose() => Run.Dispose();

    private static string[] TranslateArgs(string run, string input) => ["translate", "--model", run, "--input", input, "--beam", "1", "--alpha", "0.6"];

    private static string[] AverageArgs(string run) => ["average", "--model", run, "--out", Path.Combine(run, "averaged"), "--last", "1"];

    private string? SameTranslation(string _, InProcessCli.Result r) => r.Out == Reference ? null : "exit 0 but a translation differs from the undamaged run's";

    private string? SameRnnTranslation(string _, InProcessCli.Result r) => r.Out == RnnReference ? null : "exit 0 but a translation differs from the undamaged RNN run's";

    private static long Length(string path) => new FileInfo(path).Length;

    // Without a final or best model, translate reads the newest intact checkpoint.
    private static void OnlyCheckpoints(string run)
    {
        File.Delete(Path.Combine(run, "model.safetensors"));
        File.Delete(Path.Combine(run, "best.safetensors"));
    }

    private static int HeaderEnd(string path)
    {
        using var f = File.OpenRead(path);
        var b = new byte[8];
        f.ReadExactly(b);
        return 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    /// <summary>Cases translating the sample with <paramref name="relative"/> (a file of the run, or of the RNN run) damaged.</summary>
    private IEnumerable<FuzzCase> Translating(string target, string relative, IEnumerable<Mutation> mutations, Func<string, string>? mention = null,
        Action<string>? before = null, bool rnn = false) =>
        mutations.Select(m => new FuzzCase
        {
            Target = target, Mutation = m, OnRnnRun = rnn,
            Prepare = run => { before?.Invoke(run); m.Apply(Path.Combine(run, relative)); },
            Args = run => TranslateArgs(run, Run.SamplePath),
            Correct = rnn ? SameRnnTranslation : SameTranslation,
            Mention = mention ?? (run => Path.Combine(run, relative)),
        });

    internal IEnumerable<FuzzCase> ModelFileCases()
    {
        string model = Path.Combine(Run.Run.Root, "model.safetensors");
        long length = Length(model);
        int header = HeaderEnd(model);
        var onModel = Mutations.Truncations(20, 101, length)
            .Concat(Mutations.BitFlips(40, 102, 0, length))
            .Concat(Mutations.BitFlips(20, 103, 0, header))
            .Concat(Mutations.BitFlips(10, 104, 0, length, bits: 8))
            .Concat(Mutations.Appends(5, 105))
            .Concat(Mutations.SafetensorsHeaderLies(25, 106))
            .Concat(Mutations.WrongKinds());
        var onBest = Mutations.Truncations(8, 111, length)
            .Concat(Mutations.BitFlips(12, 112, 0, length))
            .Concat(Mutations.SafetensorsHeaderLies(5, 113).Take(8))
            .Concat(Mutations.WrongKinds());
        return Translating("model.safetensors", "model.safetensors", onModel)
            .Concat(Translating("best.safetensors (no final model)", "best.safetensors", onBest, before: run => File.Delete(Path.Combine(run, "model.safetensors"))));
    }

    /// <summary>
    /// The RNN run's model file, run.json and checkpoint: the same kinds of damage, and config values an RNN has (hidden
    /// size, layers, cell, attention size) set to extremes, with the integrity hash kept (it must catch them) or dropped
    /// (the config checks and the size check before allocation must).
    /// </summary>
    internal IEnumerable<FuzzCase> RnnCases()
    {
        string model = Path.Combine(Run.RnnRun.Root, "model.safetensors");
        long length = Length(model), options = Length(Path.Combine(Run.RnnRun.Root, "run.json"));
        int header = HeaderEnd(model);
        var onModel = Mutations.Truncations(10, 601, length)
            .Concat(Mutations.BitFlips(30, 602, 0, length))
            .Concat(Mutations.BitFlips(15, 603, 0, header))
            .Concat(Mutations.BitFlips(6, 604, 0, length, bits: 8))
            .Concat(Mutations.SafetensorsHeaderLies(15, 605))
            .Concat(Mutations.RnnConfigEdits(withHash: true))
            .Concat(Mutations.RnnConfigEdits(withHash: false))
            .Concat(Mutations.WrongKinds().Take(4));
        string checkpoint = Path.Combine("checkpoints", RnnCheckpoint);
        long checkpointModel = Length(Path.Combine(Run.RnnRun.Root, checkpoint, "model.safetensors"));
        return Translating("rnn model.safetensors", "model.safetensors", onModel, rnn: true)
            .Concat(Translating("rnn run.json", "run.json",
                Mutations.Truncations(4, 611, options).Concat(Mutations.BitFlips(10, 612, 0, options)).Concat(Mutations.JsonEdits(25, 613)), rnn: true))
            .Concat(Translating("rnn checkpoint model", Path.Combine(checkpoint, "model.safetensors"),
                Mutations.BitFlips(10, 621, 0, checkpointModel).Concat(Mutations.Truncations(3, 622, checkpointModel)), _ => RnnCheckpoint, OnlyCheckpoints, rnn: true));
    }

    internal IEnumerable<FuzzCase> TokenizerCases()
    {
        string dir = Path.Combine(Run.Run.Root, "tokenizer");
        long model = Length(Path.Combine(dir, "sentencepiece.model")), sums = Length(Path.Combine(dir, "checksums.sha256"));
        Func<string, string> tokenizerDir = run => Path.Combine(run, "tokenizer");
        return Translating("tokenizer model", "tokenizer/sentencepiece.model",
                Mutations.Truncations(15, 201, model).Concat(Mutations.BitFlips(40, 202, 0, model)).Concat(Mutations.BitFlips(10, 203, 0, model, bits: 8))
                    .Concat(Mutations.Appends(5, 204)).Concat(Mutations.WrongKinds()))
            .Concat(Translating("tokenizer checksum", "tokenizer/checksums.sha256",
                Mutations.Truncations(5, 211, sums).Concat(Mutations.BitFlips(10, 212, 0, sums)).Concat(Mutations.WrongKinds()), tokenizerDir))
            .Concat(Translating("tokenizer folder", "tokenizer", Mutations.WrongFolderKinds(), tokenizerDir))
            .Concat(Translating("tokenizer vocab listing (informational)", "tokenizer/sentencepiece.vocab", Mutations.BitFlips(5, 221, 0, 100).Concat(Mutations.WrongKinds().Take(3))));
    }

    internal IEnumerable<FuzzCase> RunOptionsCases()
    {
        long length = Length(Path.Combine(Run.Run.Root, "run.json"));
        return Translating("run.json", "run.json",
            Mutations.Truncations(10, 301, length).Concat(Mutations.BitFlips(30, 302, 0, length)).Concat(Mutations.JsonEdits(40, 303))
                .Concat(Mutations.Appends(3, 304)).Concat(Mutations.WrongKinds()));
    }

    internal IEnumerable<FuzzCase> CheckpointCases()
    {
        string checkpoint = Path.Combine("checkpoints", Checkpoint);
        string Rel(string file) => Path.Combine(checkpoint, file);
        long Len(string file) => Length(Path.Combine(Run.Run.Root, checkpoint, file));
        Func<string, string> named = _ => Checkpoint;
        var latest = new[]
        {
            new Mutation("latest holds an absolute path", p => File.WriteAllText(p, "/etc")),
            new Mutation("latest leaves the run", p => File.WriteAllText(p, "../../../tmp")),
            new Mutation("latest names a missing step", p => File.WriteAllText(p, "step-99999999")),
            new Mutation("latest holds garbage", p => File.WriteAllBytes(p, [0xFF, 0x00, 0x0A, 0x41])),
        };
        var translating = Translating("checkpoint model", Rel("model.safetensors"),
                Mutations.BitFlips(15, 401, 0, Len("model.safetensors")).Concat(Mutations.Truncations(6, 402, Len("model.safetensors"))).Concat(Mutations.WrongKinds()), named, OnlyCheckpoints)
            .Concat(Translating("checkpoint optimizer", Rel("optimizer.safetensors"), Mutations.BitFlips(6, 411, 0, Len("optimizer.safetensors")).Concat(Mutations.WrongKinds()), named, OnlyCheckpoints))
            .Concat(Translating("checkpoint state", Rel("state.json"),
                Mutations.BitFlips(6, 421, 0, Len("state.json")).Concat(Mutations.JsonEdits(6, 422)).Concat(Mutations.WrongKinds()), named, OnlyCheckpoints))
            .Concat(Translating("checkpoint manifest", Rel("checksums.sha256"),
                Mutations.BitFlips(6, 431, 0, Len("checksums.sha256")).Concat(Mutations.Truncations(4, 432, Len("checksums.sha256"))).Concat(Mutations.WrongKinds()), named, OnlyCheckpoints))
            .Concat(Translating("latest pointer", "checkpoints/latest",
                Mutations.Truncations(2, 441, Len("../latest")).Concat(Mutations.BitFlips(6, 442, 0, Len("../latest"))).Concat(Mutations.WrongKinds()).Concat(latest), named, OnlyCheckpoints))
            .Concat(Translating("checkpoints folder", "checkpoints", Mutations.WrongFolderKinds(), run => Path.Combine(run, "checkpoints"), OnlyCheckpoints));
        var averaging = Mutations.BitFlips(8, 451, 0, Len("model.safetensors")).Select(m => (Rel("model.safetensors"), m))
            .Concat(Mutations.BitFlips(4, 452, 0, Len("state.json")).Concat(Mutations.WrongKinds()).Select(m => (Rel("state.json"), m)))
            .Select(x => new FuzzCase
            {
                Target = "averaging " + Path.GetFileName(x.Item1), Mutation = x.m,
                Prepare = run => x.m.Apply(Path.Combine(run, x.Item1)),
                Args = AverageArgs,
                Correct = (run, _) => File.ReadAllBytes(Path.Combine(run, "averaged", "model.safetensors")).AsSpan().SequenceEqual(ReferenceAverage)
                    ? null : "exit 0 but the averaged model differs from the undamaged run's",
                Mention = named,
            });
        return translating.Concat(averaging);
    }

    internal IEnumerable<FuzzCase> DataFileCases()
    {
        long sample = Length(Run.SamplePath), refs = Length(RefPath);
        IEnumerable<FuzzCase> On(string target, string original, IEnumerable<Mutation> mutations, Func<string, string, string[]> args,
            Func<string, string, InProcessCli.Result, string?> correct, bool inProcessOnly = false) =>
            mutations.Select(m => new FuzzCase
            {
                Target = target, Mutation = m, InProcessOnly = inProcessOnly,
                Prepare = run => { string file = Path.Combine(run, Path.GetFileName(original)); File.Copy(original, file); m.Apply(file); },
                Args = run => args(run, Path.Combine(run, Path.GetFileName(original))),
                Correct = (run, r) => correct(run, Path.Combine(run, Path.GetFileName(original)), r),
                Mention = run => Path.Combine(run, Path.GetFileName(original)),
            });
        static string? Printed(InProcessCli.Result r, string what) => r.Out.Contains(what) ? null : $"exit 0 without '{what}' in the output";
        return On("translate --input", Run.SamplePath,
                Mutations.TextEdits(45, 501).Concat(Mutations.Truncations(8, 502, sample)).Concat(Mutations.BitFlips(15, 503, 0, sample)).Concat(Mutations.WrongKinds()),
                (run, file) => TranslateArgs(run, file), (_, file, r) => OneLinePerInputLine(file, r))
            .Concat(On("evaluate --src", Run.SamplePath, Mutations.TextEdits(10, 511).Concat(Mutations.BitFlips(5, 512, 0, sample)).Concat(Mutations.WrongKinds().Take(6)),
                (run, file) => ["evaluate", "--model", run, "--src", file, "--ref", RefPath, "--beam", "1", "--output", Path.Combine(run, "hyp.txt")],
                (run, file, _) => OneHypothesisPerSource(file, Path.Combine(run, "hyp.txt"))))
            .Concat(On("evaluate --ref", RefPath, Mutations.TextEdits(6, 521).Concat(Mutations.WrongKinds().Take(4)),
                (run, file) => ["evaluate", "--model", run, "--src", Run.SamplePath, "--ref", file, "--beam", "1", "--output", Path.Combine(run, "hyp.txt")],
                (run, _, _) => OneHypothesisPerSource(Run.SamplePath, Path.Combine(run, "hyp.txt"))))
            .Concat(On("bleu -i", RefPath, Mutations.TextEdits(10, 531).Concat(Mutations.BitFlips(4, 532, 0, refs)).Concat(Mutations.WrongKinds().Take(6)),
                (_, file) => ["bleu", "-i", file, "-r", RefPath], (_, _, r) => Printed(r, "BLEU")))
            .Concat(On("train --train-src", Run.Tiny.File("train.de"), Mutations.TextEdits(6, 541).Concat(Mutations.WrongKinds().Take(5)),
                (run, file) => TrainArgs(run, file), (run, _, _) => File.Exists(Path.Combine(run, "new", "model.safetensors")) ? null : "exit 0 but no model", inProcessOnly: true));
    }

    private string[] TrainArgs(string run, string trainSource) =>
        TinyTrainArgs.For(Run.Tiny, Path.Combine(run, "new"), "--train-src", trainSource, "--test-src", Run.SamplePath, "--test-tgt", RefPath, "--batch-tokens", "400");

    // evaluate prints through the console library, which an in-process run cannot capture; its --output file is the result to judge
    private static string? OneHypothesisPerSource(string source, string hypotheses)
    {
        if (!File.Exists(hypotheses)) return "exit 0 but no translations were written";
        int expected = InputLines(source), written = File.ReadAllBytes(hypotheses).Count(b => b == '\n');
        return written == expected ? null : $"exit 0 but {written} translations for {expected} sources";
    }

    private static int InputLines(string file)
    {
        var content = File.ReadAllBytes(file).AsSpan();
        if (content.StartsWith("\uFEFF"u8)) content = content[3..];
        return content.Count((byte)'\n') + (content.Length > 0 && content[^1] != '\n' ? 1 : 0);
    }

    // The input's lines as translate counts them: LF ends a line, a final line without LF counts, a BOM is not content.
    private static string? OneLinePerInputLine(string file, InProcessCli.Result r)
    {
        int lines = InputLines(file);
        int written = r.Out.Length == 0 ? 0 : r.Out.Count(ch => ch == '\n');
        if (!r.Out.EndsWith('\n') && r.Out.Length > 0) return "the output does not end with a line break";
        return written == lines ? null : $"exit 0 but {written} output lines for {lines} input lines";
    }
}
