using ChatSend.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ChatSend.Functions;

/// <summary>
/// Puts <see cref="ApiGate"/> in front of every HTTP function declared in <see cref="ApiEndpoints"/>, as the local host
/// does with an endpoint filter: the API key check, and problem details for whatever a function throws. The answer
/// becomes the invocation's result, which the ASP.NET Core integration writes to the response.
/// </summary>
public sealed class ApiMiddleware(ApiGate gate) : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next) =>
        InvokeAsync(context, next, context.GetInvocationResult);

    internal async Task InvokeAsync(FunctionContext context, FunctionExecutionDelegate next, Func<InvocationResult> result)
    {
        if (context.GetHttpContext() is not { } http || ApiEndpoints.Find(context.FunctionDefinition.Name) is not { } endpoint)
        {
            await next(context);
            return;
        }
        result().Value = await gate.InvokeAsync(http, endpoint, async () =>
        {
            await next(context);
            return result().Value;
        }, context.CancellationToken);
    }
}
