using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSend.Providers.Evolution;

/// <summary>
/// What <see cref="EvolutionCallback"/> keeps of a customer's media message to fetch its file later
/// (<see cref="Callbacks.InboundReport.Media"/>): the WhatsApp key of the message, and the type and name the webhook gave,
/// used when the download's answer has none. <c>{"keyId":"3EB0…","remoteJid":"…@s.whatsapp.net","fromMe":false,
/// "participant":"…","mimetype":"image/jpeg","fileName":"…"}</c>.
/// </summary>
public sealed record EvolutionMediaReference(
    [property: JsonPropertyName("keyId")] string KeyId,
    [property: JsonPropertyName("remoteJid")] string RemoteJid,
    [property: JsonPropertyName("fromMe")] bool FromMe,
    [property: JsonPropertyName("participant")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Participant,
    [property: JsonPropertyName("mimetype")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MimeType,
    [property: JsonPropertyName("fileName")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FileName)
{
    public string ToJson() => JsonSerializer.Serialize(this, EvolutionMediaJson.Default.EvolutionMediaReference);

    public static EvolutionMediaReference? Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, EvolutionMediaJson.Default.EvolutionMediaReference) is { KeyId.Length: > 0 } reference ? reference : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(EvolutionMediaReference))]
internal sealed partial class EvolutionMediaJson : JsonSerializerContext;
