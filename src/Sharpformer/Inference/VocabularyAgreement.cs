using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Inference;

/// <summary>
/// A model and a tokenizer belong together only when they share the vocabulary: the same number of ids and
/// the same special ids. A mismatch would show up mid-translation as "token id 482 is outside the vocabulary"
/// or, worse, as silently wrong text; it is refused at load, naming both files.
/// </summary>
internal static class VocabularyAgreement
{
    public static void Check(ISeq2SeqModel model, SubwordTokenizer tokenizer, string modelOrigin, string tokenizerOrigin)
    {
        var t = model.Tokens;
        if (tokenizer.VocabSize != t.VocabSize)
            throw new UserInputException($"{tokenizerOrigin} has {tokenizer.VocabSize:N0} pieces, but {modelOrigin} was trained with a vocabulary of "
                + $"{t.VocabSize:N0}: they do not belong together (use the tokenizer the model was trained with)");
        foreach (var (name, modelId, tokenizerId) in new[] { ("pad", t.PadId, SubwordTokenizer.PadId), ("bos", t.BosId, SubwordTokenizer.BosId), ("eos", t.EosId, SubwordTokenizer.EosId) })
            if (modelId != tokenizerId)
                throw new UserInputException($"{modelOrigin} uses {modelId} as its {name} id, but {tokenizerOrigin} uses {tokenizerId}: they do not belong together");
    }
}
