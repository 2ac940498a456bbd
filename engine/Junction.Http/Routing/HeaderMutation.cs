using System.Text;

namespace Junction.Http.Routing;

/// <summary>
/// One step of the header changes a route asks for (<c>request_headers_to_add</c> /
/// <c>_remove</c> and the response forms). The router precomputes, per route, one list per direction
/// in the order the steps must run (see <see cref="RouteEntry.RequestHeaderMutations"/>); the caller
/// applies them in that order.
/// </summary>
internal sealed class HeaderMutation
{
    private HeaderMutation(HeaderMutationKind kind, string name, byte[] value, HeaderAppendAction appendAction)
    {
        Kind = kind;
        Name = name;
        NameBytes = Encoding.ASCII.GetBytes(name);
        Value = value;
        AppendAction = appendAction;
    }

    /// <summary>Add or remove.</summary>
    public HeaderMutationKind Kind { get; }

    /// <summary>The lower-case field name.</summary>
    public string Name { get; }

    /// <summary>The lower-case field name as ASCII bytes.</summary>
    public byte[] NameBytes { get; }

    /// <summary>The value to add (UTF-8, <c>%%</c> already unescaped); empty for a removal.</summary>
    public byte[] Value { get; }

    /// <summary>What an add does when the field exists; <see cref="HeaderAppendAction.AppendIfExistsOrAdd"/> for a removal.</summary>
    public HeaderAppendAction AppendAction { get; }

    /// <summary>Creates an add step.</summary>
    public static HeaderMutation Add(string lowerCaseName, byte[] value, HeaderAppendAction appendAction) =>
        new(HeaderMutationKind.Add, lowerCaseName, value, appendAction);

    /// <summary>Creates a remove step.</summary>
    public static HeaderMutation Remove(string lowerCaseName) =>
        new(HeaderMutationKind.Remove, lowerCaseName, [], HeaderAppendAction.AppendIfExistsOrAdd);

    /// <inheritdoc />
    public override string ToString() => Kind == HeaderMutationKind.Remove
        ? $"remove {Name}"
        : $"{AppendAction} {Name}: {Encoding.UTF8.GetString(Value)}";
}
