namespace Sharpformer.Text;

/// <summary>One row of a CSV/TSV file and the 1-based physical line it starts on.</summary>
internal readonly record struct DelimitedRecord(int Line, string[] Fields)
{
    /// <summary>True for a physically empty line (one empty, unquoted field).</summary>
    public bool IsEmptyLine => Fields.Length == 1 && Fields[0].Length == 0;
}

/// <summary>
/// Splits decoded text into rows and fields. CSV follows RFC 4180: a field that starts with a
/// double quote runs to the matching quote, <c>""</c> inside it is one quote, and it may span
/// lines (its line breaks are kept as they are in the file). TSV has no quoting at all. LF and
/// CRLF both end a row; a final row without a line break counts.
/// </summary>
internal static class DelimitedRecordParser
{
    public static List<DelimitedRecord> Parse(string text, DelimitedFormat format, string path)
    {
        char delimiter = format == DelimitedFormat.Csv ? ',' : '\t';
        bool quoting = format == DelimitedFormat.Csv;
        var records = new List<DelimitedRecord>();
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        int line = 1;
        int recordLine = 1;
        int i = 0;

        while (i < text.Length)
        {
            // At the start of a field.
            if (quoting && text[i] == '"')
            {
                int quoteLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length)
                        throw new UserInputException($"{path}, line {quoteLine}: unterminated quoted field (the quote opened on this line is never closed)");
                    char c = text[i];
                    if (c == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (c == '\n') line++;
                    field.Append(c);
                    i++;
                }
                if (i < text.Length && text[i] != delimiter && !IsLineEnd(text, i))
                    throw new UserInputException($"{path}, line {line}: unexpected character '{text[i]}' after a closing quote (a quote inside a field must be doubled)");
            }
            else
            {
                // Unquoted: a stray quote inside the field is kept as an ordinary character.
                while (i < text.Length && text[i] != delimiter && !IsLineEnd(text, i))
                    field.Append(text[i++]);
            }

            fields.Add(field.ToString());
            field.Clear();

            if (i >= text.Length) break;
            if (text[i] == delimiter)
            {
                i++;
                if (i >= text.Length) fields.Add(string.Empty); // "a,b," at end of file: trailing empty field
                continue;
            }

            // Line end: finish the record.
            i += text[i] == '\r' ? 2 : 1;
            records.Add(new DelimitedRecord(recordLine, fields.ToArray()));
            fields.Clear();
            line++;
            recordLine = line;
        }

        if (fields.Count > 0) records.Add(new DelimitedRecord(recordLine, fields.ToArray()));
        return records;
    }

    private static bool IsLineEnd(string text, int i) =>
        text[i] == '\n' || (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n');
}
