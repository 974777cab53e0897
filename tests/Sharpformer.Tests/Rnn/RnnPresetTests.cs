using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Tests.Rnn;

/// <summary>The RNN presets: what their documentation promises, and every preset's model is valid.</summary>
public sealed class RnnPresetTests
{
    [Theory]
    [InlineData("multi30k-de-en-rnn", RnnConfig.PlainName, false)]
    [InlineData("multi30k-de-en-rnn-attn-dot", RnnConfig.DotName, false)]
    [InlineData("multi30k-de-en-rnn-attn-additive", RnnConfig.AdditiveName, true)]
    public void Rnn_presets_train_their_architecture_for_an_hour_on_the_multi30k_files(string preset, string architecture, bool bidirectional)
    {
        var options = Presets.Get(preset, "data");
        var model = Assert.IsType<RnnConfig>(options.Model);
        Assert.Equal(architecture, model.Architecture);
        Assert.Equal(bidirectional, model.EncoderBidirectional);
        Assert.Equal((RecurrentCellKind.Gru, 256, 512, 1), (model.Cell, model.EmbeddingSize, model.HiddenSize, model.Layers));
        Assert.Equal(60, options.MaxMinutes);
        Assert.Equal(Presets.Get("multi30k-de-en", "data").TrainSource, options.TrainSource);   // same data and vocabulary as the Transformer
        Assert.Equal(Presets.Get("multi30k-de-en", "data").VocabSize, options.VocabSize);
        Assert.Equal(1f, options.Optimizer.ClipNorm);
        // the documented curve: peak ≈ 1e-3 at the end of warm-up
        var schedule = new NoamSchedule(model.ScheduleWidth, options.Optimizer.Warmup, options.Optimizer.LrFactor);
        Assert.InRange(schedule.LearningRate(options.Optimizer.Warmup), 0.9e-3, 1.1e-3);
    }

    [Fact]
    public void Every_preset_names_a_valid_model()
    {
        foreach (string name in Presets.Names)
        {
            var model = Presets.Get(name, "data").Model;
            Assert.Contains(model.Architecture, ModelConfig.Architectures);
            model.Validate();
        }
    }
}
