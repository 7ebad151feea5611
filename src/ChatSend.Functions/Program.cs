using ChatSend;
using ChatSend.Functions;
using ChatSend.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ApiMiddleware>();
builder.Configuration.AddChatSendLogDefaults();
builder.Services.AddChatSend(builder.Configuration);
builder.Services.AddChatSendTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
builder.Build().Run();
