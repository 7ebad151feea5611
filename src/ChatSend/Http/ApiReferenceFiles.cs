using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Scalar.AspNetCore;

namespace ChatSend.Http;

/// <summary>
/// The document and the API reference page for hosts without ASP.NET Core routing (the Functions app): the checked-in
/// <c>openapi/v1.json</c>, embedded in this library at build time, and Scalar's page with Scalar's script served from the
/// Scalar.AspNetCore package's own embedded copy, so the page needs no CDN. The local host serves the same with
/// <see cref="ApiDocs.MapChatSendDocs"/>.
/// </summary>
public sealed class ApiReferenceFiles
{
    public const string Title = "ChatSend API";
    public const string DocumentResource = "ChatSend.openapi.v1.json";
    public const string ScalarScript = "scalar.js";
    private const string ScalarScriptResource = "ScalarStaticAssets.scalar.js"; // gzip-compressed in the package

    /// <summary>What the local host's Scalar page is configured with (<see cref="ApiDocs.MapChatSendDocs"/>), as Scalar reads it.</summary>
    public const string PageConfiguration =
        """{"authentication":{"preferredSecurityScheme":["Bearer"]},"withDefaultFonts":false,"telemetry":false,"agent":{"disabled":true},"mcp":{"disabled":true},"showDeveloperTools":"never","url":"/openapi/v1.json"}""";

    private const string PageHtml = $$"""
        <!doctype html>
        <html>
        <head>
            <title>{{Title}}</title>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
        </head>
        <body>
            <div id="app"></div>
            <script src="{{ApiDocs.ReferencePrefix}}/{{ScalarScript}}"></script>
            <script>Scalar.createApiReference('#app', {{PageConfiguration}})</script>
        </body>
        </html>
        """;

    public static Stream OpenDocument() =>
        typeof(ApiReferenceFiles).Assembly.GetManifestResourceStream(DocumentResource)
        ?? throw new InvalidOperationException($"{DocumentResource} is not embedded in {typeof(ApiReferenceFiles).Assembly.GetName().Name}.");

    public FileStreamHttpResult Document() => TypedResults.Stream(OpenDocument(), "application/json;charset=utf-8");

    /// <summary>The page for no asset, else Scalar's script.</summary>
    public Results<ContentHttpResult, FileStreamHttpResult, NotFound> Page(string? asset) => asset switch
    {
        null or "" => TypedResults.Content(PageHtml, "text/html; charset=utf-8"),
        ScalarScript => TypedResults.Stream(
            new GZipStream(typeof(ScalarOptions).Assembly.GetManifestResourceStream(ScalarScriptResource)!, CompressionMode.Decompress),
            "text/javascript; charset=utf-8"),
        _ => TypedResults.NotFound(),
    };
}
