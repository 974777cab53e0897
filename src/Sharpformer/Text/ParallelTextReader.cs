namespace Sharpformer.Text;

/// <summary>Reads a pair of line-aligned sentence files into a <see cref="ParallelCorpus"/>.</summary>
internal static class ParallelTextReader
{
    public static ParallelCorpus Read(string sourcePath, string targetPath, CorpusReadOptions options)
    {
        List<string> sources = Utf8TextFile.ReadLines(sourcePath);
        List<string> targets = Utf8TextFile.ReadLines(targetPath);
        if (sources.Count != targets.Count)
            throw new UserInputException(
                $"{sourcePath} has {sources.Count} lines but {targetPath} has {targets.Count}; parallel files must have the same number of lines");

        var pairs = new List<SentencePair>(sources.Count);
        int skipped = 0;
        for (int i = 0; i < sources.Count; i++)
        {
            bool sourceBlank = IsBlank(sources[i]);
            if (sourceBlank || IsBlank(targets[i]))
            {
                if (!options.SkipEmptyLines)
                {
                    (string path, string line) = sourceBlank ? (sourcePath, sources[i]) : (targetPath, targets[i]);
                    throw new UserInputException($"{path}, line {i + 1}: {DescribeBlank(line)} (every line must hold a sentence)");
                }
                skipped++;
                continue;
            }
            pairs.Add(new SentencePair(sources[i], targets[i]));
        }

        if (pairs.Count == 0)
            throw new UserInputException($"{sourcePath}: no sentence pairs left after skipping {skipped} empty lines");
        return new ParallelCorpus(pairs, sourcePath, targetPath, skipped);
    }

    internal static bool IsBlank(string text) => string.IsNullOrWhiteSpace(text);

    internal static string DescribeBlank(string text) => text.Length == 0 ? "empty line" : "line holds only whitespace";
}
