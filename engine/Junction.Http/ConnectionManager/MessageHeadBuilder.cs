using Junction.Http.Http1;

namespace Junction.Http.ConnectionManager;

/// <summary>The parser's handler: copies what the parser reports into a <see cref="MessageHead"/>.</summary>
internal readonly struct MessageHeadBuilder(MessageHead head) : IHttp1RequestLineHandler, IHttp1StatusLineHandler, IHttp1HeadersHandler
{
    public void OnRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1Version version) =>
        head.SetRequestLine(method, methodBytes, target, version);

    public void OnStatusLine(Http1Version version, int statusCode, ReadOnlySpan<byte> reason) =>
        head.SetStatusLine(version, statusCode, reason);

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => head.AddField(name, value);

    public void OnHeadersComplete() => head.CompleteFields();
}
