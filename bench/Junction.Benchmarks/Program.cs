using BenchmarkDotNet.Running;
using Junction.Benchmarks;

// Steady-state proxy allocations (end to end, not BenchmarkDotNet):
//   dotnet run -c Release --project bench/Junction.Benchmarks -- --proxy-allocations [measured requests]
if (args.Length > 0 && args[0] == ProxyAllocations.Argument) return await ProxyAllocations.RunAsync(args);

// Run all: dotnet run -c Release --project bench/Junction.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
