using Google.Protobuf;

namespace Sharpformer.Text;

/// <summary>
/// Writes a vocabulary as a SentencePiece <c>.model</c> file: the <c>ModelProto</c> message of
/// SentencePiece's <c>sentencepiece_model.proto</c> (proto2), written field by field with
/// Google.Protobuf's <see cref="CodedOutputStream"/> because the generated classes in
/// Microsoft.ML.Tokenizers are internal. Every setting is written explicitly (proto2 defaults
/// differ from what we need, e.g. <c>remove_extra_whitespaces</c> defaults to true, which would
/// lose repeated spaces). The output is a pure function of the pieces, so the same vocabulary
/// always gives the same bytes.
/// </summary>
internal static class SentencePieceModelWriter
{
    // ModelProto
    private const int ModelPieces = 1, ModelTrainerSpec = 2, ModelNormalizerSpec = 3;
    // ModelProto.SentencePiece
    private const int PieceText = 1, PieceScore = 2, PieceType = 3;
    // TrainerSpec
    private const int TrainerModelType = 3, TrainerVocabSize = 4, TrainerCharacterCoverage = 10,
        TrainerMaxPieceLength = 20, TrainerSplitByUnicodeScript = 21, TrainerSplitByWhitespace = 22,
        TrainerSplitByNumber = 23, TrainerTreatWhitespaceAsSuffix = 24, TrainerByteFallback = 35,
        TrainerUnkId = 40, TrainerBosId = 41, TrainerEosId = 42, TrainerPadId = 43,
        TrainerUnkPiece = 45, TrainerBosPiece = 46, TrainerEosPiece = 47, TrainerPadPiece = 48;
    // NormalizerSpec
    private const int NormalizerName = 1, NormalizerAddDummyPrefix = 3, NormalizerRemoveExtraWhitespaces = 4,
        NormalizerEscapeWhitespaces = 5;

    // TrainerSpec.ModelType.BPE and ModelProto.SentencePiece.Type values.
    private const int ModelTypeBpe = 2;
    private const int TypeNormal = 1, TypeUnknown = 2, TypeControl = 3, TypeByte = 6;

    public static byte[] Write(IReadOnlyList<TrainedPiece> pieces, SubwordTrainingOptions options)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (TrainedPiece piece in pieces)
            WriteMessage(output, ModelPieces, o =>
            {
                o.WriteTag(PieceText, WireFormat.WireType.LengthDelimited);
                o.WriteString(piece.Text);
                o.WriteTag(PieceScore, WireFormat.WireType.Fixed32);
                o.WriteFloat(piece.Score);
                o.WriteTag(PieceType, WireFormat.WireType.Varint);
                o.WriteEnum(TypeOf(piece.Kind));
            });

        WriteMessage(output, ModelTrainerSpec, o =>
        {
            WriteVarint(o, TrainerModelType, ModelTypeBpe);
            WriteVarint(o, TrainerVocabSize, pieces.Count);
            o.WriteTag(TrainerCharacterCoverage, WireFormat.WireType.Fixed32);
            o.WriteFloat((float)options.CharacterCoverage);
            WriteVarint(o, TrainerMaxPieceLength, options.MaxPieceLength);
            WriteVarint(o, TrainerSplitByUnicodeScript, 1);
            WriteVarint(o, TrainerSplitByWhitespace, 1);
            WriteVarint(o, TrainerSplitByNumber, 1);
            WriteVarint(o, TrainerTreatWhitespaceAsSuffix, 0);
            WriteVarint(o, TrainerByteFallback, 1);
            WriteVarint(o, TrainerUnkId, SubwordTokenizer.UnkId);
            WriteVarint(o, TrainerBosId, SubwordTokenizer.BosId);
            WriteVarint(o, TrainerEosId, SubwordTokenizer.EosId);
            WriteVarint(o, TrainerPadId, SubwordTokenizer.PadId);
            WriteString(o, TrainerUnkPiece, pieces[SubwordTokenizer.UnkId].Text);
            WriteString(o, TrainerBosPiece, pieces[SubwordTokenizer.BosId].Text);
            WriteString(o, TrainerEosPiece, pieces[SubwordTokenizer.EosId].Text);
            WriteString(o, TrainerPadPiece, pieces[SubwordTokenizer.PadId].Text);
        });

        WriteMessage(output, ModelNormalizerSpec, o =>
        {
            WriteString(o, NormalizerName, "identity");
            WriteVarint(o, NormalizerAddDummyPrefix, 1);
            WriteVarint(o, NormalizerRemoveExtraWhitespaces, 0);
            WriteVarint(o, NormalizerEscapeWhitespaces, 1);
        });

        output.Flush();
        return buffer.ToArray();
    }

    private static int TypeOf(PieceKind kind) => kind switch
    {
        PieceKind.Unknown => TypeUnknown,
        PieceKind.Pad or PieceKind.Bos or PieceKind.Eos => TypeControl,
        PieceKind.Byte => TypeByte,
        _ => TypeNormal,
    };

    /// <summary>Writes an embedded message: its tag, its length, then its fields.</summary>
    private static void WriteMessage(CodedOutputStream output, int field, Action<CodedOutputStream> writeFields)
    {
        using var inner = new MemoryStream();
        var o = new CodedOutputStream(inner);
        writeFields(o);
        o.Flush();
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(inner.GetBuffer(), 0, (int)inner.Length));
    }

    private static void WriteVarint(CodedOutputStream o, int field, int value)
    {
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteInt32(value);
    }

    private static void WriteString(CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }
}
