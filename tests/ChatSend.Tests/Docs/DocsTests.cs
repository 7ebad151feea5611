using System.Text.Json;
using System.Text.RegularExpressions;
using ChatSend.Http;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Docs;

/// <summary>
/// The README and the manual in <c>docs/</c> hold together: every relative link leads to a file of the repository and
/// every <c>#anchor</c> to a heading of its page (external links are not fetched); every route of the checked-in OpenAPI
/// document is described under a heading that names it; and the README stays a first screen, not the manual.
/// </summary>
public sealed partial class DocsTests
{
    public const int ReadmeMaxLines = 250;

    private static readonly string Readme = Path.Combine(RepoPaths.Root, "README.md");
    private static readonly string DocsFolder = Path.Combine(RepoPaths.Root, "docs");

    private static IEnumerable<string> Pages() =>
        Directory.EnumerateFiles(DocsFolder, "*.md").Order(StringComparer.Ordinal).Prepend(Readme);

    private static string Relative(string path) => Path.GetRelativePath(RepoPaths.Root, path).Replace('\\', '/');

    [Fact]
    public void TheReadmeStaysWithinItsLineBudget()
    {
        var lines = File.ReadAllLines(Readme).Length;
        Assert.True(lines <= ReadmeMaxLines,
            $"README.md has {lines} lines, more than {ReadmeMaxLines}: keep it to what ChatSend is, the two commands, the picture, the layout " +
            "and the map of docs/, and move the rest to a page in docs/.");
    }

    [Fact]
    public void TheManualHasPages()
    {
        Assert.True(Directory.Exists(DocsFolder), $"{DocsFolder} is missing");
        Assert.NotEmpty(Directory.EnumerateFiles(DocsFolder, "*.md"));
    }

    [Fact]
    public void EveryRelativeLinkLeadsToAFileOfTheRepositoryAndEveryAnchorToAHeading()
    {
        var broken = new List<string>();
        foreach (var page in Pages())
        {
            var file = MarkdownFile.Read(page);
            foreach (var link in file.Links)
            {
                if (Uri.TryCreate(link.Target, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" or "mailto")
                    continue; // not fetched
                var where = $"{Relative(page)}:{link.Line}: ({link.Target})";
                var hash = link.Target.IndexOf('#');
                var pathPart = Uri.UnescapeDataString(hash < 0 ? link.Target : link.Target[..hash]);
                var anchor = hash < 0 ? null : link.Target[(hash + 1)..];
                var target = pathPart.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, pathPart));
                if (!target.StartsWith(RepoPaths.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    broken.Add($"{where} leads outside the repository ({target}); the docs must stand on their own");
                else if (!File.Exists(target) && !Directory.Exists(target))
                    broken.Add($"{where}: there is no file {Relative(target)}");
                else if (anchor is not null && target.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                         && MarkdownFile.Read(target) is var linked && !linked.Anchors.Contains(anchor))
                    broken.Add($"{where}: {Relative(target)} has no heading with the anchor #{anchor} " +
                               $"(its anchors: {string.Join(", ", linked.Anchors.Select(a => "#" + a))})");
            }
        }
        Assert.True(broken.Count == 0,
            $"{broken.Count} broken link(s) in README.md and docs/ (an anchor is the heading lower-cased, spaces as '-', " +
            $"punctuation but '-' and '_' dropped, as GitHub makes it):{Environment.NewLine}{string.Join(Environment.NewLine, broken)}");
    }

    [Fact]
    public void EveryRouteOfTheOpenApiDocumentHasAHeadingInDocsThatNamesIt()
    {
        var headings = Directory.EnumerateFiles(DocsFolder, "*.md")
            .SelectMany(page => MarkdownFile.Read(page).Headings.Select(h => h.Text))
            .ToList();
        var undescribed = OpenApiRoutes().Where(route => !headings.Any(h => h.Contains($"`{route}`", StringComparison.Ordinal))).ToList();
        Assert.True(undescribed.Count == 0,
            "openapi/v1.json has routes that no heading in docs/*.md names: " +
            string.Join(", ", undescribed.Select(r => $"`{r}`")) + ". Describe each under a heading that contains the method and path " +
            "in backticks, exactly as the document spells them (for example: ## Read a message: `GET /messages/{id}`).");
    }

    [Fact]
    public void EveryRouteAHeadingInDocsNamesIsServed()
    {
        var served = ApiEndpoints.All.Select(e => $"{e.Method.ToUpperInvariant()} /{e.Route}").ToHashSet(StringComparer.Ordinal);
        var stale = Directory.EnumerateFiles(DocsFolder, "*.md")
            .SelectMany(page => MarkdownFile.Read(page).Headings.Select(h => (Page: page, Heading: h)))
            .SelectMany(x => NamedRoute().Matches(x.Heading.Text).Select(m => (x.Page, x.Heading, Route: m.Groups["route"].Value)))
            .Where(x => !served.Contains(x.Route))
            .Select(x => $"{Relative(x.Page)}:{x.Heading.Line}: `{x.Route}`")
            .ToList();
        Assert.True(stale.Count == 0,
            "Headings in docs/ name routes that ApiEndpoints does not serve (renamed or removed?):" + Environment.NewLine +
            string.Join(Environment.NewLine, stale));
    }

    /// <summary>Each operation of the checked-in document as "METHOD /path".</summary>
    private static IEnumerable<string> OpenApiRoutes()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "openapi", "v1.json")));
        var routes = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(operation => OperationMethods.Contains(operation.Name))
                .Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"))
            .ToList();
        Assert.NotEmpty(routes);
        return routes;
    }

    private static readonly HashSet<string> OperationMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    [GeneratedRegex(@"`(?<route>(?:GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS) /[^`\s]*)`")]
    private static partial Regex NamedRoute();
}
