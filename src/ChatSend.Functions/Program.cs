using ChatSend;
using ChatSend.Functions;
using ChatSend.Queues;
using ChatSend.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ApiMiddleware>();
builder.Configuration.AddChatSendLogDefaults();
builder.Services.AddChatSend(builder.Configuration);
builder.Services.AddSingleton<IValidateOptions<QueuesOptions>, QueueShardFunctionsCheck>(); // the shards in use have their functions on
builder.Services.AddChatSendTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
builder.Build().Run();
