// Sharpformer from C#: train a tiny German→English model, then translate with the library API.
// Usage: dotnet run --project samples/TrainAndTranslate -- data/multi30k runs/sample
// (CORPUS_DIR holds train.de/train.en/val.de/val.en; training stops after 3 epochs or 2 minutes.)
using Sharpformer.Inference;
using Sharpformer.Model;
using Sharpformer.Training;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: TrainAndTranslate CORPUS_DIR OUT_DIR");
    return 2;
}
string data = args[0], output = args[1];

// 1. Train: the recipe is a record; every field has a default (the paper's base model) to override.
var recipe = new TrainingOptions
{
    TrainSource = Path.Combine(data, "train.de"), TrainTarget = Path.Combine(data, "train.en"),
    ValidSource = Path.Combine(data, "val.de"), ValidTarget = Path.Combine(data, "val.en"),
    VocabSize = 400,
    Model = new TransformerConfig { DModel = 32, Heads = 2, DFf = 64, EncoderLayers = 1, DecoderLayers = 1 },
    Optimizer = new OptimizerSettings { Warmup = 40, LrFactor = 2 },
    BatchTokens = 400, Epochs = 3, MaxMinutes = 2, AverageLast = 1, TestBeam = 2, TestLengthPenalty = 1.0, Seed = 7,
};
var summary = new Trainer(output, recipe).Run();
Console.WriteLine($"trained {summary.State.Step} steps; validation BLEU {summary.FinalValidBleu:F2}");

// 2. Translate: Load opens the run folder; decoding defaults to the recipe's (beam 2, α 1.0).
using var translator = Translator.Load(output);
Console.WriteLine(translator.Translate("Ein Hund läuft über die Wiese."));

// 3. A batch, and n-best lists with explicit options.
string[] sources = ["Zwei Männer spielen Fußball.", "Eine Frau liest ein Buch."];
foreach (string english in translator.Translate(sources)) Console.WriteLine(english);
var nBest = translator.TranslateNBest(sources, DecodeOptions.Beam(2, 1.0) with { Search = new BeamSearchOptions { BeamSize = 2, LengthPenalty = 1.0, NBest = 2 } });
foreach (var list in nBest)
    foreach (var h in list) Console.WriteLine($"{h.Score:F4}\t{h.Text}");
return 0;
