namespace ChatSend.Telemetry;

/// <summary>
/// Why a message ended <c>failed</c>, as the low-cardinality <c>reason</c> tag of <c>chatsend.messages.failed</c>; the
/// free-text reason stays on the row.
/// </summary>
public enum FailureCategory
{
    /// <summary>The provider refused the message (a permanent error).</summary>
    ProviderRefused,

    /// <summary>The provider kept failing transiently until the attempts ran out.</summary>
    ProviderUnavailable,

    /// <summary>Every attempt was used up before this one could call the provider.</summary>
    AttemptsExhausted,

    /// <summary>The session is gone or disabled, or its provider is not registered.</summary>
    SessionUnusable,

    /// <summary>An attempt died during the provider call and <c>UnknownOutcome=Fail</c>.</summary>
    UnknownOutcome,

    /// <summary>The job failed on every dequeue and reached the poison queue.</summary>
    Poisoned,

    /// <summary>The provider reported the message failed after taking it (a receipt).</summary>
    ProviderReported,
}

public static class FailureCategories
{
    public static string ToTag(this FailureCategory category) => category switch
    {
        FailureCategory.ProviderRefused => "provider_refused",
        FailureCategory.ProviderUnavailable => "provider_unavailable",
        FailureCategory.AttemptsExhausted => "attempts_exhausted",
        FailureCategory.SessionUnusable => "session_unusable",
        FailureCategory.UnknownOutcome => "unknown_outcome",
        FailureCategory.Poisoned => "poisoned",
        FailureCategory.ProviderReported => "provider_reported",
        _ => "other",
    };
}
