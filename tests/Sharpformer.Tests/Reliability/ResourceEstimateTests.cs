using Sharpformer.Layers;
using Sharpformer.Model;
using Sharpformer.Tests.Evaluation;
using Sharpformer.Training;
using Xunit.Abstractions;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// The estimates checked before anything is allocated: the parameter count a config implies is exactly the
/// model's, and the training estimate covers what building the model and running its largest batch really
/// allocates, without overstating it so much that reasonable runs would be refused. Measured by the bytes the
/// process allocates, so the class runs alone (the console collection is never parallel).
/// </summary>
[Collection(EvaluationConsoleCollection.Name)]
public sealed class ResourceEstimateTests(ITestOutputHelper log)
{
    public static TheoryData<TransformerConfig> Configs() =>
    [
        new TransformerConfig { VocabSize = 300, DModel = 16, Heads = 2, DFf = 32, EncoderLayers = 1, DecoderLayers = 1 },
        new TransformerConfig { VocabSize = 1000, DModel = 64, Heads = 4, DFf = 256, EncoderLayers = 2, DecoderLayers = 3, NormFirst = true },
        new TransformerConfig { VocabSize = 500, DModel = 32, Heads = 8, DFf = 64, EncoderLayers = 0, DecoderLayers = 2, Positions = PositionEncodingKind.Learned, MaxPositions = 77 },
        new TransformerConfig { VocabSize = 8000, DModel = 256, Heads = 4, DFf = 1024, EncoderLayers = 3, DecoderLayers = 3, Activation = Activation.Gelu },
    ];

    [Theory, MemberData(nameof(Configs))]
    public void The_parameter_count_of_a_config_is_exactly_the_models(TransformerConfig config)
    {
        Assert.Equal(new Transformer(config).ParameterCount, ModelSize.Parameters(config));
    }

    [Theory]
    [InlineData(64, 2, 256, 1, 1, 800, 40)]
    [InlineData(128, 4, 512, 2, 2, 2000, 60)]
    public void The_training_estimate_covers_what_a_step_of_the_largest_batch_allocates(int d, int heads, int dff, int enc, int dec, int batchTokens, int maxLength)
    {
        var options = new TrainingOptions
        {
            TrainSource = "-", ValidSource = "-", VocabSize = 2000, MaxLength = maxLength, BatchTokens = batchTokens, ValidBeam = 1, TestBeam = 1,
            Model = new TransformerConfig { DModel = d, Heads = heads, DFf = dff, EncoderLayers = enc, DecoderLayers = dec },
        };
        var estimate = ResourceEstimate.ForTraining(options);
        var config = options.Model with { VocabSize = options.VocabSize };
        int length = maxLength + 1, batch = batchTokens / length;

        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var model = new Transformer(config);
        var step = new TrainStep(model, new OptimizerSettings(), 1);
        var random = new Random(1);
        int[] Ids(int n) => Enumerable.Range(0, n).Select(_ => random.Next(3, config.VocabSize)).ToArray();
        var seq = Seq2SeqBatch.FromSequences(
            Enumerable.Range(0, batch).Select(_ => Ids(length)).ToList(), Enumerable.Range(0, batch).Select(_ => Ids(length - 1)).ToList(), 0, 1, 2);
        for (int i = 0; i < 2; i++) step.Run(seq);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        GC.KeepAlive(step);

        double training = estimate.ParameterBytes + estimate.ActivationBytes;
        log.WriteLine($"allocated {MemoryLimit.Format(allocated)}, estimated {MemoryLimit.Format(training)} for training ({estimate.Describe()})");
        Assert.True(training >= allocated, $"the estimate {MemoryLimit.Format(training)} is below the {MemoryLimit.Format(allocated)} a step allocated");
        Assert.True(training <= 4.0 * allocated, $"the estimate {MemoryLimit.Format(training)} is over 4× the {MemoryLimit.Format(allocated)} a step allocated");
    }

    [Fact]
    public void A_size_of_memory_parses_in_the_usual_units_and_refuses_anything_else()
    {
        Assert.Equal(8L << 30, MemoryLimit.Parse("8G", "X"));
        Assert.Equal(8L << 30, MemoryLimit.Parse("8GB", "X"));
        Assert.Equal(512L << 20, MemoryLimit.Parse("512m", "X"));
        Assert.Equal(3L << 29, MemoryLimit.Parse("1.5GiB", "X"));
        Assert.Equal(1000, MemoryLimit.Parse("1000", "X"));
        foreach (string bad in new[] { "", "G", "-1G", "0", "lots", "1e400", "NaN", "99999999999T" })
            Assert.Equal("X", Assert.Throws<UserInputException>(() => MemoryLimit.Parse(bad, "X")).Field);
        Assert.Equal("8.0 GB", MemoryLimit.Format(8L << 30));
        Assert.InRange(MemoryLimit.Default, 64L << 20, long.MaxValue - 1);          // read from the runtime, not the no-limit fallback
    }
}
