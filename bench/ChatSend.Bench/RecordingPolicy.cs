using Azure.Core;
using Azure.Core.Pipeline;

namespace ChatSend.Bench;

/// <summary>
/// A pipeline policy that records each try after it ends, answered or not (<see cref="HttpPipelineSynchronousPolicy"/>'s
/// hook runs only on an answer, and a request that got none may still have reached storage).
/// </summary>
public abstract class RecordingPolicy : HttpPipelinePolicy
{
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            Record(message);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline);
        }
        finally
        {
            Record(message);
        }
    }

    protected abstract void Record(HttpMessage message);
}
