using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Inspection;

/// <summary>A piece and its cosine similarity to a query.</summary>
public sealed record Neighbour(int Id, string Piece, double Cosine);

/// <summary>How a word was turned into one vector: the pieces it is cut into, whose embeddings are averaged.</summary>
public sealed record WordVector(string Word, int[] Ids, string[] Pieces, float[] Vector);

/// <summary>
/// A model's word-embedding table E [V, d] (the Transformer's shared source/target/output embedding),
/// with the pieces its rows stand for: nearest neighbours by cosine similarity, and a word's vector.
/// </summary>
public sealed class EmbeddingTable
{
    private readonly SubwordTokenizer _tokenizer;
    private double[][]? _unit;

    public EmbeddingTable(ISeq2SeqModel model, SubwordTokenizer tokenizer)
    {
        // The Transformer's shared table by name; another architecture's first [V, d] embedding.
        var p = model.Parameters.FirstOrDefault(x => x.Name == "embed.weight")
            ?? model.Parameters.FirstOrDefault(x => x.Role == Layers.ParameterRole.Embedding && x.Shape.Count == 2 && x.Shape[0] == model.Tokens.VocabSize)
            ?? throw new UserInputException($"the {model.Architecture} model has no word-embedding table");
        if (tokenizer.VocabSize != p.Shape[0]) throw new UserInputException($"tokenizer: its vocabulary has {tokenizer.VocabSize} pieces, the embedding {p.Shape[0]} rows");
        Name = p.Name;
        (Rows, D) = (p.Shape[0], p.Shape[1]);
        Values = p.Value.Span.ToArray();
        _tokenizer = tokenizer;
        Special = new HashSet<int> { model.Tokens.PadId, model.Tokens.BosId, model.Tokens.EosId, SubwordTokenizer.UnkId };
    }

    /// <summary>The parameter's name (e.g. embed.weight).</summary>
    public string Name { get; }
    public int Rows { get; }
    public int D { get; }

    /// <summary>E [V, d], row-major.</summary>
    public float[] Values { get; }

    /// <summary>Ids that stand for no text (pad, bos, eos, unk): left out of neighbours and statistics.</summary>
    public IReadOnlySet<int> Special { get; }

    public ReadOnlySpan<float> Row(int id) => Values.AsSpan(id * D, D);
    public string Piece(int id) => _tokenizer.IdToPiece(id);

    /// <summary>
    /// The vector of <paramref name="word"/>: the row of the one piece the tokenizer makes of it ("Hund" → "▁Hund");
    /// else the row of the piece spelt exactly so (a piece inside words, e.g. "ung", or "▁Hund" itself);
    /// else the mean of the rows of the pieces it is cut into.
    /// </summary>
    public WordVector Vector(string word)
    {
        if (string.IsNullOrWhiteSpace(word)) throw new UserInputException("WORD: empty");
        int[] ids = _tokenizer.Encode(word.Trim());
        if (ids.Length != 1 && _tokenizer.PieceToId(word) is { } exact && !Special.Contains(exact)) ids = [exact];
        if (ids.Length == 0) throw new UserInputException($"WORD: '{word}' gives no pieces");
        var mean = new float[D];
        foreach (int id in ids)
        {
            var row = Row(id);
            for (int j = 0; j < D; j++) mean[j] += row[j] / ids.Length;
        }
        return new WordVector(word, ids, ids.Select(Piece).ToArray(), mean);
    }

    /// <summary>The <paramref name="k"/> pieces most similar to <paramref name="query"/>, best first, leaving out special ids and <paramref name="exclude"/>.</summary>
    public IReadOnlyList<Neighbour> Nearest(ReadOnlySpan<float> query, int k, IReadOnlyCollection<int>? exclude = null)
    {
        if (k < 1) throw UserInputException.ForField("K", $"must be at least 1, got {k}");
        _unit ??= VectorSimilarity.UnitRows(Values, Rows, D);
        var q = VectorSimilarity.UnitRows(query, 1, D)[0];
        var scored = new List<(int Id, double Cos)>(Rows);
        for (int id = 0; id < Rows; id++)
        {
            if (Special.Contains(id) || (exclude?.Contains(id) ?? false)) continue;
            scored.Add((id, VectorSimilarity.Dot(q, _unit[id])));
        }
        return scored.OrderByDescending(s => s.Cos).ThenBy(s => s.Id).Take(k).Select(s => new Neighbour(s.Id, Piece(s.Id), s.Cos)).ToArray();
    }

    /// <summary>The ids of ordinary pieces (not special), all of them or a seeded random sample of <paramref name="max"/>.</summary>
    public int[] OrdinaryIds(int max, int seed = 1)
    {
        var ids = Enumerable.Range(0, Rows).Where(i => !Special.Contains(i)).ToArray();
        if (ids.Length <= max) return ids;
        var rng = new Random(seed);
        rng.Shuffle(ids);
        return ids[..max].Order().ToArray();
    }
}
