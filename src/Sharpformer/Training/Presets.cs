using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Training;

/// <summary>Named recipes: the data files they train on (under a data folder) and every hyper-parameter.</summary>
public static class Presets
{
    public static IReadOnlyList<string> Names { get; } =
        ["multi30k-de-en", "multi30k-en-de", "multi30k-de-en-quick", "ref-small",
         // Korean (KoreanPresets.cs); "chatbot-ko-rnn" joins them with the RNN models.
         "chatbot-ko", "tatoeba-ko-en"];

    /// <summary>The preset <paramref name="name"/> with its data files resolved under <paramref name="dataDir"/>.</summary>
    public static TrainingOptions Get(string name, string dataDir) => name switch
    {
        "multi30k-de-en" => Multi30k(dataDir, "de", "en"),
        "multi30k-en-de" => Multi30k(dataDir, "en", "de"),
        "multi30k-de-en-quick" => Quick(dataDir),
        "ref-small" => RefSmall(dataDir),
        "chatbot-ko" => KoreanPresets.Chatbot(dataDir),
        "tatoeba-ko-en" => KoreanPresets.TatoebaKoEn(dataDir),
        _ => throw UserInputException.ForField("Preset", $"unknown preset '{name}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>The recipe for Multi30k: a small Transformer trained for an hour on 2 cores.</summary>
    private static TrainingOptions Multi30k(string dataDir, string src, string tgt) => Files(dataDir, src, tgt) with
    {
        VocabSize = 8000,
        Model = new TransformerConfig
        {
            DModel = 256, Heads = 4, DFf = 1024, EncoderLayers = 3, DecoderLayers = 3,
            Dropout = 0.1f, Activation = Activation.Relu,
        },
        Optimizer = new OptimizerSettings { LabelSmoothing = 0.1f, Warmup = 1000, LrFactor = 1.0 },
        BatchTokens = 1600,
        Epochs = 30,
        MaxMinutes = 60,
        AverageLast = 5,
        KeepCheckpoints = 5,
        // α picked on the validation set of both directions (0.2–2.4 swept; docs/benchmarks.md).
        TestBeam = 4,
        TestLengthPenalty = 1.4,
    };

    /// <summary>A few minutes on the same data: shows the whole pipeline, not the final quality.</summary>
    private static TrainingOptions Quick(string dataDir) => Files(dataDir, "de", "en") with
    {
        VocabSize = 4000,
        Model = new TransformerConfig { DModel = 128, Heads = 4, DFf = 512, EncoderLayers = 2, DecoderLayers = 2, Dropout = 0.1f },
        Optimizer = new OptimizerSettings { LabelSmoothing = 0.1f, Warmup = 400, LrFactor = 2.0 },
        BatchTokens = 2000,
        Epochs = 3,
        MaxMinutes = 4,
        AverageLast = 2,
        KeepCheckpoints = 2,
    };

    /// <summary>The benchmark configuration (d 256, 4 heads, d_ff 1024, 3+3 layers, 8k vocabulary).</summary>
    private static TrainingOptions RefSmall(string dataDir) => Multi30k(dataDir, "de", "en") with
    {
        BatchTokens = 64 * 24, BatchSentences = 64, MaxMinutes = 0, Epochs = 10,
    };

    private static TrainingOptions Files(string dataDir, string src, string tgt)
    {
        string d = Path.Combine(dataDir, "multi30k");
        return new TrainingOptions
        {
            TrainSource = Path.Combine(d, $"train.{src}"), TrainTarget = Path.Combine(d, $"train.{tgt}"),
            ValidSource = Path.Combine(d, $"val.{src}"), ValidTarget = Path.Combine(d, $"val.{tgt}"),
            TestSource = Path.Combine(d, $"test2016.{src}"), TestTarget = Path.Combine(d, $"test2016.{tgt}"),
        };
    }
}
