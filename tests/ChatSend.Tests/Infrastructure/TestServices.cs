using System.Text;
using ChatSend.Http;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatSend.Tests.Infrastructure;

/// <summary>The library's services over an Azurite instance, without a host, for driving handlers directly.</summary>
public sealed class TestServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public TestServices(Azurite azurite, IDictionary<string, string?>? settings = null)
        : this(azurite.ConnectionString, settings)
    {
    }

    public TestServices(string storageConnection, IDictionary<string, string?>? settings = null, TimeProvider? time = null,
        Action<IServiceCollection>? services = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ChatSendStorage"] = storageConnection,
                ["ChatSend:Delivery:RetryBaseDelay"] = "00:00:01",
                [TestKeys.WebhookSecretsKeySetting] = TestKeys.WebhookSecretsKey,
                [TestQueueShards.Setting.Key] = TestQueueShards.Setting.Value,
            })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var collection = new ServiceCollection()
            .AddLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace))
            .AddChatSend(configuration)
            .AddSingleton<ScriptedProvider>()
            .AddSingleton<IChannelProvider>(sp => sp.GetRequiredService<ScriptedProvider>());
        collection.AddSingleton(new StoragePipelinePolicy(Faults));
        if (time is not null)
            collection.AddSingleton(time);
        services?.Invoke(collection);
        _provider = collection.BuildServiceProvider();
    }

    public LogSink Logs { get; } = new();

    /// <summary>Breaks chosen storage calls of these services (not of other clients over the same Azurite).</summary>
    public StorageFaults Faults { get; } = new();

    public IServiceProvider Provider => _provider;

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    public Task<(Session Session, string Key)> NewSessionAsync(string provider = ScriptedProvider.ProviderName,
        IDictionary<string, string>? settings = null, bool enabled = true, int? partitions = null) =>
        TestSessions.CreateAsync(_provider, provider, settings, enabled, partitions);

    /// <summary>Runs <c>POST /send</c> on an in-memory HTTP context through the gate both hosts put in front of it, and the real handler.</summary>
    public async Task<(int Status, MessageView? Message, HttpResponse Response)> SendAsync(string key, string json,
        string? idempotencyKey = null)
    {
        var (result, context) = await SendRawAsync(key, json, idempotencyKey);
        return result switch
        {
            Accepted<MessageView> accepted => (accepted.StatusCode, accepted.Value, context.Response),
            ProblemHttpResult problem => (problem.StatusCode, null, context.Response),
            _ => throw new InvalidOperationException(result?.GetType().Name),
        };
    }

    /// <summary>The result <c>POST /send</c> answers with, before it is written to the response.</summary>
    public async Task<(IResult? Result, HttpContext Context)> SendRawAsync(string key, string json, string? idempotencyKey = null)
    {
        var context = HttpContexts.Post(key, json);
        if (idempotencyKey is not null)
            context.Request.Headers[ChatSend.Send.Idempotency.IdempotentSend.Header] = idempotencyKey;
        context.RequestServices = _provider;
        var send = ApiEndpoints.Find(ApiEndpoints.Send)!;
        var result = await Get<ApiGate>().InvokeAsync(context, send,
            async () => (await Get<SendHandler>().HandleAsync(context.Request, CancellationToken.None)).Result);
        return (result as IResult, context);
    }

    public async Task<MessageEntity> SendTextAsync(string key, string session, string to = "+12025550123")
    {
        var (status, message, _) = await SendAsync(key, $$"""{"session":"{{session}}","to":"{{to}}","text":"hello"}""");
        Assert.Equal(202, status);
        MessageId.TryParse(message!.Id, out var id);
        return (await Get<MessageStore>().FindAsync(id))!;
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}

public static class HttpContexts
{
    public static DefaultHttpContext Post(string? key, string json, string contentType = "application/json")
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Request.Method = "POST";
        context.Request.ContentType = contentType;
        context.Request.ContentLength = bytes.Length;
        context.Request.Body = new MemoryStream(bytes);
        if (key is not null)
            context.Request.Headers.Authorization = "Bearer " + key;
        return context;
    }
}
