using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatSend.Tests.ApiReference;

/// <summary>Runs what a Functions class returns the way the worker's ASP.NET Core integration writes it, and reads the body.</summary>
internal static class FunctionResponse
{
    public static HttpRequest Request() => NewContext().Request;

    public static async Task<string> BodyAsync(IResult result)
    {
        var context = NewContext();
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        return await new StreamReader(context.Response.Body).ReadToEndAsync();
    }

    private static DefaultHttpContext NewContext() =>
        new() { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
}
