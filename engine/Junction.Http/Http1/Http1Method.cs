namespace Junction.Http.Http1;

/// <summary>
/// The request methods the parser recognises without comparing strings later. Anything else is
/// <see cref="Custom"/>, and the handler gets the method's bytes to tell which.
/// </summary>
internal enum Http1Method : byte
{
    Custom = 0,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Connect,
    Options,
    Trace,
    Patch,
}
