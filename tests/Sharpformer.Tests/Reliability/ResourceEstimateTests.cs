using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
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
    public static TheoryData<ModelConfig> Configs() =>
    [
        new TransformerConfig { VocabSize = 300, DModel = 16, Heads = 2, DFf = 32, EncoderLayers = 1, DecoderLayers = 1 },
        new TransformerConfig { VocabSize = 1000, DModel = 64, Heads = 4, DFf = 256, EncoderLayers = 2, DecoderLayers = 3, NormFirst = true },
        new TransformerConfig { VocabSize = 500, DModel = 32, Heads = 8, DFf = 64, EncoderLayers = 0, DecoderLayers = 2, Positions = PositionEncodingKind.Learned, MaxPositions = 77 },
        new TransformerConfig { VocabSize = 8000, DModel = 256, Heads = 4, DFf = 1024, EncoderLayers = 3, DecoderLayers = 3, Activation = Activation.Gelu },
        // every RNN architecture with each cell, stacked, bidirectional (with its bridge, and the LSTM's cell bridge) and not
        RnnConfig.For(RnnConfig.PlainName) with { VocabSize = 300, Cell = RecurrentCellKind.Rnn, EmbeddingSize = 8, HiddenSize = 12 },
        RnnConfig.For(RnnConfig.PlainName) with { VocabSize = 300, Cell = RecurrentCellKind.Lstm, EmbeddingSize = 8, HiddenSize = 12, Layers = 3, Bidirectional = true },
        RnnConfig.For(RnnConfig.DotName) with { VocabSize = 400, Cell = RecurrentCellKind.Gru, EmbeddingSize = 16, HiddenSize = 10, Layers = 2 },
        RnnConfig.For(RnnConfig.DotName) with { VocabSize = 400, Cell = RecurrentCellKind.Lstm, EmbeddingSize = 7, HiddenSize = 9 },
        RnnConfig.For(RnnConfig.AdditiveName) with { VocabSize = 500, Cell = RecurrentCellKind.Gru, EmbeddingSize = 16, HiddenSize = 24, Layers = 2, AttentionSize = 5 },
        RnnConfig.For(RnnConfig.AdditiveName) with { VocabSize = 500, Cell = RecurrentCellKind.Lstm, EmbeddingSize = 16, HiddenSize = 8, Bidirectional = false },
        RnnConfig.For(RnnConfig.AdditiveName) with { VocabSize = 500, Cell = RecurrentCellKind.Rnn, EmbeddingSize = 6, HiddenSize = 8, Layers = 2 },
    ];

    [Theory, MemberData(nameof(Configs))]
    public void The_parameter_count_of_a_config_is_exactly_the_models(ModelConfig config)
    {
        var model = config.CreateModel();
        Assert.Equal(model.Parameters.Sum(p => (long)p.Length), config.Size().Parameters);
        Assert.Equal(model.Parameters.Max(p => (long)p.Length), config.Size().LargestTensor.Elements);
    }

    [Fact]
    public void Every_architecture_has_an_exact_size_at_its_default_config()
    {
        foreach (string architecture in ModelConfig.Architectures)
        {
            var config = ModelConfig.Default(architecture);
            Assert.Equal(config.CreateModel().Parameters.Sum(p => (long)p.Length), config.Size().Parameters);
        }
    }

    public static TheoryData<ModelConfig, int, int> TrainingCases() => new()
    {
        { new TransformerConfig { DModel = 64, Heads = 2, DFf = 256, EncoderLayers = 1, DecoderLayers = 1 }, 800, 40 },
        { new TransformerConfig { DModel = 128, Heads = 4, DFf = 512, EncoderLayers = 2, DecoderLayers = 2 }, 2000, 60 },
        // the additive attention keeps tanh(W_q h_i + W_k s_j) for every pair: [B, T, S, A], the term quadratic in the length
        { RnnConfig.For(RnnConfig.AdditiveName) with { Cell = RecurrentCellKind.Gru, EmbeddingSize = 32, HiddenSize = 64 }, 800, 40 },
        { RnnConfig.For(RnnConfig.AdditiveName) with { Cell = RecurrentCellKind.Gru, EmbeddingSize = 32, HiddenSize = 32 }, 2000, 200 },
        { RnnConfig.For(RnnConfig.AdditiveName) with { Cell = RecurrentCellKind.Lstm, EmbeddingSize = 64, HiddenSize = 64, Layers = 2, AttentionSize = 32 }, 2000, 60 },
        { RnnConfig.For(RnnConfig.DotName) with { Cell = RecurrentCellKind.Lstm, EmbeddingSize = 64, HiddenSize = 128, Layers = 2 }, 2000, 60 },
        { RnnConfig.For(RnnConfig.PlainName) with { Cell = RecurrentCellKind.Rnn, EmbeddingSize = 32, HiddenSize = 96 }, 800, 40 },
    };

    [Theory, MemberData(nameof(TrainingCases))]
    public void The_training_estimate_covers_what_a_step_of_the_largest_batch_allocates(ModelConfig model, int batchTokens, int maxLength)
    {
        var options = new TrainingOptions
        {
            TrainSource = "-", ValidSource = "-", VocabSize = 2000, MaxLength = maxLength, BatchTokens = batchTokens, ValidBeam = 1, TestBeam = 1, Model = model,
        };
        var estimate = ResourceEstimate.ForTraining(options);
        var config = options.Model.WithTokens(new TokenSpec(options.VocabSize, 0, 1, 2));
        int length = maxLength + 1, batch = batchTokens / length;

        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var step = new TrainStep(config.CreateModel(), new OptimizerSettings(), 1);
        var random = new Random(1);
        int[] Ids(int n) => Enumerable.Range(0, n).Select(_ => random.Next(3, options.VocabSize)).ToArray();
        var seq = Seq2SeqBatch.FromSequences(
            Enumerable.Range(0, batch).Select(_ => Ids(length)).ToList(), Enumerable.Range(0, batch).Select(_ => Ids(length - 1)).ToList(), 0, 1, 2);
        for (int i = 0; i < 2; i++) step.Run(seq);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        long held = ActivationBuffers.TotalBytes(step.Network);
        GC.KeepAlive(step);

        double training = estimate.ParameterBytes + estimate.ActivationBytes;
        log.WriteLine($"{config.Architecture}: allocated {MemoryLimit.Format(allocated)}, estimated {MemoryLimit.Format(training)} for training; "
            + $"activation buffers held {MemoryLimit.Format(held)}, estimated {MemoryLimit.Format(estimate.ActivationBytes)} ({estimate.Describe()})");
        Assert.True(estimate.ActivationBytes >= held, $"the activation estimate {MemoryLimit.Format(estimate.ActivationBytes)} is below the {MemoryLimit.Format(held)} the network holds");
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
