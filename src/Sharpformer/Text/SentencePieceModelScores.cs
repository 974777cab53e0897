using Google.Protobuf;

namespace Sharpformer.Text;

/// <summary>
/// Reads the piece scores of a SentencePiece <c>.model</c> (Microsoft.ML.Tokenizers keeps them
/// private), for the human-readable <c>.vocab</c> listing.
/// </summary>
internal static class SentencePieceModelScores
{
    public static float[] Read(byte[] model)
    {
        var scores = new List<float>();
        var input = new CodedInputStream(model);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1 || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
                continue;
            }
            // One ModelProto.SentencePiece: the score is field 2 (float); absent means 0.
            var piece = new CodedInputStream(input.ReadBytes().ToByteArray());
            float score = 0f;
            uint pieceTag;
            while ((pieceTag = piece.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(pieceTag) == 2 && WireFormat.GetTagWireType(pieceTag) == WireFormat.WireType.Fixed32)
                    score = piece.ReadFloat();
                else
                    piece.SkipLastField();
            }
            scores.Add(score);
        }
        return scores.ToArray();
    }
}
