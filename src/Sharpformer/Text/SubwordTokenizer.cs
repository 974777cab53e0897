using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Sharpformer.Text;

/// <summary>
/// A joint source+target subword vocabulary: trained here, stored as a standard SentencePiece
/// <c>.model</c> file, and applied (encode/decode) by Microsoft.ML.Tokenizers'
/// <see cref="SentencePieceTokenizer"/>.
/// <para>
/// Why BPE rather than unigram: the Transformer paper used byte-pair encoding; BPE training is
/// a deterministic greedy procedure with no sampling, EM iterations or pruning heuristics, so
/// the same text always gives byte-identical vocabulary files; and an incremental pair-count
/// trainer learns 8k merges on Multi30k in about a second.
/// </para>
/// <para>
/// Exact detokenisation: the model uses SentencePiece's identity normalisation, keeps repeated,
/// leading and trailing spaces (<c>remove_extra_whitespaces = false</c>), marks spaces with
/// "▁" (U+2581) and adds one dummy "▁" in front, which decoding removes again. So
/// <c>Decode(Encode(s)) == s</c> for any valid text — casing, punctuation, umlauts, Hangul,
/// tabs — with one exception: a literal U+2581 in the input decodes as a space. (Input that is
/// not valid UTF-16, i.e. a lone surrogate, cannot round-trip either: it has no UTF-8 form, so
/// it is encoded as the byte pieces of U+FFFD and decodes as U+FFFD. The corpus readers never
/// produce it, since they reject invalid UTF-8.)
/// </para>
/// <para>
/// Unseen characters: byte fallback. Ids 4..259 are the 256 UTF-8 byte pieces "&lt;0x00&gt;"..
/// "&lt;0xFF&gt;"; a character without a piece of its own (never seen in training, or too rare for
/// <see cref="SubwordTrainingOptions.CharacterCoverage"/>) is encoded as its UTF-8 bytes and
/// decodes back exactly, so <see cref="UnkId"/> is never produced by <see cref="Encode(string)"/>.
/// </para>
/// </summary>
public sealed class SubwordTokenizer
{
    /// <summary>Padding id.</summary>
    public const int PadId = 0;
    /// <summary>Beginning-of-sentence id.</summary>
    public const int BosId = 1;
    /// <summary>End-of-sentence id.</summary>
    public const int EosId = 2;
    /// <summary>Unknown-piece id (kept for the format; byte fallback means encoding never emits it).</summary>
    public const int UnkId = 3;
    /// <summary>The default vocabulary size.</summary>
    public const int DefaultVocabSize = 8000;

    /// <summary>The SentencePiece model file inside a tokenizer directory (what <see cref="Load"/> reads).</summary>
    public const string ModelFileName = "sentencepiece.model";
    /// <summary>The human-readable companion: one "piece TAB score" line per id, as SentencePiece writes it. Informational only.</summary>
    public const string VocabFileName = "sentencepiece.vocab";

    private const int FirstByteId = 4;

    // SentencePiece models are kilobytes to a few megabytes; anything far larger is not one.
    private const long MaxModelBytes = 256L << 20;
    private readonly SentencePieceTokenizer _tokenizer;
    private readonly byte[] _modelBytes;
    private readonly string[] _pieces;

    private SubwordTokenizer(byte[] modelBytes, string origin)
    {
        _modelBytes = modelBytes;
        try
        {
            using var stream = new MemoryStream(modelBytes, writable: false);
            _tokenizer = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception ex) when (ex is not UserInputException)
        {
            throw new UserInputException($"{origin}: not a readable SentencePiece model ({ex.Message.ReplaceLineEndings(" ")})", ex);
        }
        _pieces = new string[_tokenizer.Vocabulary.Count];
        foreach ((string piece, int id) in _tokenizer.Vocabulary)
        {
            if ((uint)id >= (uint)_pieces.Length)
                throw new UserInputException($"{origin}: piece ids are not contiguous (id {id} in a vocabulary of {_pieces.Length})");
            _pieces[id] = piece;
        }
        CheckLayout(origin);
    }

    /// <summary>Number of ids, specials and byte pieces included.</summary>
    public int VocabSize => _pieces.Length;

    /// <summary>The Microsoft.ML.Tokenizers object doing the work, for callers that need its wider API.</summary>
    public SentencePieceTokenizer Inner => _tokenizer;

    /// <summary>
    /// Trains a joint vocabulary of at most <paramref name="vocabSize"/> pieces (fewer when the text
    /// runs out of pairs seen <see cref="SubwordTrainingOptions.MinPairFrequency"/> times) on
    /// <paramref name="texts"/> — pass both languages' sentences. Deterministic.
    /// </summary>
    public static SubwordTokenizer Train(IEnumerable<string> texts, int vocabSize = DefaultVocabSize, SubwordTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        options ??= SubwordTrainingOptions.Default;
        if (options.CharacterCoverage is <= 0 or > 1 || double.IsNaN(options.CharacterCoverage))
            throw new ArgumentOutOfRangeException(nameof(options), "CharacterCoverage must be in (0, 1].");
        if (options.MaxPieceLength < 2)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxPieceLength must be at least 2.");
        List<TrainedPiece> pieces = BpeTrainer.Train(texts, vocabSize, options);
        return new SubwordTokenizer(SentencePieceModelWriter.Write(pieces, options), "trained vocabulary");
    }

