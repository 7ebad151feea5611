using ChatSend.Health;
using ChatSend.Messages;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Providers.Waha;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Http;

/// <summary>
/// One HTTP route: its name (the Functions class is named the same), method, route template (no leading slash, as
/// the Functions host takes it), whether it needs an API key, and the handler for hosts with ASP.NET Core routing.
/// </summary>
public sealed record ApiEndpoint(string Name, string Method, string Route, bool Authenticated, Delegate Handler);

/// <summary>
/// Every HTTP route ChatSend serves, declared once. The local host maps each entry; the Functions app has one thin
/// class per entry (the worker SDK reads its routes from attributes, which use the constants below), and a test
/// checks the published function metadata against this list. Authentication and error answers are not here:
/// <see cref="ApiGate"/> puts them in front of every entry in both hosts.
/// </summary>
public static class ApiEndpoints
{
    public const string Send = nameof(Send);
    public const string GetMessage = nameof(GetMessage);
    public const string CancelMessage = nameof(CancelMessage);
    public const string ListMessages = nameof(ListMessages);
    public const string GetSession = nameof(GetSession);
    public const string WhatsAppCloudVerify = nameof(WhatsAppCloudVerify);
    public const string WhatsAppCloudWebhook = nameof(WhatsAppCloudWebhook);
    public const string WahaWebhook = nameof(WahaWebhook);
    public const string EvolutionWebhook = nameof(EvolutionWebhook);
    public const string CreateWebhook = nameof(CreateWebhook);
    public const string ListWebhooks = nameof(ListWebhooks);
    public const string RotateWebhook = nameof(RotateWebhook);
    public const string UpdateWebhook = nameof(UpdateWebhook);
    public const string DeleteWebhook = nameof(DeleteWebhook);
    public const string HealthLive = nameof(HealthLive);
    public const string HealthReady = nameof(HealthReady);

    public const string SendRoute = "send";
    public const string MessageRoute = "messages/{id}";
    public const string MessagesRoute = "messages";
    public const string SessionRoute = "sessions/{id}";
    public const string WhatsAppCloudWebhookRoute = "webhooks/whatsapp-cloud";
    public const string WahaWebhookRoute = "webhooks/waha/{session}";
    public const string EvolutionWebhookRoute = "webhooks/evolution/{session}";
    public const string SessionWebhooksRoute = "sessions/{session}/webhooks";
    public const string SessionWebhookRoute = "sessions/{session}/webhooks/{id}";
    public const string RotateWebhookRoute = "sessions/{session}/webhooks/{id}/rotate";
    public const string HealthLiveRoute = "health/live";
    public const string HealthReadyRoute = "health/ready";

    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        new(Send, HttpMethods.Post, SendRoute, Authenticated: true,
            (HttpRequest request, SendHandler handler, CancellationToken ct) => handler.HandleAsync(request, ct)),
        new(GetMessage, HttpMethods.Get, MessageRoute, Authenticated: true,
            (HttpRequest request, string id, GetMessageHandler handler, CancellationToken ct) => handler.HandleAsync(request, id, ct)),
        new(CancelMessage, HttpMethods.Delete, MessageRoute, Authenticated: true,
            (HttpRequest request, string id, CancelMessageHandler handler, CancellationToken ct) => handler.HandleAsync(request, id, ct)),
        new(ListMessages, HttpMethods.Get, MessagesRoute, Authenticated: true,
            (HttpRequest request, ListMessagesHandler handler, CancellationToken ct) => handler.HandleAsync(request, ct)),
        new(GetSession, HttpMethods.Get, SessionRoute, Authenticated: true,
            (HttpRequest request, string id, GetSessionHandler handler, CancellationToken ct) => handler.HandleAsync(request, id, ct)),
        // Customer webhooks (events.md), key-scoped like the session itself.
        new(CreateWebhook, HttpMethods.Post, SessionWebhooksRoute, Authenticated: true,
            (HttpRequest request, string session, WebhooksApi api, CancellationToken ct) => api.CreateAsync(request, session, ct)),
        new(ListWebhooks, HttpMethods.Get, SessionWebhooksRoute, Authenticated: true,
            (HttpRequest request, string session, WebhooksApi api, CancellationToken ct) => api.ListAsync(request, session, ct)),
        new(RotateWebhook, HttpMethods.Post, RotateWebhookRoute, Authenticated: true,
            (HttpRequest request, string session, string id, WebhooksApi api, CancellationToken ct) => api.RotateAsync(request, session, id, ct)),
        new(UpdateWebhook, HttpMethods.Patch, SessionWebhookRoute, Authenticated: true,
            (HttpRequest request, string session, string id, WebhooksApi api, CancellationToken ct) => api.UpdateAsync(request, session, id, ct)),
        new(DeleteWebhook, HttpMethods.Delete, SessionWebhookRoute, Authenticated: true,
            (HttpRequest request, string session, string id, WebhooksApi api, CancellationToken ct) => api.DeleteAsync(request, session, id, ct)),
        // Provider webhooks: trusted by the provider's own signature or token, not by an API key.
        new(WhatsAppCloudVerify, HttpMethods.Get, WhatsAppCloudWebhookRoute, Authenticated: false,
            (HttpRequest request, WhatsAppCloudWebhook handler, CancellationToken ct) => handler.VerifyAsync(request, ct)),
        new(WhatsAppCloudWebhook, HttpMethods.Post, WhatsAppCloudWebhookRoute, Authenticated: false,
            (HttpRequest request, WhatsAppCloudWebhook handler, CancellationToken ct) => handler.ReceiveAsync(request, ct)),
        new(WahaWebhook, HttpMethods.Post, WahaWebhookRoute, Authenticated: false,
            (HttpRequest request, string session, WahaWebhookHandler handler, CancellationToken ct) => handler.HandleAsync(request, session, ct)),
        new(EvolutionWebhook, HttpMethods.Post, EvolutionWebhookRoute, Authenticated: false, // trusted by the session's webhookToken
            (HttpRequest request, string session, Providers.Evolution.EvolutionWebhookHandler handler, CancellationToken ct) =>
                handler.HandleAsync(request, session, ct)),
        // For load balancers and the platform: no key, and answers that name what failed without revealing anything.
        new(HealthLive, HttpMethods.Get, HealthLiveRoute, Authenticated: false,
            (HttpRequest request, HealthHandler handler, CancellationToken ct) => handler.LiveAsync(request, ct)),
        new(HealthReady, HttpMethods.Get, HealthReadyRoute, Authenticated: false,
            (HttpRequest request, HealthHandler handler, CancellationToken ct) => handler.ReadyAsync(request, ct)),
    ];

    public static ApiEndpoint? Find(string name) => All.FirstOrDefault(e => e.Name == name);

    /// <summary>Maps every route behind <see cref="ApiGate"/>, for hosts that serve them with ASP.NET Core routing.</summary>
    public static IEndpointRouteBuilder MapChatSendApi(this IEndpointRouteBuilder endpoints)
    {
        foreach (var endpoint in All)
        {
            endpoints.MapMethods("/" + endpoint.Route, [endpoint.Method], endpoint.Handler)
                .WithName(endpoint.Name)
                .AddEndpointFilter(async (context, next) => await context.HttpContext.RequestServices.GetRequiredService<ApiGate>()
                    .InvokeAsync(context.HttpContext, endpoint, () => next(context).AsTask()));
        }
        return endpoints;
    }
}
