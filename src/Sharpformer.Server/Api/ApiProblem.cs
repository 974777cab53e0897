using Microsoft.AspNetCore.Http;

namespace Sharpformer.Server.Api;

/// <summary>
/// A request the server will not serve as sent, turned into an RFC 7807 problem-details response: the HTTP
/// status, the JSON field at fault (e.g. "text[2]", "sampling.top_p") when there is one, and one line
/// saying what is wrong. Never a stack trace.
/// </summary>
public sealed class ApiProblem(int status, string? field, string detail, int? retryAfterSeconds = null) : Exception(detail)
{
    public int Status { get; } = status;
    public string? Field { get; } = field;
    public string Detail { get; } = detail;

    /// <summary>Seconds for the Retry-After header (503).</summary>
    public int? RetryAfterSeconds { get; } = retryAfterSeconds;

    public static ApiProblem BadRequest(string? field, string detail) => new(StatusCodes.Status400BadRequest, field, detail);

    /// <summary>The response: application/problem+json with "field" among the extensions, and Retry-After when set.</summary>
    public IResult ToResult(HttpContext context)
    {
        if (RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var extensions = new Dictionary<string, object?>();
        if (Field != null) extensions["field"] = Field;
        return TypedResults.Problem(Field != null ? $"{Field}: {Detail}" : Detail, statusCode: Status, extensions: extensions);
    }

    /// <summary>A value from a request, quoted and cut short so that an error message stays one readable line.</summary>
    public static string Quote(string value) => "'" + Printable(value) + "'";

    /// <summary>A value from a request made safe for a one-line message: control characters replaced, at most 40 characters.</summary>
    public static string Printable(string value)
    {
        var cut = value.Length <= 40 ? value : value[..40] + "…";
        return string.Concat(cut.Select(c => char.IsControl(c) ? '·' : c));
    }
}
