using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatSend.Tests.Infrastructure;
using Xunit.Sdk;

namespace ChatSend.Tests.Infra;

/// <summary>
/// The ARM JSON that <c>infra/bicep.sh</c> compiles from <c>infra/main.bicep</c>, read as a tree: the main template
/// and, inside it, one nested template per module (a <c>Microsoft.Resources/deployments</c> resource). Resources are
/// found by type wherever they are, whether a template lists them as an array or (language version 2.0) as an
/// object keyed by symbolic name. The tests never run Bicep themselves.
/// </summary>
public sealed partial class ArmTemplate
{
    public const string CompiledPath = ".artifacts/infra/main.json";

    private static readonly Lazy<ArmTemplate> LazyMain = new(Load);

    private ArmTemplate(JsonObject template, ArmTemplate? parent, JsonObject? deployment)
    {
        Template = template;
        Parent = parent;
        Deployment = deployment;
    }

    /// <summary>The compiled <c>infra/main.bicep</c>; fails the test with what to run when it has not been built.</summary>
    public static ArmTemplate Main => LazyMain.Value;

    public static string CompiledText => File.ReadAllText(Path.Combine(RepoPaths.Root, CompiledPath));

    public JsonObject Template { get; }

    /// <summary>The template whose module this one is; null for the main template.</summary>
    public ArmTemplate? Parent { get; }

    /// <summary>The <c>Microsoft.Resources/deployments</c> resource that holds this template; null for the main template.</summary>
    public JsonObject? Deployment { get; }

    /// <summary>The main template and every nested one, depth first.</summary>
    public IEnumerable<ArmTemplate> AllTemplates()
    {
        yield return this;
        foreach (var deployment in OwnResources().Where(r => r.Type == "Microsoft.Resources/deployments"))
            if (deployment.Json["properties"]?["template"] is JsonObject nested)
                foreach (var template in new ArmTemplate(nested, this, deployment.Json).AllTemplates())
                    yield return template;
    }

    /// <summary>Resources of this type in any template, existing references left out.</summary>
    public IReadOnlyList<ArmResource> ResourcesOfType(string type) =>
        AllTemplates().SelectMany(t => t.OwnResources())
            .Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase) && !r.IsExisting)
            .ToList();

    public IEnumerable<ArmResource> OwnResources() =>
        (Template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject byName => byName.Select(p => p.Value).OfType<JsonObject>(),
            _ => [],
        }).Select(r => new ArmResource(r, this));

    /// <summary>
    /// Follows a value to where it comes from, as far as it can without deploying: a module parameter to the value
    /// the calling template passes, a variable (and a property path into it) to its value, and
    /// <c>format('…{0}…', x)</c> with one argument to the formatted text. A parameter of the main template (set by
    /// main.bicepparam or azd) stays <c>[parameters('name')]</c>; anything else is returned as it is.
    /// </summary>
    public JsonNode? Resolve(JsonNode? value)
    {
        if (value is not JsonValue v || !v.TryGetValue<string>(out var text) || !IsExpression(text))
            return value;
        var expression = text[1..^1];

        if (ParameterReference().Match(expression) is { Success: true } parameter)
        {
            var name = parameter.Groups[1].Value;
            if (Deployment is null || Parent is null)
                return value;
            return Parent.Resolve(Deployment["properties"]?["parameters"]?[name]?["value"]?.DeepClone());
        }

        if (VariableReference().Match(expression) is { Success: true } variable)
        {
            var node = Resolve(Template["variables"]?[variable.Groups[1].Value]?.DeepClone());
            foreach (var property in variable.Groups[2].Value.Split('.', StringSplitOptions.RemoveEmptyEntries))
                node = node is JsonObject o ? Resolve(o[property]?.DeepClone()) : null;
            return node;
        }

        if (FormatCall().Match(expression) is { Success: true } format)
        {
            var argument = Resolve(JsonValue.Create($"[{format.Groups[2].Value}]"));
            if (argument is JsonValue a && a.TryGetValue<string>(out var argumentText) && !IsExpression(argumentText))
                return JsonValue.Create(format.Groups[1].Value.Replace("{0}", argumentText, StringComparison.Ordinal));
        }

        return value;
    }

    /// <summary>Replaces each <c>variables('name')</c> whose value is a plain string with that string, quoted.</summary>
    public string InlineStringVariables(string expression) =>
        VariableCall().Replace(expression, m =>
            Template["variables"]?[m.Groups[1].Value] is JsonValue v && v.TryGetValue<string>(out var s) ? $"'{s}'" : m.Value);

    public static bool IsExpression(string text) => text.StartsWith('[') && !text.StartsWith("[[", StringComparison.Ordinal) && text.EndsWith(']');

    private static ArmTemplate Load()
    {
        var path = Path.Combine(RepoPaths.Root, CompiledPath);
        if (!File.Exists(path))
            throw new XunitException(
                $"{CompiledPath} is missing: the infrastructure tests read the ARM JSON compiled from infra/main.bicep. " +
                "Run 'bash infra/bicep.sh' (scripts/test.sh runs it before the tests) and fix what it reports.");
        return new ArmTemplate(JsonNode.Parse(File.ReadAllText(path))!.AsObject(), null, null);
    }

    [GeneratedRegex(@"^parameters\('(\w+)'\)$")]
    private static partial Regex ParameterReference();

    [GeneratedRegex(@"^variables\('([^']+)'\)((?:\.\w+)*)$")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"^format\('([^']*)', (.+)\)$")]
    private static partial Regex FormatCall();

    [GeneratedRegex(@"variables\('([^']+)'\)")]
    private static partial Regex VariableCall();
}

/// <summary>One resource of a compiled template, with the template it is declared in.</summary>
public sealed record ArmResource(JsonObject Json, ArmTemplate Template)
{
    public string Type => (string?)Json["type"] ?? "";
    public string Name => (string?)Json["name"] ?? "";
    public bool IsExisting => Json["existing"] is JsonValue v && v.TryGetValue<bool>(out var existing) && existing;
    public JsonObject Properties => Json["properties"] as JsonObject ?? [];
}
