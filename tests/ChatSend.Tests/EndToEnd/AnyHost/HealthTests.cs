using System.Net;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd.AnyHost;

/// <summary>The health routes of whatever host the suite points at, without a key, as a load balancer or the platform calls them.</summary>
public sealed class HealthTests(ChatSendTarget target) : IClassFixture<ChatSendTarget>
{
    [Theory]
    [InlineData("health/live", "process")]
    [InlineData("health/ready", "storage")]
    public async Task TheHealthRoutesAnswerHealthyWithoutAKey(string route, string check)
    {
        using var response = await target.Http.SendAsync(ChatSendTarget.Request(HttpMethod.Get, route, key: null));
        var body = await Json.ReadAsync(response);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{route} answered {(int)response.StatusCode}: {body}");
        Assert.Equal("Healthy", body.Str("status"));
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty(check).Str("status"));
    }
}
