using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Tests.Layers;

/// <summary>Model configuration checks: each inconsistency is a one-line user error naming its field.</summary>
public sealed class TransformerConfigTests
{
    private static readonly TransformerConfig Valid = TinyModel.Config(Activation.Relu, false, 1, 1) with { Positions = PositionEncodingKind.Learned };

    public static TheoryData<string, string> InvalidFields() => new()
    {
        { "vocab0", "vocab size" },
        { "dmodel-not-multiple", "d_model" },
        { "heads0", "heads" },
        { "dmodel0", "d_model" },
        { "dff0", "d_ff" },
        { "encoder-negative", "encoder layers" },
        { "decoder0", "decoder layers" },
        { "dropout1", "dropout" },
        { "dropout-nan", "dropout" },
        { "attention-dropout-negative", "attention dropout" },
        { "activation-dropout-big", "activation dropout" },
        { "pad-outside", "pad id" },
        { "bos-negative", "bos id" },
        { "eos-outside", "eos id" },
        { "max-positions0", "max positions" },
        { "norm-eps0", "norm eps" },
        { "norm-eps-nan", "norm eps" },
    };

    private static TransformerConfig Broken(string which) => which switch
    {
        "vocab0" => Valid with { VocabSize = 0 },
        "dmodel-not-multiple" => Valid with { DModel = 10, Heads = 4 },
        "heads0" => Valid with { Heads = 0 },
        "dmodel0" => Valid with { DModel = 0 },
        "dff0" => Valid with { DFf = 0 },
        "encoder-negative" => Valid with { EncoderLayers = -1 },
        "decoder0" => Valid with { DecoderLayers = 0 },
        "dropout1" => Valid with { Dropout = 1f },
        "dropout-nan" => Valid with { Dropout = float.NaN },
        "attention-dropout-negative" => Valid with { AttentionDropout = -0.1f },
        "activation-dropout-big" => Valid with { ActivationDropout = 1.5f },
        "pad-outside" => Valid with { PadId = 13 },
        "bos-negative" => Valid with { BosId = -1 },
        "eos-outside" => Valid with { EosId = 99 },
        "max-positions0" => Valid with { MaxPositions = 0 },
        "norm-eps0" => Valid with { NormEps = 0f },
        "norm-eps-nan" => Valid with { NormEps = float.NaN },
        _ => throw new ArgumentException(which),
    };

    [Theory, MemberData(nameof(InvalidFields))]
    public void Validate_names_the_offending_field(string which, string field)
    {
        var e = Assert.Throws<UserInputException>(() => Broken(which).Validate());
        Assert.StartsWith("model config: ", e.Message);
        Assert.Contains(field, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        // the model refuses the same configuration
        Assert.Throws<UserInputException>(() => new Transformer(Broken(which)));
    }

    [Fact]
    public void Valid_configurations_pass_and_zero_encoder_layers_are_allowed()
    {
        Assert.Same(Valid, Valid.Validate());
        // No encoder layers: the memory is the embedded source itself, and no encoder parameters exist.
        var model = new Transformer(Valid with { EncoderLayers = 0 });
        Assert.DoesNotContain(model.Parameters, p => p.Name.StartsWith("transformer.encoder.layers.", StringComparison.Ordinal));
        Assert.Empty(model.CreateWorkspace().Encoder.Layers);
        // the paper's base model: d 512, 8 heads of 64, d_ff 2048, 6+6 layers, post-LN, dropout 0.1
        var paper = new TransformerConfig().Validate();
        Assert.Equal((512, 8, 64, 2048, 6, 6, false, 0.1f), (paper.DModel, paper.Heads, paper.HeadDim, paper.DFf, paper.EncoderLayers, paper.DecoderLayers, paper.NormFirst, paper.Dropout));
    }
}
