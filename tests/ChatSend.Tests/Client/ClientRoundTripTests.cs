using ChatSend.Client;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.Client;

/// <summary>The client against a real ChatSend over HTTP (the local host on Azurite, or <c>CHATSEND_E2E_BASE_URL</c>).</summary>
public sealed class ClientRoundTripTests(ChatSendTarget target) : IClassFixture<ChatSendTarget>
{
    private const string Number = "+12025550123";

    private static DateTimeOffset Later(TimeSpan ahead) => DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.Add(ahead).ToUnixTimeSeconds());

    [Fact]
    public async Task SendsReadsListsAndCancelsOverHttp()
    {
        var (session, key) = await target.NewSessionAsync();
        using var services = new ClientServices(target.Http.BaseAddress!, key);
        var client = services.Client;
        var sendAt = Later(TimeSpan.FromHours(1));

        var scheduled = await client.SendAsync(new SendMessageRequest { Session = session.Id, To = "+1 (202) 555-0123", Text = "later", SendAt = sendAt });
        var queued = await client.SendAsync(new SendMessageRequest { Session = session.Id, To = Number, Text = "now" });

        Assert.Equal((MessageStatus.Scheduled, MessageType.Text, Number, sendAt, false), (scheduled.Status, scheduled.Message.Type,
            scheduled.Message.To, scheduled.Message.SendAt, scheduled.Replayed));
        Assert.Equal(new Uri(target.Http.BaseAddress!, $"messages/{scheduled.Id}"), scheduled.Location);
        Assert.Equal((MessageStatus.Queued, "now", true), (queued.Status, queued.Message.Content, queued.Message.FromMe));
        Assert.Equal([MessageStatus.Scheduled], (await client.GetAsync(scheduled.Id)).StatusHistory!.Select(h => h.Status));

        var first = await client.ListAsync(session.Id, page: new PageRequest(Limit: 1));
        Assert.Equal([queued.Id], first.Items.Select(m => m.Id));
        var second = await client.ListAsync(session.Id, page: new PageRequest(Limit: 1, Cursor: first.Next));
        Assert.Equal([scheduled.Id], second.Items.Select(m => m.Id));
        Assert.Null(second.Next);
        Assert.Equal([queued.Id, scheduled.Id], await client.ListAllAsync(session.Id, pageSize: 1).Select(m => m.Id).ToListAsync());
        var onlyScheduled = await client.ListAsync(session.Id, new MessageFilter(Status: MessageStatus.Scheduled, To: Number,
            Since: DateTimeOffset.UtcNow.AddMinutes(-5), Until: DateTimeOffset.UtcNow.AddMinutes(5)));
        Assert.Equal([scheduled.Id], onlyScheduled.Items.Select(m => m.Id));

        var canceled = await client.CancelAsync(scheduled.Id);
        Assert.Equal(MessageStatus.Canceled, canceled.Status);
        Assert.Equal([MessageStatus.Scheduled, MessageStatus.Canceled], (await client.GetAsync(scheduled.Id)).StatusHistory!.Select(h => h.Status));
    }

    [Fact]
    public async Task AWindowEnforcingSessionRefusesAFreeFormMessageOrSendsItsFallbackAndShowsTheChat()
    {
        var (session, key) = await target.NewSessionAsync(new Dictionary<string, string>
        {
            ["windowPolicy"] = "enforce",
            ["templates"] = """[{"name":"reengage","language":"en_US","body":"Hi {{1}}, we have news about your order."}]""",
        });
        using var services = new ClientServices(target.Http.BaseAddress!, key);
        var client = services.Client;
        const string Stranger = "+12025550188";

        var closed = await Assert.ThrowsAsync<ChatSendProblemException>(() =>
            client.SendAsync(new SendMessageRequest { Session = session.Id, To = Stranger, Text = "hello" }));
        var fallback = await client.SendAsync(new SendMessageRequest
        {
            Session = session.Id, To = Stranger, Text = "hello",
            FallbackTemplate = new TemplateMessage { Name = "reengage", Language = "en_US", Parameters = TemplateMessage.Positional(["Ana"]) },
        });
        var chat = await client.GetChatAsync(session.Id, Stranger);

        Assert.Equal((422, true), (closed.Status, closed.Errors.ContainsKey("to")));
        Assert.Equal(("template", true, "Hi Ana, we have news about your order."),
            (fallback.Message.Type.ToString(), fallback.Message.Fallback, fallback.Message.Content));
        Assert.Equal((Stranger, false, null, null), (chat.Chat, chat.WindowOpen, chat.LastInboundAt, chat.OnWhatsApp));
    }

    [Fact]
    public async Task MessagesToOneChatAreSentInTheOrderTheyWereAcceptedAndAnUnorderedOneSaysSo()
    {
        var (session, key) = await target.NewSessionAsync();
        using var services = new ClientServices(target.Http.BaseAddress!, key);
        var client = services.Client;

        var sends = new List<AcceptedMessage>();
        foreach (var text in new[] { "first", "second", "third" })
            sends.Add(await client.SendAsync(new SendMessageRequest { Session = session.Id, To = Number, Text = text }));
        var code = await client.SendAsync(new SendMessageRequest { Session = session.Id, To = Number, Text = "code 123456", Ordered = false });
        var sentAt = new List<DateTimeOffset>();
        foreach (var send in sends)
        {
            var sent = await Eventually.MatchesAsync(() => client.GetAsync(send.Id), m => m.Status != MessageStatus.Queued);
            sentAt.Add(sent.StatusHistory!.Single(h => h.Status == MessageStatus.Sent).At);
        }

        Assert.Equal(sentAt.Order(), sentAt); // each went once the one before it was sent
        Assert.Equal((null, false), (sends[0].Message.Ordered, code.Message.Ordered));
        Assert.Equal(0, (await client.GetChatAsync(session.Id, Number)).Waiting);
    }

    [Fact]
    public async Task ListsASessionsTemplatesAndSendsOneWithItsBodyFilledIn()
    {
        var (session, key) = await target.NewSessionAsync(new Dictionary<string, string>
        {
            ["templates"] = """[{"name":"order_update","language":"en_US","body":"Order {{order_id}} is on its way."}]""",
        });
        using var services = new ClientServices(target.Http.BaseAddress!, key);
        var client = services.Client;

        var catalog = await client.ListTemplatesAsync(session.Id);
        var template = Assert.Single(catalog.Templates);
        Assert.Equal(("order_update", "APPROVED", "named", "order_id"), (template.Name, template.Status, template.ParameterFormat, string.Join(",", template.Parameters)));

        var sent = await client.SendAsync(new SendMessageRequest
        {
            Session = session.Id,
            To = Number,
            Template = new TemplateMessage
            {
                Name = "order_update",
                Language = "en_US",
                Parameters = TemplateMessage.Named(new Dictionary<string, string> { ["order_id"] = "A-7" }),
                Buttons = [new TemplateButtonValue { Index = 0, Payload = "TRACK" }],
            },
        });
        Assert.Equal(("template", "Order A-7 is on its way."), (sent.Message.Type.ToString(), sent.Message.Content));

        var refused = await Assert.ThrowsAsync<ChatSendProblemException>(() => client.SendAsync(new SendMessageRequest
        {
            Session = session.Id,
            To = Number,
            Template = new TemplateMessage { Name = "order_update", Language = "en_US", Parameters = TemplateMessage.Positional("A-7") },
        }));
        Assert.Equal(422, refused.Status);
    }

    [Fact]
    public async Task ReadsACustomersMessageRepliesToItAndMarksItRead()
    {
        var (session, key) = await target.NewSessionAsync();
        using var services = new ClientServices(target.Http.BaseAddress!, key);
        var client = services.Client;
        // The sandbox's pretend customer writes to the session.
        using var inbound = ChatSendTarget.Request(HttpMethod.Post, $"/sandbox/sessions/{session.Id}/inbound", key,
            """{"from":"+12025550123","text":"is my order on its way?"}""");
        using var written = await target.Http.SendAsync(inbound);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, written.StatusCode);

        var customers = await client.ListAsync(session.Id, new MessageFilter(Chat: Number, Direction: "inbound"));
        var received = Assert.Single(customers.Items);
        Assert.Equal((false, true, MessageStatus.Received, Number, Number, "is my order on its way?"),
            (received.FromMe, received.IsInbound, received.Status, received.Chat, received.Sender, received.Content));

        var reply = await client.SendAsync(new SendMessageRequest { Session = session.Id, To = Number, Text = "yes, today", ReplyTo = received.Id });
        var read = await client.MarkReadAsync(received.Id);

        Assert.Equal(received.Id, (await client.GetAsync(reply.Id)).ReplyTo!.Value.GetString());
        Assert.Equal(MessageStatus.Read, read.Status);
        Assert.Equal([reply.Id, received.Id], (await client.ListAsync(session.Id, new MessageFilter(Chat: Number))).Items.Select(m => m.Id));
    }

    [Fact]
    public async Task AnInvalidFieldSurfacesAsAProblemNamingIt()
    {
        var (session, key) = await target.NewSessionAsync();
        using var services = new ClientServices(target.Http.BaseAddress!, key);

        var problem = await Assert.ThrowsAsync<ChatSendProblemException>(() =>
            services.Client.SendAsync(new SendMessageRequest { Session = session.Id, To = "+1 202 555", Text = "hi" }));

        Assert.Equal((400, "The request is not valid."), (problem.Status, problem.Title));
        Assert.Equal(["to"], problem.Errors.Keys);
        Assert.StartsWith("must be a valid phone number", problem.Errors["to"].Single());
        Assert.StartsWith("to: ", problem.Detail);
        Assert.NotNull(problem.Type);
        Assert.False(string.IsNullOrEmpty(problem.IdempotencyKey));
        var missing = await Assert.ThrowsAsync<ChatSendProblemException>(() => services.Client.GetAsync("msg_unknown"));
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task ASendWhoseAnswerIsLostIsRetriedAndMakesOneMessage()
    {
        var (session, key) = await target.NewSessionAsync();
        var drop = new DropFirstAnswer();
        using var services = new ClientServices(target.Http.BaseAddress!, key, http => http.AddHttpMessageHandler(() => drop));

        var accepted = await services.Client.SendAsync(new SendMessageRequest { Session = session.Id, To = Number, Text = "once" });

        Assert.True(accepted.Replayed);
        Assert.Equal(drop.LostAnswerId, accepted.Id);
        Assert.Equal([accepted.IdempotencyKey, accepted.IdempotencyKey], drop.Keys);
        Assert.Equal([accepted.Id], (await services.Client.ListAsync(session.Id)).Items.Select(m => m.Id));
    }

    [Fact]
    public async Task TheApiKeyNeverAppearsInTheClientsLogsOrErrors()
    {
        var (session, key) = await target.NewSessionAsync();
        var stranger = ChatSend.Auth.ApiKey.Generate().Key;
        using var services = new ClientServices(target.Http.BaseAddress!, key, http => http.AddHttpMessageHandler(() => new DropFirstAnswer()));
        using var strangers = new ClientServices(target.Http.BaseAddress!, stranger);

        var accepted = await services.Client.SendAsync(new SendMessageRequest { Session = session.Id, To = Number, Text = "hi", SendAt = Later(TimeSpan.FromHours(1)) });
        await services.Client.GetAsync(accepted.Id);
        await services.Client.ListAsync(session.Id);
        await services.Client.CancelAsync(accepted.Id);
        var errors = new[]
        {
            await Assert.ThrowsAsync<ChatSendProblemException>(() => services.Client.SendAsync(new SendMessageRequest { Session = session.Id, To = "x" })),
            await Assert.ThrowsAsync<ChatSendProblemException>(() => strangers.Client.GetAsync(accepted.Id)),
        };

        Assert.Equal(401, errors[1].Status);
        var lines = services.Logs.Lines.Concat(strangers.Logs.Lines).Concat(errors.Select(e => e.ToString())).ToList();
        Assert.Contains(lines, l => l.Contains("Authorization: *")); // headers were logged, redacted
        Assert.Contains(lines, l => l.Contains("got no answer")); // and the retry
        foreach (var secret in new[] { key, key[20..], stranger, stranger[20..] })
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Lets the first request reach ChatSend, then throws its answer away as if the connection dropped.</summary>
    private sealed class DropFirstAnswer : DelegatingHandler
    {
        public List<string> Keys { get; } = [];
        public string? LostAnswerId { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.TryGetValues("Idempotency-Key", out var key))
                Keys.Add(key.Single());
            var response = await base.SendAsync(request, cancellationToken);
            if (LostAnswerId is not null || request.Method != HttpMethod.Post)
                return response;
            using (response)
                LostAnswerId = (await Json.ReadAsync(response)).Str("id");
            throw new HttpRequestException(HttpRequestError.ConnectionError, "The connection dropped (test).");
        }
    }
}
