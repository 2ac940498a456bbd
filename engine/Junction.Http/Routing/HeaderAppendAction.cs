namespace Junction.Http.Routing;

/// <summary>Envoy's <c>HeaderValueOption.append_action</c>: what an add does when the field exists.</summary>
internal enum HeaderAppendAction
{
    /// <summary><c>APPEND_IF_EXISTS_OR_ADD</c> (the default): add another field line of the name.</summary>
    AppendIfExistsOrAdd,

    /// <summary><c>ADD_IF_ABSENT</c>: add only when no field of the name exists.</summary>
    AddIfAbsent,

    /// <summary><c>OVERWRITE_IF_EXISTS_OR_ADD</c>: replace every field of the name with this one.</summary>
    OverwriteIfExistsOrAdd,

    /// <summary><c>OVERWRITE_IF_EXISTS</c>: replace the fields of the name only when one exists; otherwise do nothing.</summary>
    OverwriteIfExists,
}
