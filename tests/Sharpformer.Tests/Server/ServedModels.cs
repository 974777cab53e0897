using System.Text.Json.Nodes;
using Sharpformer.Inference;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Tests.Server;

/// <summary>The server tests share one set of models and run one class at a time (they time and load the machine).</summary>
[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServedModels>
{
    public const string Name = "server";
}

/// <summary>
/// Model folders for the server tests: a tiny de→en Transformer trained here on 2,000 Multi30k pairs
/// (seconds; its outputs are poor but vary from sentence to sentence, so a mixed-up answer shows),
/// the format-1 fixture run (outputs written by an older version), and a copy of it whose recipe says chat.
/// </summary>
public sealed class ServedModels : IDisposable
{
    public ServedModels()
    {
        Root = Path.Combine(Path.GetTempPath(), "sharpformer-serve-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
        string m = Path.Combine(TestPaths.DataDir, "multi30k");
        Copy(Path.Combine(m, "train.de"), "train.de", 2000);
        Copy(Path.Combine(m, "train.en"), "train.en", 2000);
        Copy(Path.Combine(m, "val.de"), "val.de", 60);
        Copy(Path.Combine(m, "val.en"), "val.en", 60);
        TranslationRun = Path.Combine(Root, "de-en");
        new Trainer(TranslationRun, new TrainingOptions
        {
            TrainSource = File("train.de"), TrainTarget = File("train.en"), ValidSource = File("val.de"), ValidTarget = File("val.en"),
            VocabSize = 600,
            Model = new TransformerConfig { DModel = 32, Heads = 2, DFf = 64, EncoderLayers = 1, DecoderLayers = 2, Dropout = 0.1f },
            Optimizer = new OptimizerSettings { Warmup = 60, LrFactor = 2.0 },
            BatchTokens = 800, Epochs = 4, AverageLast = 1, KeepCheckpoints = 1, LogEvery = 50, Seed = 3, Threads = 2,
            TestBeam = 3, TestLengthPenalty = 1.0,
        }).Run();

        ChatRun = Path.Combine(Root, "chat");
        Directory.CreateDirectory(Path.Combine(ChatRun, "tokenizer"));
        foreach (var file in Directory.GetFiles(FormatOneRun, "*", SearchOption.AllDirectories))
            System.IO.File.Copy(file, Path.Combine(ChatRun, Path.GetRelativePath(FormatOneRun, file)));
        var recipe = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(ChatRun, "run.json")))!.AsObject();
        recipe["task"] = "chat";
        System.IO.File.WriteAllText(Path.Combine(ChatRun, "run.json"), recipe.ToJsonString());

        Reference = Translator.Load(TranslationRun);
        using var chat = Translator.Load(ChatRun);
        if (Reference.Task != ModelTask.Translation || chat.Task != ModelTask.Chat)
            throw new InvalidOperationException("the fixture's recipes do not say translation and chat");
    }

    public string Root { get; }

    /// <summary>The tiny model trained here (recipe: beam 3, α 1.0).</summary>
    public string TranslationRun { get; }

    /// <summary>tests/fixtures/run-format-1 (recipe: beam 2, α 1.0), with expected outputs beside it.</summary>
    public static string FormatOneRun => Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "run-format-1");

    /// <summary>A copy of the format-1 run whose recipe says "task": "chat".</summary>
    public string ChatRun { get; }

    /// <summary>The trained model loaded through the library, for reference results.</summary>
    public Translator Reference { get; }

    /// <summary>The first <paramref name="count"/> sentences of Multi30k test2016 (German).</summary>
    public static string[] Test2016(int count = int.MaxValue) =>
        System.IO.File.ReadLines(Path.Combine(TestPaths.DataDir, "multi30k", "test2016.de")).Take(count).ToArray();

    public string File(string name) => Path.Combine(Root, name);

    private void Copy(string from, string to, int lines) =>
        System.IO.File.WriteAllLines(File(to), System.IO.File.ReadLines(from).Take(lines));

    public void Dispose()
    {
        Reference.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
