using ChatSend.Health;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Callbacks;
using ChatSend.Providers.Evolution;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Providers.Waha;
using ChatSend.Send;
using ChatSend.Send.Idempotency;
using ChatSend.Sessions;
using ChatSend.Templates;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace ChatSend.Http;

/// <summary>
/// Every HTTP route ChatSend serves, declared once. The local host maps each entry; the Functions app has one thin
/// class per entry (the worker SDK reads its routes from attributes, which use the constants below), and a test
/// checks the published function metadata against this list. Authentication and error answers are not here:
/// <see cref="ApiGate"/> puts them in front of every entry in both hosts. The OpenAPI document is generated from this
/// list (<see cref="ApiDocs"/>): the handlers' typed results, and each entry's summary, body, parameters and errors.
/// </summary>
public static class ApiEndpoints
{
    public const string Send = nameof(Send);
    public const string GetMessage = nameof(GetMessage);
    public const string GetMessageMedia = nameof(GetMessageMedia);
    public const string CancelMessage = nameof(CancelMessage);
    public const string MarkMessageRead = nameof(MarkMessageRead);
    public const string ListMessages = nameof(ListMessages);
    public const string GetSession = nameof(GetSession);
    public const string GetChat = nameof(GetChat);
    public const string ListTemplates = nameof(ListTemplates);
    public const string WhatsAppCloudVerify = nameof(WhatsAppCloudVerify);
    public const string WhatsAppCloudCallback = nameof(WhatsAppCloudCallback);
    public const string WahaCallback = nameof(WahaCallback);
    public const string EvolutionCallback = nameof(EvolutionCallback);
    public const string CreateWebhook = nameof(CreateWebhook);
    public const string ListWebhooks = nameof(ListWebhooks);
    public const string RotateWebhook = nameof(RotateWebhook);
    public const string UpdateWebhook = nameof(UpdateWebhook);
    public const string DeleteWebhook = nameof(DeleteWebhook);
    public const string SandboxInbound = nameof(SandboxInbound);
    public const string HealthLive = nameof(HealthLive);
    public const string HealthReady = nameof(HealthReady);
    public const string ApiDocument = nameof(ApiDocument);
    public const string ApiReference = nameof(ApiReference);

