using System.Security.Cryptography;
using System.Text;
using ChatSend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Providers;

/// <summary>What every provider webhook shares: the body limit, its answer, and comparing secrets in constant time.</summary>
public static class WebhookTrust
{
    /// <summary>A provider's status webhook is small; this is far above any of them, and bounds what is held in memory.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public static ProblemHttpResult TooLarge() =>
        Problems.Problem(StatusCodes.Status413PayloadTooLarge, "The webhook body is too large.", $"At most {MaxBodyBytes} bytes.");

    /// <summary>Constant time whatever the inputs' lengths: both are hashed first.</summary>
    public static bool SameText(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
