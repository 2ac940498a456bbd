namespace Junction.Http.Routing;

/// <summary>What a <see cref="HeaderMutation"/> does.</summary>
internal enum HeaderMutationKind
{
    /// <summary>Adds (or sets, per <see cref="HeaderMutation.AppendAction"/>) a field.</summary>
    Add,

    /// <summary>Removes every field of the name.</summary>
    Remove,
}
