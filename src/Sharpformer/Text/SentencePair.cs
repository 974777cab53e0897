namespace Sharpformer.Text;

/// <summary>One sentence and its translation (or one prompt and its reply), text kept exactly as read.</summary>
public sealed record SentencePair(string Source, string Target);