    public const string SendRoute = "send";
    public const string MessageRoute = "messages/{id}";
    public const string MessageReadRoute = "messages/{id}/read";
    public const string MessageMediaRoute = "messages/{id}/media";
    public const string MessagesRoute = "messages";
    public const string SessionRoute = "sessions/{id}";
    public const string ChatRoute = "sessions/{session}/chats/{chat}";
    // Provider callbacks keep the routes providers are configured with (and the contract names): /webhooks/<provider>.
    public const string WhatsAppCloudCallbackRoute = "webhooks/whatsapp-cloud";
    public const string WahaCallbackRoute = "webhooks/waha/{session}";
    public const string EvolutionCallbackRoute = "webhooks/evolution/{session}";
    public const string SessionWebhooksRoute = "sessions/{session}/webhooks";
    public const string SessionTemplatesRoute = "sessions/{session}/templates";
    public const string SessionWebhookRoute = "sessions/{session}/webhooks/{id}";
    public const string RotateWebhookRoute = "sessions/{session}/webhooks/{id}/rotate";
    public const string SandboxInboundRoute = "sandbox/sessions/{session}/inbound";
    public const string HealthLiveRoute = "health/live";
    public const string HealthReadyRoute = "health/ready";
    public const string ApiDocumentRoute = "openapi/v1.json";
    public const string ApiReferenceRoute = "docs/{asset?}";

    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        new(Send, HttpMethods.Post, SendRoute, Authenticated: true,
            (HttpRequest request, SendHandler handler, CancellationToken ct) => handler.HandleAsync(request, ct))
        {
            Summary = "Send a message",
            Description = "Accepts a text or media message for delivery and answers at once with the message, status queued " +
                "(or scheduled with sendAt), and its Location. Media is fetched and checked before the answer. " + ProviderCatalog.SendSupport(),
            Body = typeof(SendRequest),
            Parameters = [new(ApiParameterIn.Header, IdempotentSend.Header, typeof(string),
                "1–255 printable ASCII characters: a repeat with the same key and body gets the original answer, remembered 24 hours.")],
            Errors = [Status403Forbidden, Status404NotFound, Status409Conflict, Status413PayloadTooLarge, Status415UnsupportedMediaType,
                Status422UnprocessableEntity],
        },
        new(GetMessage, HttpMethods.Get, MessageRoute, Authenticated: true,
            (HttpRequest request, string id, GetMessageHandler handler, CancellationToken ct) => handler.HandleAsync(request, id, ct))
        {
            Summary = "Get a message",
            Description = "The message with its current status and status history; 404 also for a message outside the key's sessions.",
            Errors = [Status404NotFound],
        },
        new(GetMessageMedia, HttpMethods.Get, MessageMediaRoute, Authenticated: true,
            (HttpRequest request, string id, GetMessageMediaHandler handler, CancellationToken ct) => handler.HandleAsync(request, id, ct))
        {
            Summary = "Get a message's file",
            Description = "The staged file of a message (a customer's, or one sent while its blob is kept), streamed with its " +
                "Content-Type, Content-Length and Content-Disposition. 404 for a message outside the key's sessions, unknown, or " +
                "without a staged file; 409 with Retry-After while a customer's file is still being fetched.",
            Errors = [Status404NotFound, Status409Conflict],
        },
        new(CancelMessage, HttpMethods.Delete, MessageRoute, Authenticated: true,
            (HttpRequest request, string id, CancelMessageHandler handler, CancellationToken ct) => handler.HandleAsync(request, id, ct))
        {
            Summary = "Cancel a message",
            Description = "Cancels a scheduled or queued message no delivery attempt has started; 409 once one has.",
            Errors = [Status404NotFound, Status409Conflict],
        },
        new(MarkMessageRead, HttpMethods.Post, MessageReadRoute, Authenticated: true,
            (HttpRequest request, string id, MarkReadHandler handler, CancellationToken ct) => handler.HandleAsync(request, id, ct))
        {
            Summary = "Mark a customer's message read",
            Description = "Marks a received message read at the session's provider (the customer sees it read) and moves it to read; " +
                "200 with the message, also when it was read already (the provider is not asked again). 409 for a message the " +
                "session sent; 422 when the provider cannot mark messages read; the provider failing briefly is 503 with " +
                "Retry-After and refusing is 502, and neither changes anything.",
            Errors = [Status404NotFound, Status409Conflict, Status422UnprocessableEntity, Status502BadGateway],
        },
        new(ListMessages, HttpMethods.Get, MessagesRoute, Authenticated: true,
            (HttpRequest request, ListMessagesHandler handler, CancellationToken ct) => handler.HandleAsync(request, ct))
        {
            Summary = "List a session's messages",
            Description = "Newest first, a page at a time; pass next as cursor for the following page.",
            Parameters = ListMessagesHandler.Parameters,
            Errors = [Status403Forbidden],
        },
        new(GetSession, HttpMethods.Get, SessionRoute, Authenticated: true,
            (HttpRequest request, string id, GetSessionHandler handler, CancellationToken ct) => handler.HandleAsync(request, id, ct))
        {
            Summary = "Get a session",
            Description = "Provider, sender, settings, secret names (never values) and the provider's live state.",
            Errors = [Status404NotFound],
        },
        new(GetChat, HttpMethods.Get, ChatRoute, Authenticated: true,
            (HttpRequest request, string session, string chat, Chats.GetChatHandler handler, CancellationToken ct) =>
                handler.HandleAsync(request, session, chat, ct))
        {
            Summary = "Get a chat's 24-hour window",
            Description = "When the customer last wrote (`lastInboundAt`), until when free-form messages may be sent (`windowOpenUntil`), " +
                          "whether the window is open now, and whether the number is on WhatsApp where the provider can tell (`onWhatsApp`, else null). " +
                          "`chat` is a phone number (URL-encode the `+` as `%2B`) or a group JID.",
            Errors = [Status400BadRequest, Status404NotFound],
        },
        new(ListTemplates, HttpMethods.Get, SessionTemplatesRoute, Authenticated: true,
            (HttpRequest request, string session, ListTemplatesHandler handler, CancellationToken ct) => handler.HandleAsync(request, session, ct))
        {
            Summary = "List a session's templates",
            Description = "The WhatsApp templates of the session's account (every status), each with its language, status, category, " +
                "body text and parameters (names, or a count): what template on /send may name. Cached for " +
                "ChatSend:WhatsAppCloud:TemplatesFreshness (10 minutes). 422 for a provider without templates; Meta failing " +
                "briefly is 503 with Retry-After.",
            Errors = [Status404NotFound, Status422UnprocessableEntity],
        },
        // Customer webhooks (docs/events-and-webhooks.md), key-scoped like the session itself.
        new(CreateWebhook, HttpMethods.Post, SessionWebhooksRoute, Authenticated: true,
            (HttpRequest request, string session, WebhooksApi api, CancellationToken ct) => api.CreateAsync(request, session, ct))
        {
            Summary = "Register a webhook",
            Description = "Events of the session's messages (all types, or those in events) are posted to url, signed per Standard " +
                "Webhooks. The answer holds the secret; it is shown only here and on rotation.",
            Body = typeof(WebhookRequest),
            Errors = [Status404NotFound, Status409Conflict],
        },
        new(ListWebhooks, HttpMethods.Get, SessionWebhooksRoute, Authenticated: true,
            (HttpRequest request, string session, WebhooksApi api, CancellationToken ct) => api.ListAsync(request, session, ct))
        {
            Summary = "List a session's webhooks",
            Description = "Each webhook with its last delivery attempts (time, status, latency, error), and why it was disabled; no secrets.",
            Errors = [Status404NotFound],
        },
        new(RotateWebhook, HttpMethods.Post, RotateWebhookRoute, Authenticated: true,
            (HttpRequest request, string session, string id, WebhooksApi api, CancellationToken ct) => api.RotateAsync(request, session, id, ct))
        {
            Summary = "Rotate a webhook's secret",
            Description = "A new secret, shown once; the previous one stays valid for 24 h and both signatures are sent meanwhile.",
            Errors = [Status404NotFound],
        },
        new(UpdateWebhook, HttpMethods.Patch, SessionWebhookRoute, Authenticated: true,
            (HttpRequest request, string session, string id, WebhooksApi api, CancellationToken ct) => api.UpdateAsync(request, session, id, ct))
        {
            Summary = "Change a webhook",
            Description = "Its url, events or enabled; enabling a disabled webhook clears why it was disabled.",
            Body = typeof(WebhookRequest),
            Errors = [Status404NotFound],
        },
        new(DeleteWebhook, HttpMethods.Delete, SessionWebhookRoute, Authenticated: true,
            (HttpRequest request, string session, string id, WebhooksApi api, CancellationToken ct) => api.DeleteAsync(request, session, id, ct))
        {
            Summary = "Delete a webhook",
            Errors = [Status404NotFound],
        },
        // The sandbox's pretend customers (docs/providers.md, "The sandbox"), for local runs and tests.
        new(SandboxInbound, HttpMethods.Post, SandboxInboundRoute, Authenticated: true,
            (HttpRequest request, string session, SandboxInboundHandler handler, CancellationToken ct) => handler.HandleAsync(request, session, ct))
        {
            Summary = "Receive a message from a sandbox customer",
            Description = "Makes the sandbox's pretend customer send the session a message (text, or one media URL with an optional " +
                "caption), recorded as a customer's message and answered with it; its file is fetched afterwards, as a real " +
                "provider's is. 404 for a session whose provider is not the sandbox.",
            Body = typeof(SandboxInboundRequest),
            Errors = [Status403Forbidden, Status404NotFound, Status409Conflict, Status413PayloadTooLarge, Status415UnsupportedMediaType],
        },
        // Provider callbacks (docs/providers.md): trusted by the provider's own signature or token (CallbackPipeline), not by an API key.
        new(WhatsAppCloudVerify, HttpMethods.Get, WhatsAppCloudCallbackRoute, Authenticated: false,
            (HttpRequest request, WhatsAppCloudCallback callback, CancellationToken ct) => callback.HandshakeAsync(request, ct))
            { Audience = ApiAudience.Provider },
        new(WhatsAppCloudCallback, HttpMethods.Post, WhatsAppCloudCallbackRoute, Authenticated: false,
            (HttpRequest request, WhatsAppCloudCallback callback, CallbackPipeline pipeline, CancellationToken ct) =>
                pipeline.HandleAsync(callback, request, null, ct))
            { Audience = ApiAudience.Provider },
        new(WahaCallback, HttpMethods.Post, WahaCallbackRoute, Authenticated: false,
            (HttpRequest request, string session, WahaCallback callback, CallbackPipeline pipeline, CancellationToken ct) =>
                pipeline.HandleAsync(callback, request, session, ct))
            { Audience = ApiAudience.Provider },
        new(EvolutionCallback, HttpMethods.Post, EvolutionCallbackRoute, Authenticated: false,
            (HttpRequest request, string session, EvolutionCallback callback, CallbackPipeline pipeline, CancellationToken ct) =>
                pipeline.HandleAsync(callback, request, session, ct))
            { Audience = ApiAudience.Provider },
        // The document and the page: the local host serves them with MapOpenApi and Scalar instead (ApiDocs.MapChatSendDocs).
        new(ApiDocument, HttpMethods.Get, ApiDocumentRoute, Authenticated: false,
            (ApiReferenceFiles files) => files.Document()) { Audience = ApiAudience.Reference },
        new(ApiReference, HttpMethods.Get, ApiReferenceRoute, Authenticated: false,
            (string? asset, ApiReferenceFiles files) => files.Page(asset)) { Audience = ApiAudience.Reference },
        // For load balancers and the platform: no key, and answers that name what failed without revealing anything.
        new(HealthLive, HttpMethods.Get, HealthLiveRoute, Authenticated: false,
            (HttpRequest request, HealthHandler handler, CancellationToken ct) => handler.LiveAsync(request, ct))
        {
            Audience = ApiAudience.Operations,
        },
        new(HealthReady, HttpMethods.Get, HealthReadyRoute, Authenticated: false,
            (HttpRequest request, HealthHandler handler, CancellationToken ct) => handler.ReadyAsync(request, ct))
        {
            Audience = ApiAudience.Operations,
        },
    ];

    public static ApiEndpoint? Find(string name) => All.FirstOrDefault(e => e.Name == name);

    /// <summary>
    /// Maps every route behind <see cref="ApiGate"/>, for hosts that serve them with ASP.NET Core routing, with what the
    /// OpenAPI document says of each. The document and the page are left to <see cref="ApiDocs.MapChatSendDocs"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapChatSendApi(this IEndpointRouteBuilder endpoints)
    {
        foreach (var endpoint in All.Where(e => e.Audience != ApiAudience.Reference))
        {
            endpoints.MapMethods("/" + endpoint.Route, [endpoint.Method], endpoint.Handler)
                .WithName(endpoint.Name)
                .WithApiDescription(endpoint)
                .AddEndpointFilter(async (context, next) => await context.HttpContext.RequestServices.GetRequiredService<ApiGate>()
                    .InvokeAsync(context.HttpContext, endpoint, () => next(context).AsTask()));
        }
        return endpoints;
    }
}
