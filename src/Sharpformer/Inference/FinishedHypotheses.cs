namespace Sharpformer.Inference;

/// <summary>
/// One sentence's finished hypotheses, best normalised score first, at most <c>capacity</c> of them;
/// a newcomer tying an existing score goes after it.
/// </summary>
internal sealed class FinishedHypotheses(int capacity)
{
    private readonly List<Hypothesis> _items = new(capacity + 1);

    public int Count => _items.Count;
    public bool IsFull => _items.Count >= capacity;
    public Hypothesis Worst => _items[^1];
    public IReadOnlyList<Hypothesis> Items => _items;

    public void Add(Hypothesis h)
    {
        if (double.IsNaN(h.Score) || IsFull && !(h.Score > Worst.Score)) return;
        int at = _items.Count;
        while (at > 0 && _items[at - 1].Score < h.Score) at--;
        _items.Insert(at, h);
        if (_items.Count > capacity) _items.RemoveAt(_items.Count - 1);
    }
}
