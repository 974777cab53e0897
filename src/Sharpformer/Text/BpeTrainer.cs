namespace Sharpformer.Text;

/// <summary>What a piece of the trained vocabulary is.</summary>
internal enum PieceKind : byte { Pad, Bos, Eos, Unknown, Byte, Merged, Character }

/// <summary>One vocabulary entry: its text, SentencePiece score and kind. The id is its position.</summary>
internal readonly record struct TrainedPiece(string Text, float Score, PieceKind Kind);

/// <summary>
/// Learns byte-pair-encoding merges the SentencePiece way: on the stretches of
/// <see cref="TrainingWordSplitter"/>, starting from the characters that make the coverage,
/// repeatedly merging the most frequent adjacent pair (ties: the pair whose left, then right
/// piece sorts first by ordinal string order). Pair counts are kept incrementally: merging a
/// pair only revisits the distinct stretches that contain it, and a lazily-cleaned priority
/// queue holds the candidates, so a merge costs about the size of the stretches it touches.
/// </summary>
internal sealed class BpeTrainer
{
    /// <summary>Ids 0..3 are pad, bos, eos, unk; then the 256 byte pieces; then merges, then characters.</summary>
    public const int ReservedCount = 4 + 256;

    private readonly List<string> _symbolText = new();
    private readonly List<int> _symbolLength = new();          // in code points
    private readonly Dictionary<string, int> _symbolByText = new(StringComparer.Ordinal);
    private readonly Dictionary<long, long> _pairCount = new();
    private readonly Dictionary<long, List<int>> _pairStretches = new();
    private readonly HashSet<long> _changedPairs = new();
    private readonly PriorityQueue<long, (long Count, long Pair)> _queue;
    private readonly int _maxPieceLength;
    private int[][] _stretches = [];
    private long[] _frequency = [];
    private int[] _visitStamp = [];

    private BpeTrainer(int maxPieceLength)
    {
        _maxPieceLength = maxPieceLength;
        _queue = new PriorityQueue<long, (long Count, long Pair)>(Comparer<(long Count, long Pair)>.Create(ComparePriority));
    }

