using Sharpformer.Inference;
using Sharpformer.Text;
using Sharpformer.Training;

namespace Sharpformer.Tests.Training;

/// <summary>
/// The Korean presets: they read the shipped splits (never a test line in training), and the vocabulary
/// each trains, the way the trainer trains it, round-trips every line of every part of its data.
/// </summary>
public sealed class KoreanPresetTests
{
    [Theory]
    [InlineData("chatbot-ko", "chatbot-ko", "q", "a")]
    [InlineData("tatoeba-ko-en", "ko-en/tatoeba", "ko", "en")]
    public void The_preset_trains_on_the_shipped_split_and_its_vocabulary_round_trips_every_line(string name, string folder, string src, string tgt)
    {
        Assert.Contains(name, Presets.Names);
        var options = Presets.Get(name, TestPaths.DataDir);
        string Part(string part, string ext) => Path.Combine(TestPaths.DataDir, folder, $"{part}.{ext}");
        Assert.Equal((Part("train", src), Part("train", tgt)), (options.TrainSource, options.TrainTarget));
        Assert.Equal((Part("valid", src), Part("valid", tgt)), (options.ValidSource, options.ValidTarget));
        Assert.Equal((Part("test", src), Part("test", tgt)), (options.TestSource, options.TestTarget));
        options.Model.Validate();

        // As the trainer does: one joint vocabulary from the training text of both sides.
        var train = options.ReadCorpus(options.TrainSource, options.TrainTarget, "train");
        var tokenizer = SubwordTokenizer.Train(train.Sources.Concat(train.Targets), options.VocabSize);
        Assert.Equal(options.VocabSize, tokenizer.VocabSize);
        var lines = new[] { "train", "valid", "test" }
            .Select(part => options.ReadCorpus(Part(part, src), Part(part, tgt), part))
            .SelectMany(c => c.Sources.Concat(c.Targets)).ToList();
        Assert.Empty(Sharpformer.Tests.Text.RoundTrip.Failures(tokenizer, lines));
    }

    [Fact]
    public void The_chatbot_is_a_chat_model_decoded_by_beam_without_repeats_and_the_translator_is_not()
    {
        var chat = Presets.Get("chatbot-ko", TestPaths.DataDir);
        Assert.Equal(ModelTask.Chat, chat.Task);
        Assert.True(chat.MaxMinutes is > 0 and <= 20);
        var decoding = Translator.RecipeDefaults(chat);
        Assert.Equal(chat.TestBeam, decoding.Search.BeamSize);
        Assert.Equal(chat.TestLengthPenalty, decoding.Search.LengthPenalty);
        Assert.Equal(chat.TestNoRepeatNGram, decoding.Search.NoRepeatNGramSize);
        Assert.True(decoding.Search.BeamSize > 1 && decoding.Search.NoRepeatNGramSize > 0);
        Assert.Equal(ModelSelection.Bleu, chat.SelectBy);           // the answers improve while the references' perplexity rises

        var tatoeba = Presets.Get("tatoeba-ko-en", TestPaths.DataDir);
        Assert.Equal(ModelTask.Translation, tatoeba.Task);
        Assert.Equal(0, Translator.RecipeDefaults(tatoeba).Search.NoRepeatNGramSize);
        Assert.Equal(ModelSelection.Bleu, tatoeba.SelectBy);
    }

    [Fact]
    public void The_rnn_chatbot_is_note_004s_first_model_on_the_same_split_vocabulary_budget_and_decoding()
    {
        var transformer = Presets.Get("chatbot-ko", TestPaths.DataDir);
        var rnn = Presets.Get("chatbot-ko-rnn", TestPaths.DataDir);
        Assert.Contains("chatbot-ko-rnn", Presets.Names);
        var model = Assert.IsType<Sharpformer.Model.RnnConfig>(rnn.Model);
        Assert.Equal(Sharpformer.Model.RnnConfig.DotName, model.Architecture);
        Assert.Equal(ModelTask.Chat, rnn.Task);
        Assert.Equal((transformer.TrainSource, transformer.ValidSource, transformer.TestSource), (rnn.TrainSource, rnn.ValidSource, rnn.TestSource));
        Assert.Equal((transformer.VocabSize, transformer.BatchTokens, transformer.MaxMinutes), (rnn.VocabSize, rnn.BatchTokens, rnn.MaxMinutes));
        Assert.Equal(Translator.RecipeDefaults(transformer), Translator.RecipeDefaults(rnn));
        Assert.Equal(1f, rnn.Optimizer.ClipNorm);
        Assert.Equal(transformer.SelectBy, rnn.SelectBy);
    }
}
