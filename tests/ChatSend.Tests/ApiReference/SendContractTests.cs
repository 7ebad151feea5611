using System.Text.Json;
using System.Text.RegularExpressions;
using ChatSend.Messages;
using ChatSend.Send;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.ApiReference;

/// <summary>
/// The OpenAPI document and the public contract (<c>../shared/api/send.md</c>, beside the repository) agree on every field:
/// each field of send.md's request and response tables is in the schema with a compatible type (and required where
/// send.md says so), and each schema field is in those tables or listed as an addition in docs/api.md ("Fields beyond
/// the original contract"), where the additions are documented.
/// </summary>
public sealed partial class SendContractTests
{
    private static readonly string ContractPath = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "api", "send.md"));

    private static readonly string AdditionsPage = Path.Combine(RepoPaths.Root, "docs", "api.md");

    private static readonly JsonElement Schemas = DocsHost.CheckedIn().GetProperty("components").GetProperty("schemas");

    [Fact]
    public void EveryRequestFieldOfTheContractIsInTheSchemaWithItsTypeAndRequiredness()
    {
        var schema = Schemas.GetProperty(nameof(SendRequest));
        var required = schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ToHashSet();
        foreach (var row in ContractTable(0))
        {
            Assert.True(schema.GetProperty("properties").TryGetProperty(row.Field, out var property), $"send.md's request field '{row.Field}' is not in the SendRequest schema");
            Assert.True(Compatible(row.Type, property), $"'{row.Field}': send.md says {row.Type}, the schema says {property}");
            Assert.True(row.Required == required.Contains(row.Field), $"'{row.Field}': send.md says required={row.Required}");
        }
    }

    [Fact]
    public void EveryResponseFieldOfTheContractIsInTheMessageSchemaWithItsType()
    {
        var schema = Schemas.GetProperty(nameof(MessageView));
        foreach (var row in ContractTable(1))
        {
            Assert.True(schema.GetProperty("properties").TryGetProperty(row.Field, out var property), $"send.md's response field '{row.Field}' is not in the MessageView schema");
            Assert.True(Compatible(row.Type, property), $"'{row.Field}': send.md says {row.Type}, the schema says {property}");
        }
    }

    [Theory]
    [InlineData(nameof(SendRequest), 0)]
    [InlineData(nameof(MessageView), 1)]
    public void EverySchemaFieldIsInTheContractOrListedAsAnAdditionInTheApiDocs(string schemaName, int table)
    {
        var known = ContractTable(table).Select(r => r.Field).Concat(DocumentedAdditions(schemaName)).ToHashSet();
        var unlisted = Schemas.GetProperty(schemaName).GetProperty("properties").EnumerateObject().Select(p => p.Name).Where(f => !known.Contains(f)).ToList();
        Assert.True(unlisted.Count == 0,
            $"{schemaName} has fields neither send.md's table nor the additions list of docs/api.md has: {string.Join(", ", unlisted)}. " +
            "Describe them in docs/api.md and add them to its table under 'Fields beyond the original contract'.");
    }

    [Fact]
    public void TheApiDocsListNoAdditionThatIsNotInTheSchema()
    {
        foreach (var schemaName in new[] { nameof(SendRequest), nameof(MessageView) })
            foreach (var field in DocumentedAdditions(schemaName))
                Assert.True(Schemas.GetProperty(schemaName).GetProperty("properties").TryGetProperty(field, out _), $"docs/api.md lists {schemaName}.{field}, which is not in the schema");
    }

    private sealed record ContractField(string Field, string Type, bool Required);

    /// <summary>The rows of send.md's n-th field table (0: the request, 1: the response).</summary>
    private static List<ContractField> ContractTable(int n)
    {
        var tables = new List<List<ContractField>>();
        List<ContractField>? current = null;
        foreach (var line in File.ReadLines(ContractPath))
        {
            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (!line.StartsWith('|'))
                current = null;
            else if (cells[0] == "field")
                tables.Add(current = []);
            else if (current is not null && !cells[0].StartsWith("---"))
                current.Add(new ContractField(cells[0], cells[1], cells.Length > 3 && cells[2] == "yes"));
        }
        Assert.True(tables.Count > n && tables[n].Count > 0, $"send.md ({ContractPath}) should have a field table #{n + 1}");
        return tables[n];
    }

    private static IEnumerable<string> DocumentedAdditions(string schemaName) =>
        File.ReadLines(AdditionsPage)
            .Select(line => AdditionRow().Match(line))
            .Where(m => m.Success && m.Groups["schema"].Value == schemaName)
            .Select(m => m.Groups["field"].Value);

    private static bool Compatible(string contractType, JsonElement property)
    {
        var resolved = property.TryGetProperty("$ref", out var reference)
            ? Schemas.GetProperty(reference.GetString()!.Split('/')[^1])
            : property;
        return contractType switch
        {
            "string" => HasType(resolved, "string"),
            "boolean" => HasType(resolved, "boolean"),
            "object of string → string" => HasType(resolved, "object")
                && resolved.TryGetProperty("additionalProperties", out var values) && HasType(values, "string"),
            _ => throw new InvalidOperationException($"send.md has a type this test does not know: '{contractType}'"),
        };
    }

    private static bool HasType(JsonElement schema, string type) =>
        schema.TryGetProperty("type", out var t)
        && (t.ValueKind == JsonValueKind.String ? t.GetString() == type : t.EnumerateArray().Any(v => v.GetString() == type));

    // A row of docs/api.md's additions table, such as: | `MessageView` | `statusHistory` | [Read a message](…) |
    [GeneratedRegex(@"^\|\s*`(?<schema>\w+)`\s*\|\s*`(?<field>\w+)`\s*\|")]
    private static partial Regex AdditionRow();
}
