using System.Buffers;
using System.Text;
using Junction.Http.Routing;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// Applies a route's header changes while a head is written: fields removed or overwritten are skipped
/// as the original fields are copied, then the added fields are written per their append action.
/// Two lists apply in order: the chosen weighted cluster's, then the route's (already merged across
/// route, virtual host and route configuration), which so has the last word, as in Envoy.
/// </summary>
internal static class HeaderMutationWriter
{
    /// <summary>True when an original field named <paramref name="name"/> must not be copied.</summary>
    public static bool Replaces(ReadOnlySpan<byte> name, IReadOnlyList<HeaderMutation>? first, IReadOnlyList<HeaderMutation>? second) =>
        Replaces(name, first) || Replaces(name, second);

    /// <summary>Writes the added fields of both lists as HTTP/1.1 field lines.</summary>
    public static void WriteAdditions(IBufferWriter<byte> output, MessageHead head, IReadOnlyList<HeaderMutation>? first, IReadOnlyList<HeaderMutation>? second)
    {
        var sink = new Http1FieldSink(output);
        VisitAdditions(head, first, second, ref sink);
    }

    /// <summary>Hands the added fields of both lists to <paramref name="sink"/> (for a codec that writes fields its own way).</summary>
    public static void VisitAdditions<TSink>(MessageHead head, IReadOnlyList<HeaderMutation>? first, IReadOnlyList<HeaderMutation>? second, ref TSink sink)
        where TSink : struct, IFieldSink
    {
        VisitAdditionsOf(head, first, null, ref sink);
        VisitAdditionsOf(head, second, first, ref sink);
    }

    /// <summary>Receives fields to write.</summary>
    public interface IFieldSink
    {
        void Field(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value);
    }

    private readonly struct Http1FieldSink(IBufferWriter<byte> output) : IFieldSink
    {
        public void Field(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value) => output.WriteField(lowerCaseName, value);
    }

    private static bool Replaces(ReadOnlySpan<byte> name, IReadOnlyList<HeaderMutation>? mutations)
    {
        if (mutations is null) return false;
        for (var i = 0; i < mutations.Count; i++)
        {
            var mutation = mutations[i];
            var replacing = mutation.Kind == HeaderMutationKind.Remove ||
                mutation.AppendAction is HeaderAppendAction.OverwriteIfExistsOrAdd or HeaderAppendAction.OverwriteIfExists;
            if (replacing && Ascii.EqualsIgnoreCase(name, mutation.NameBytes)) return true;
        }
        return false;
    }

    private static void VisitAdditionsOf<TSink>(MessageHead head, IReadOnlyList<HeaderMutation>? mutations, IReadOnlyList<HeaderMutation>? earlier, ref TSink sink)
        where TSink : struct, IFieldSink
    {
        if (mutations is null) return;
        for (var i = 0; i < mutations.Count; i++)
        {
            var mutation = mutations[i];
            if (mutation.Kind != HeaderMutationKind.Add) continue;
            // "Exists" means in the original message or already added by an earlier mutation.
            var exists = head.Find(mutation.NameBytes) >= 0 || AddedBefore(mutation, mutations, i) || AddedBefore(mutation, earlier, earlier?.Count ?? 0);
            var write = mutation.AppendAction switch
            {
                HeaderAppendAction.AddIfAbsent => !exists,
                HeaderAppendAction.OverwriteIfExists => exists,
                _ => true,
            };
            if (write) sink.Field(mutation.NameBytes, mutation.Value);
        }
    }

    private static bool AddedBefore(HeaderMutation mutation, IReadOnlyList<HeaderMutation>? list, int before)
    {
        if (list is null) return false;
        for (var i = 0; i < before; i++)
        {
            if (list[i].Kind == HeaderMutationKind.Add && Ascii.EqualsIgnoreCase(list[i].NameBytes, mutation.NameBytes)) return true;
        }
        return false;
    }
}