    /// <summary>Trains a vocabulary of at most <paramref name="vocabSize"/> pieces on <paramref name="texts"/>.</summary>
    public static List<TrainedPiece> Train(IEnumerable<string> texts, int vocabSize, SubwordTrainingOptions options)
    {
        var stretchCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(texts));
            TrainingWordSplitter.CountStretches(text, stretchCounts);
        }

        var trainer = new BpeTrainer(options.MaxPieceLength);
        List<string> alphabet = ChooseAlphabet(stretchCounts, options.CharacterCoverage);
        int mergeBudget = vocabSize - ReservedCount - alphabet.Count;
        if (mergeBudget < 0)
            throw new UserInputException(
                $"vocabulary size {vocabSize} is too small for this training text: {ReservedCount} reserved pieces + {alphabet.Count} characters need at least {ReservedCount + alphabet.Count}");

        foreach (string c in alphabet) trainer.AddSymbol(c, 1);
        trainer.LoadStretches(stretchCounts);
        List<string> merges = trainer.LearnMerges(mergeBudget, options.MinPairFrequency);
        return Assemble(merges, alphabet);
    }

    /// <summary>
    /// The most frequent characters until <paramref name="coverage"/> of all occurrences is reached
    /// (ties: ordinal order), always including the whitespace mark.
    /// </summary>
    private static List<string> ChooseAlphabet(Dictionary<string, long> stretchCounts, double coverage)
    {
        var charCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach ((string stretch, long n) in stretchCounts)
        {
            for (int i = 0; i < stretch.Length;)
            {
                int w = TrainingWordSplitter.CharWidth(stretch, i);
                string c = stretch.Substring(i, w);
                charCounts[c] = charCounts.GetValueOrDefault(c) + n;
                i += w;
            }
        }

        var ordered = charCounts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        long total = ordered.Sum(kv => kv.Value);
        var alphabet = new List<string>();
        long covered = 0;
        foreach ((string c, long n) in ordered)
        {
            if (alphabet.Count > 0 && covered >= coverage * total) break;
            alphabet.Add(c);
            covered += n;
        }
        string mark = TrainingWordSplitter.SpaceMark.ToString();
        if (alphabet.Count > 0 && !alphabet.Contains(mark)) alphabet.Add(mark);
        if (alphabet.Count == 0) alphabet.Add(mark);
        return alphabet;
    }

    private int AddSymbol(string text, int length)
    {
        int id = _symbolText.Count;
        _symbolText.Add(text);
        _symbolLength.Add(length);
        _symbolByText.Add(text, id);
        return id;
    }

    /// <summary>Turns each distinct stretch into a symbol array (-1 marks a character outside the alphabet) and counts its pairs.</summary>
    private void LoadStretches(Dictionary<string, long> stretchCounts)
    {
        // Ordinal order makes the run independent of dictionary enumeration order.
        string[] keys = stretchCounts.Keys.Order(StringComparer.Ordinal).ToArray();
        _stretches = new int[keys.Length][];
        _frequency = new long[keys.Length];
        _visitStamp = new int[keys.Length];
        var symbols = new List<int>();
        for (int s = 0; s < keys.Length; s++)
        {
            string stretch = keys[s];
            symbols.Clear();
            for (int i = 0; i < stretch.Length;)
            {
                int w = TrainingWordSplitter.CharWidth(stretch, i);
                symbols.Add(_symbolByText.TryGetValue(stretch.Substring(i, w), out int id) ? id : -1);
                i += w;
            }
            _stretches[s] = symbols.ToArray();
            _frequency[s] = stretchCounts[stretch];
            CountPairs(s, +1, indexAll: true);
        }
        foreach ((long pair, long count) in _pairCount) _queue.Enqueue(pair, (count, pair));
        _changedPairs.Clear();
    }

    private List<string> LearnMerges(int budget, int minFrequency)
    {
        var merges = new List<string>(budget);
        int stamp = 0;
        while (merges.Count < budget && _queue.TryDequeue(out long pair, out var priority))
        {
            if (!_pairCount.TryGetValue(pair, out long count) || count != priority.Count) continue; // stale entry
            if (count < Math.Max(1, minFrequency)) break;

            (int left, int right) = Split(pair);
            string text = _symbolText[left] + _symbolText[right];
            // Two different merges can spell the same piece ("ab"+"c", "a"+"bc"); the piece is added once.
            if (!_symbolByText.TryGetValue(text, out int merged))
            {
                merged = AddSymbol(text, _symbolLength[left] + _symbolLength[right]);
                merges.Add(text);
            }

            stamp++;
            foreach (int s in _pairStretches[pair])
            {
                if (_visitStamp[s] == stamp) continue;
                _visitStamp[s] = stamp;
                ApplyMerge(s, left, right, merged);
            }
            _pairStretches.Remove(pair);
            _pairCount.Remove(pair);
            _changedPairs.Remove(pair);

            foreach (long changed in _changedPairs)
                if (_pairCount.TryGetValue(changed, out long n)) _queue.Enqueue(changed, (n, changed));
            _changedPairs.Clear();
        }
        return merges;
    }

    private void ApplyMerge(int s, int left, int right, int merged)
    {
        int[] symbols = _stretches[s];
        bool present = false;
        for (int i = 0; i + 1 < symbols.Length && !present; i++) present = symbols[i] == left && symbols[i + 1] == right;
        if (!present) return; // the stretch was listed for this pair but an earlier merge consumed it

        CountPairs(s, -1, indexAll: false);
        var result = new List<int>(symbols.Length);
        for (int i = 0; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == left && symbols[i + 1] == right)
            {
                result.Add(merged);
                i++;
            }
            else
            {
                result.Add(symbols[i]);
            }
        }
        _stretches[s] = result.ToArray();
        CountPairs(s, +1, indexAll: false, newSymbol: merged);
    }

    /// <summary>
    /// Adds (sign +1) or removes (-1) the stretch's mergeable pairs from the counts. The stretch is
    /// filed under every pair on first load, afterwards only under pairs that involve the new symbol
    /// (its other pairs were already filed).
    /// </summary>
    private void CountPairs(int s, int sign, bool indexAll, int newSymbol = -1)
    {
        int[] symbols = _stretches[s];
        long weight = sign * _frequency[s];
        for (int i = 0; i + 1 < symbols.Length; i++)
        {
            int a = symbols[i], b = symbols[i + 1];
            if (a < 0 || b < 0 || _symbolLength[a] + _symbolLength[b] > _maxPieceLength) continue;
            long pair = Pack(a, b);
            long n = _pairCount.GetValueOrDefault(pair) + weight;
            if (n == 0) _pairCount.Remove(pair);
            else _pairCount[pair] = n;
            _changedPairs.Add(pair);
            if (sign > 0 && (indexAll || a == newSymbol || b == newSymbol))
            {
                if (!_pairStretches.TryGetValue(pair, out List<int>? list)) _pairStretches[pair] = list = new List<int>();
                list.Add(s);
            }
        }
    }

    private int ComparePriority((long Count, long Pair) x, (long Count, long Pair) y)
    {
        if (x.Count != y.Count) return y.Count.CompareTo(x.Count); // higher count first
        if (x.Pair == y.Pair) return 0;
        (int xl, int xr) = Split(x.Pair);
        (int yl, int yr) = Split(y.Pair);
        int c = string.CompareOrdinal(_symbolText[xl], _symbolText[yl]);
        return c != 0 ? c : string.CompareOrdinal(_symbolText[xr], _symbolText[yr]);
    }

    private static long Pack(int left, int right) => ((long)left << 32) | (uint)right;

    private static (int Left, int Right) Split(long pair) => ((int)(pair >> 32), (int)(uint)pair);

    /// <summary>
    /// The final vocabulary in SentencePiece's layout: control pieces, the 256 byte pieces, the
    /// merged pieces in merge order (score -0, -1, ...) and then the characters (scores continuing).
    /// Only the merged pieces' scores matter to the encoder: it merges the adjacent pair whose
    /// joined text is the highest-scoring piece, i.e. the earliest-learned merge.
    /// </summary>
    private static List<TrainedPiece> Assemble(List<string> merges, List<string> alphabet)
    {
        var pieces = new List<TrainedPiece>(ReservedCount + merges.Count + alphabet.Count)
        {
            new("<pad>", 0f, PieceKind.Pad),
            new("<s>", 0f, PieceKind.Bos),
            new("</s>", 0f, PieceKind.Eos),
            new("<unk>", 0f, PieceKind.Unknown),
        };
        for (int b = 0; b < 256; b++) pieces.Add(new TrainedPiece($"<0x{b:X2}>", 0f, PieceKind.Byte));
        int rank = 0;
        foreach (string m in merges) pieces.Add(new TrainedPiece(m, -rank++, PieceKind.Merged));
        foreach (string c in alphabet) pieces.Add(new TrainedPiece(c, -rank++, PieceKind.Character));
        return pieces;
    }
}