    /// <summary>Loads <see cref="ModelFileName"/> from <paramref name="directory"/>.</summary>
    public static SubwordTokenizer Load(string directory)
    {
        string path = Path.Combine(directory, ModelFileName);
        byte[] bytes = IO.RegularFile.ReadAllBytes(path, MaxModelBytes, "tokenizer model");
        TokenizerChecksum.Verify(directory, bytes, path);
        return new SubwordTokenizer(bytes, path);
    }

    /// <summary>
    /// Writes <see cref="ModelFileName"/>, <see cref="VocabFileName"/> and the model's checksum into
    /// <paramref name="directory"/> (created if needed), each crash-safely (<see cref="IO.DurableFile"/>).
    /// </summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        IO.DurableFile.WriteAllBytes(Path.Combine(directory, ModelFileName), _modelBytes);
        IO.DurableFile.WriteAllBytes(Path.Combine(directory, VocabFileName), new UTF8Encoding(false).GetBytes(VocabText()));
        TokenizerChecksum.Write(directory, _modelBytes);
    }

    /// <summary>The saved model file's bytes.</summary>
    public ReadOnlySpan<byte> ModelBytes => _modelBytes;

    /// <summary>The ids of <paramref name="text"/>, without bos/eos.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<int> ids = _tokenizer.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);
        return ids is int[] array ? array : [.. ids];
    }

    /// <summary>The ids of <paramref name="text"/>, optionally framed by <see cref="BosId"/> and <see cref="EosId"/>.</summary>
    public int[] Encode(string text, bool addBos, bool addEos)
    {
        int[] core = Encode(text);
        if (!addBos && !addEos) return core;
        var framed = new int[core.Length + (addBos ? 1 : 0) + (addEos ? 1 : 0)];
        if (addBos) framed[0] = BosId;
        core.CopyTo(framed, addBos ? 1 : 0);
        if (addEos) framed[^1] = EosId;
        return framed;
    }

    /// <summary>The text of <paramref name="ids"/>; pad, bos, eos and unk are skipped.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, <see cref="VocabSize"/>).</exception>
    public string Decode(ReadOnlySpan<int> ids)
    {
        foreach (int id in ids)
            if ((uint)id >= (uint)_pieces.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} is outside the vocabulary (size {_pieces.Length}).");
        return _tokenizer.Decode(ids.ToArray(), considerSpecialTokens: false) ?? string.Empty;
    }

    /// <summary>The pieces <paramref name="text"/> is cut into (byte pieces appear as "&lt;0xE2&gt;"), for display.</summary>
    public string[] Pieces(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _tokenizer.EncodeToTokens(text, out _, addBeginningOfSentence: false, addEndOfSentence: false)
            .Select(t => t.Value).ToArray();
    }

    /// <summary>The piece text of one id.</summary>
    public string IdToPiece(int id) =>
        (uint)id < (uint)_pieces.Length ? _pieces[id] : throw new ArgumentOutOfRangeException(nameof(id), $"Token id {id} is outside the vocabulary (size {_pieces.Length}).");

    /// <summary>The id of a piece, or null when the vocabulary has no such piece.</summary>
    public int? PieceToId(string piece) => _tokenizer.Vocabulary.TryGetValue(piece, out int id) ? id : null;

    /// <summary>
    /// Rejects a model that would break the contract the rest of the code relies on: the fixed
    /// special ids, byte fallback, and spacing kept verbatim.
    /// </summary>
    private void CheckLayout(string origin)
    {
        string? problem =
            _pieces.Length <= FirstByteId + 256 ? $"only {_pieces.Length} pieces" :
            _pieces[PadId] != "<pad>" ? $"id {PadId} is \"{_pieces[PadId]}\", expected \"<pad>\"" :
            _tokenizer.BeginningOfSentenceId != BosId ? $"bos id is {_tokenizer.BeginningOfSentenceId}, expected {BosId}" :
            _tokenizer.EndOfSentenceId != EosId ? $"eos id is {_tokenizer.EndOfSentenceId}, expected {EosId}" :
            _tokenizer.UnknownId != UnkId ? $"unk id is {_tokenizer.UnknownId}, expected {UnkId}" :
            !_tokenizer.ByteFallback ? "byte fallback is off" :
            _pieces[FirstByteId] != "<0x00>" || _pieces[FirstByteId + 255] != "<0xFF>" ? $"byte pieces are not at ids {FirstByteId}..{FirstByteId + 255}" :
            !_tokenizer.AddDummyPrefix || !_tokenizer.EscapeWhiteSpaces || _tokenizer.TreatWhitespaceAsSuffix ? "whitespace handling differs from \"▁\" prefix marking" :
            _tokenizer.Normalizer is SentencePieceNormalizer { RemoveExtraWhiteSpaces: true } ? "it removes extra whitespace, so decoding would not restore the text" :
            null;
        if (problem is not null)
            throw new UserInputException($"{origin}: unsupported SentencePiece model: {problem}");
    }

    private string VocabText()
    {
        float[] scores = SentencePieceModelScores.Read(_modelBytes);
        var sb = new StringBuilder();
        for (int id = 0; id < _pieces.Length; id++)
            sb.Append(_pieces[id]).Append('\t').Append(scores[id].ToString(CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }
}
