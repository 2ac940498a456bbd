namespace Junction.Http.Http1;

/// <summary>The two protocol versions an HTTP/1 start line may carry; anything else is rejected.</summary>
internal enum Http1Version : byte
{
    Http10 = 10,
    Http11 = 11,
}
