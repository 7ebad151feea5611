namespace ChatSend.Http;

/// <summary>Validation errors by field (or header), in the order found; a message is kept once per field.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public int Count => _errors.Count;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
            _errors[field] = list = [];
        if (!list.Contains(message))
            list.Add(message);
    }

    public bool Has(string field) => _errors.ContainsKey(field);

    public IReadOnlyDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    /// <summary>The errors with fields in the given order (a nested <c>field.key</c> goes with its field), others last.</summary>
    public IReadOnlyDictionary<string, string[]> ToDictionary(IReadOnlyList<string> fieldOrder)
    {
        var rank = fieldOrder.Select((field, i) => (field, i)).ToDictionary(p => p.field, p => p.i);
        return _errors.OrderBy(e => rank.GetValueOrDefault(e.Key.Split('.')[0], int.MaxValue))
            .ToDictionary(e => e.Key, e => e.Value.ToArray());
    }
}
