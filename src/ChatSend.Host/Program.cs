using ChatSend.Host;
using ChatSend.Host.Admin;

if (AdminCommands.IsCommand(args))
    return await AdminCommands.RunAsync(args);

await LocalHost.Create(args).RunAsync();
return 0;
