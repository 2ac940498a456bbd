using Junction.Http.Http1;

namespace Junction.Http.Tests.Http1;

/// <summary>Writes every callback down as a line of text, so that whole parses compare with one assert.</summary>
internal struct RecordingHandler : IHttp1RequestLineHandler, IHttp1StatusLineHandler, IHttp1HeadersHandler
{
    public RecordingHandler() { }

    public List<string> Events { get; } = [];

    public readonly void OnRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1Version version) =>
        Events.Add($"request {method} {TestSequences.Text(methodBytes)} {TestSequences.Text(target)} {version}");

    public readonly void OnStatusLine(Http1Version version, int statusCode, ReadOnlySpan<byte> reason) =>
        Events.Add($"status {version} {statusCode} [{TestSequences.Text(reason)}]");

    public readonly void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        Events.Add($"[{TestSequences.Text(name)}] [{TestSequences.Text(value)}]");

    public readonly void OnHeadersComplete() => Events.Add("end");
}
