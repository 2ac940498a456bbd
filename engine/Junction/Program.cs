using Junction.Core.Transport;
using Junction.Host;

// Before anything can create a socket: the runtime reads this switch once, when its engine starts.
SocketCompletions.EnableByDefault();
return await JunctionCli.RunAsync(args).ConfigureAwait(false);
