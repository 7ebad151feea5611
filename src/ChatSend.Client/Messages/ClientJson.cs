using System.Text.Json.Serialization;

namespace ChatSend.Client;

/// <summary>Source-generated JSON for every wire type: no reflection, so the client trims and compiles ahead of time.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SendMessageRequest))]
[JsonSerializable(typeof(TemplateCatalog))]
[JsonSerializable(typeof(ChatWindow))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(ChatSendMessage))]
[JsonSerializable(typeof(MessagePage))]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(ChatSendEvent))]
internal sealed partial class ClientJson : JsonSerializerContext;
