namespace Sharpformer.Text;

/// <summary>Reads two columns of a CSV/TSV file into a <see cref="ParallelCorpus"/>.</summary>
internal static class DelimitedPairReader
{
    public static ParallelCorpus Read(string path, ColumnRef sourceColumn, ColumnRef targetColumn, CorpusReadOptions options)
    {
        bool byName = sourceColumn.IsByName || targetColumn.IsByName;
        bool hasHeader = options.HasHeader ?? byName;
        if (byName && !hasHeader)
            throw new UserInputException($"{path}: a column is chosen by name ({(sourceColumn.IsByName ? sourceColumn : targetColumn)}) but the file is read without a header row");

        DelimitedFormat format = options.Format ?? FormatFromFileName(path);
        string text = Utf8TextFile.ReadAllText(path);
        List<DelimitedRecord> records = DelimitedRecordParser.Parse(text, format, path);

        int first = 0;
        string[]? header = null;
        if (hasHeader)
        {
            // Leading empty lines before the header carry no information; the header is the first real row.
            while (first < records.Count && records[first].IsEmptyLine) first++;
            if (first == records.Count) throw new UserInputException($"{path}: the file has no header row");
            header = records[first].Fields;
            first++;
        }

        int expectedFields = header?.Length ?? FirstNonEmpty(records, first)?.Fields.Length
            ?? throw new UserInputException($"{path}: the file has no data rows");
        int headerLine = hasHeader ? records[first - 1].Line : 0;
        int sourceIndex = Resolve(sourceColumn, header, expectedFields, path, headerLine);
        int targetIndex = Resolve(targetColumn, header, expectedFields, path, headerLine);

        var pairs = new List<SentencePair>(records.Count - first);
        int skipped = 0;
        for (int r = first; r < records.Count; r++)
        {
            DelimitedRecord record = records[r];
            if (record.IsEmptyLine)
            {
                if (!options.SkipEmptyLines)
                    throw new UserInputException($"{path}, line {record.Line}: empty line (every row must hold a pair)");
                skipped++;
                continue;
            }
            if (record.Fields.Length != expectedFields)
                throw new UserInputException(
                    $"{path}, line {record.Line}: expected {expectedFields} fields but found {record.Fields.Length}" +
                    (format == DelimitedFormat.Csv ? " (a field holding a comma must be quoted)" : ""));

            string source = record.Fields[sourceIndex];
            string target = record.Fields[targetIndex];
            bool sourceBlank = ParallelTextReader.IsBlank(source);
            if (sourceBlank || ParallelTextReader.IsBlank(target))
            {
                if (!options.SkipEmptyLines)
                {
                    (ColumnRef column, string value) = sourceBlank ? (sourceColumn, source) : (targetColumn, target);
                    string what = value.Length == 0 ? "is empty" : "holds only whitespace";
                    throw new UserInputException($"{path}, line {record.Line}: the field of column {Describe(column, header)} {what}");
                }
                skipped++;
                continue;
            }
            pairs.Add(new SentencePair(source, target));
        }

        if (pairs.Count == 0)
            throw new UserInputException(skipped > 0
                ? $"{path}: no pairs left after skipping {skipped} rows with an empty field"
                : $"{path}: the file has no data rows");
        return new ParallelCorpus(pairs, path, path, skipped);
    }

    /// <summary>CSV for a <c>.csv</c> name, TSV for anything else (<c>.tsv</c>, <c>.txt</c>, ...).</summary>
    public static DelimitedFormat FormatFromFileName(string path) =>
        Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? DelimitedFormat.Csv : DelimitedFormat.Tsv;

    private static DelimitedRecord? FirstNonEmpty(List<DelimitedRecord> records, int from)
    {
        for (int r = from; r < records.Count; r++)
            if (!records[r].IsEmptyLine) return records[r];
        return null;
    }

    private static int Resolve(ColumnRef column, string[]? header, int fieldCount, string path, int headerLine)
    {
        if (column.Name is { } name)
        {
            int index = Array.IndexOf(header!, name);
            if (index < 0)
                throw new UserInputException(
                    $"{path}, line {headerLine}: no column named \"{name}\" in the header (columns: {string.Join(", ", header!.Select(h => $"\"{h}\""))})");
            return index;
        }
        if (column.Index >= fieldCount)
            throw new UserInputException($"{path}: there is no column at index {column.Index}; rows have {fieldCount} fields (0-based indices 0 to {fieldCount - 1})");
        return column.Index;
    }

    private static string Describe(ColumnRef column, string[]? header) =>
        column.IsByName || header is null ? column.ToString() : $"\"{header[column.Index]}\"";
}
