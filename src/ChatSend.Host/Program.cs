using ChatSend.Host;
using ChatSend.Host.Admin;

if (AdminCommands.IsCommand(args))
    return await AdminCommands.RunAsync(args);

if (args is ["openapi", .. var rest])
    return await LocalHost.WriteOpenApiAsync(rest.FirstOrDefault());

if (args is ["docs", .. var docs])
    return await LocalHost.WriteProviderDocsAsync(docs.FirstOrDefault());

await LocalHost.Create(args).RunAsync();
return 0;
