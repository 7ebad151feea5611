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
}
