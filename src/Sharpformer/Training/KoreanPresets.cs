using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Training;

/// <summary>
/// The recipes on the bundled Korean data (<c>data/chatbot-ko</c>, <c>data/ko-en/tatoeba</c>), trained on the
/// shipped splits (<see cref="BundledSplit"/>: by question, by English sentence), never on a test line.
/// </summary>
internal static class KoreanPresets
{
    /// <summary>
    /// <c>chatbot-ko</c>: a Transformer that answers Korean small talk (ChatbotData, 9,458 training pairs),
    /// ≤ 20 minutes on 2 cores. A 4,000-piece joint vocabulary round-trips every line of the corpus
    /// (unseen characters as byte pieces). The default decoding is beam search that never repeats a
    /// trigram: chat models fall into loops ("좋아요 좋아요 …") that greedy search follows.
    /// </summary>
    public static TrainingOptions Chatbot(string dataDir) => Split(dataDir, BundledSplit.Chatbot) with
    {
        Task = ModelTask.Chat,
        VocabSize = 4000,
        Model = new TransformerConfig
        {
            DModel = 256, Heads = 4, DFf = 1024, EncoderLayers = 3, DecoderLayers = 3,
            Dropout = 0.1f, Activation = Activation.Relu,
        },
        // Sentences are short (about 7 tokens), so 1,000 padded tokens hold ~100 pairs: ~95 steps per epoch.
        // A peak learning rate of ≈ 1e-3 (factor 0.4): at 2.5e-3 (factor 1) the model settled on a few answers
        // for every question (greedy validation BLEU < 2, distinct-1 0.008; docs/benchmarks.md).
        Optimizer = new OptimizerSettings { LabelSmoothing = 0.1f, Warmup = 600, LrFactor = 0.4 },
        BatchTokens = 1000,
        Epochs = 60,
        MaxMinutes = 20,
        // Checkpoints are chosen by validation BLEU, not perplexity: the answers improve (BLEU 4 → 14) while the
        // perplexity of the references rises again, as the model learns to give the answer of a similar training question.
        SelectBy = ModelSelection.Bleu,
        AverageLast = 5,
        KeepCheckpoints = 5,
        TestBeam = 4,
        TestLengthPenalty = 1.0,
        TestNoRepeatNGram = 3,
    };

    /// <summary>
    /// <c>chatbot-ko-rnn</c>: note 004's first chatbot, a sequence-to-sequence RNN with dot-product attention
    /// (Luong; GRU, embeddings 256, hidden 512), on the same split, vocabulary, budget and decoding as
    /// <see cref="Chatbot"/>, so the two answer the same questions side by side. Optimiser as the Multi30k RNN
    /// presets: Adam with PyTorch's defaults on a Noam curve peaking at ≈ 1e-3, gradients clipped at norm 1.
    /// </summary>
    public static TrainingOptions ChatbotRnn(string dataDir) => Chatbot(dataDir) with
    {
        Model = RnnConfig.For(RnnConfig.DotName) with { Cell = RecurrentCellKind.Gru, EmbeddingSize = 256, HiddenSize = 512, Layers = 1, Dropout = 0.3f },
        Optimizer = new OptimizerSettings { LabelSmoothing = 0.1f, Warmup = 400, LrFactor = 0.45, Beta2 = 0.999, AdamEps = 1e-8, ClipNorm = 1f },
    };

    /// <summary>
    /// <c>tatoeba-ko-en</c>: Korean → English on the 3,056 Tatoeba training pairs (CC-BY 2.0 France; the
    /// attribution of every pair is in <c>ko-en/tatoeba/kor.txt</c>, which travels with the split files).
    /// A small-data recipe: small joint vocabulary, strong dropout and label smoothing, early stopping.
    /// </summary>
    public static TrainingOptions TatoebaKoEn(string dataDir) => Split(dataDir, BundledSplit.TatoebaKoEn) with
    {
        VocabSize = 3000,
        Model = new TransformerConfig
        {
            DModel = 256, Heads = 4, DFf = 1024, EncoderLayers = 3, DecoderLayers = 3,
            Dropout = 0.3f, AttentionDropout = 0.1f, ActivationDropout = 0.1f, Activation = Activation.Relu,
        },
        // Peak learning rate ≈ 1.25e-3 (factor 0.4): at 3.1e-3 (factor 1) the model answered "I'm sorry." to
        // most sentences (validation BLEU 2.0; with 0.4, 11–12).
        Optimizer = new OptimizerSettings { LabelSmoothing = 0.2f, Warmup = 400, LrFactor = 0.4 },
        BatchTokens = 1000,
        Epochs = 100,
        MaxMinutes = 20,
        Patience = 20,
        AverageLast = 5,
        KeepCheckpoints = 5,
        // Not tuned: GNMT's usual α; the test set is only reported.
        TestBeam = 4,
        TestLengthPenalty = 0.6,
    };

    private static TrainingOptions Split(string dataDir, BundledSplit split) => new()
    {
        TrainSource = split.PartPath(dataDir, "train", source: true), TrainTarget = split.PartPath(dataDir, "train", source: false),
        ValidSource = split.PartPath(dataDir, "valid", source: true), ValidTarget = split.PartPath(dataDir, "valid", source: false),
        TestSource = split.PartPath(dataDir, "test", source: true), TestTarget = split.PartPath(dataDir, "test", source: false),
    };
}
