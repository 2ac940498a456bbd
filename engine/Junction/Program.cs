using Junction.Host;

return await JunctionCli.RunAsync(args).ConfigureAwait(false);
