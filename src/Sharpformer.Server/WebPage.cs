using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Sharpformer.Server;

/// <summary>
/// The page at / (wwwroot/, embedded in this assembly): plain HTML, CSS and JavaScript with nothing
/// fetched from elsewhere, which its Content-Security-Policy enforces in the browser.
/// </summary>
internal static class WebPage
{
    /// <summary>Scripts, styles, images and API calls from this server only; no inline script.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IFileProvider Files { get; } =
        new EmbeddedFileProvider(typeof(WebPage).Assembly, typeof(WebPage).Assembly.GetName().Name + ".wwwroot");

    public static void Serve(WebApplication app)
    {
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = Files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = file =>
            {
                var headers = file.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.CacheControl = "no-cache";
            },
        });
    }
}
