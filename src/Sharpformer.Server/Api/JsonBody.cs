using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Sharpformer.Server.Api;

/// <summary>
/// Reads a request body into a contract record with errors a client can act on: 415 for a body that is
/// not JSON, 413 past the size limit, and 400 naming the field for malformed JSON, an unknown field
/// (a typo such as "nbest" is refused, not ignored) or a value of the wrong type.
/// </summary>
public static partial class JsonBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancel) where T : class
    {
        if (!request.HasJsonContentType())
            throw new ApiProblem(StatusCodes.Status415UnsupportedMediaType, null, "send the body as application/json");
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, cancel);
        }
        catch (JsonException e)
        {
            throw ApiProblem.BadRequest("body", "not valid JSON: " + e.Message.ReplaceLineEndings(" "));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiProblem(StatusCodes.Status413PayloadTooLarge, null, "the request body is larger than the server accepts");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw ApiProblem.BadRequest("body", "expected a JSON object");
            var typeInfo = options.GetTypeInfo(typeof(T));
            RefuseUnknownFields(root, typeInfo, options, prefix: "");
            try
            {
                return root.Deserialize<T>(options) ?? throw ApiProblem.BadRequest("body", "expected a JSON object");
            }
            catch (JsonException e)
            {
                string field = FieldOf(e.Path);
                throw ApiProblem.BadRequest(field, $"expected {Describe(TypeAt(typeInfo, options, field))}");
            }
        }
    }

    private static void RefuseUnknownFields(JsonElement obj, JsonTypeInfo info, JsonSerializerOptions options, string prefix)
    {
        foreach (var property in obj.EnumerateObject())
        {
            var known = info.Properties.FirstOrDefault(p => p.Name == property.Name);
            string field = prefix + property.Name;
            if (known == null)
                throw ApiProblem.BadRequest(ApiProblem.Printable(field),
                    $"unknown field (known: {string.Join(", ", info.Properties.Select(p => p.Name))})");
            if (property.Value.ValueKind == JsonValueKind.Object && IsRecord(known.PropertyType))
                RefuseUnknownFields(property.Value, options.GetTypeInfo(known.PropertyType), options, field + ".");
        }
    }

    /// <summary>"$.sampling.top_p" → "sampling.top_p"; "$.text[2]" → "text[2]".</summary>
    private static string FieldOf(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.") ? path[2..] : path.TrimStart('$');

    /// <summary>The CLR type a field path points at (an array element for "text[2]"), or null.</summary>
    private static Type? TypeAt(JsonTypeInfo info, JsonSerializerOptions options, string field)
    {
        Type? type = null;
        foreach (string segment in field.Split('.'))
        {
            var match = SegmentPattern().Match(segment);
            var property = info.Properties.FirstOrDefault(p => p.Name == match.Groups[1].Value);
            if (property == null) return null;
            type = property.PropertyType;
            if (match.Groups[2].Success) type = type.IsArray ? type.GetElementType() : null;
            if (type == null) return null;
            info = options.GetTypeInfo(type);
        }
        return type;
    }

    private static string Describe(Type? type)
    {
        type = type == null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "a value of another type",
            _ when type == typeof(int) || type == typeof(long) => "an integer",
            _ when type == typeof(ulong) => "a non-negative integer",
            _ when type == typeof(double) || type == typeof(float) => "a number",
            _ when type == typeof(string) => "a string",
            { IsArray: true } when type.GetElementType() == typeof(string) => "an array of strings",
            { IsArray: true } => "an array",
            _ => "an object",
        };
    }

    private static bool IsRecord(Type type) => type.IsClass && type != typeof(string) && !type.IsArray;

    [GeneratedRegex(@"^([^\[]+)(\[\d+\])?$")]
    private static partial Regex SegmentPattern();
}
