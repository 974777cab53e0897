using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

/// <summary>The test classes that share one <see cref="Multi30kTokenizerFixture"/> (trained once per run).</summary>
[CollectionDefinition(Name)]
public sealed class Multi30kTokenizerCollection : ICollectionFixture<Multi30kTokenizerFixture>
{
    public const string Name = "Multi30k tokenizer";
}

/// <summary>One 8k joint de+en vocabulary trained on the full bundled Multi30k training split.</summary>
public sealed class Multi30kTokenizerFixture
{
    public Multi30kTokenizerFixture()
    {
        Train = Read("train");
        Tokenizer = SubwordTokenizer.Train(Train.Sources.Concat(Train.Targets), SubwordTokenizer.DefaultVocabSize);
    }

    public ParallelCorpus Train { get; }

    public SubwordTokenizer Tokenizer { get; }

    public static ParallelCorpus Read(string split)
    {
        string dir = Path.Combine(TestPaths.DataDir, "multi30k");
        return ParallelCorpus.ReadTextFiles(Path.Combine(dir, split + ".de"), Path.Combine(dir, split + ".en"));
    }
}
