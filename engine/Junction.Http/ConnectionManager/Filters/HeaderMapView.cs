using System.Text;
using Junction.HttpFilters;

namespace Junction.Http.ConnectionManager.Filters;

/// <summary>
/// A filter's view of a <see cref="MessageHead"/>: the fields still to be forwarded, in order. Changes
/// go straight into the head (removed fields are marked, added ones appended), so the code that writes
/// the head out needs to know nothing about filters.
/// </summary>
internal class HeaderMapView : IHttpHeaderMap
{
    private int[] _visible = new int[16];
    private int _visibleCount;
    private int _builtAt = -1;

    protected MessageHead Head { get; private set; } = null!;

    /// <summary>Points the view at <paramref name="head"/> (views are reused, one per stream direction).</summary>
    public void Attach(MessageHead head)
    {
        Head = head;
        _builtAt = -1;
    }

    public int Count => Visible().Length;

    public ReadOnlySpan<byte> NameAt(int index) => Head.Name(Visible()[index]);

    public ReadOnlySpan<byte> ValueAt(int index) => Head.Value(Visible()[index]);

    public bool TryGetValue(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        foreach (var i in Visible())
        {
            if (Ascii.EqualsIgnoreCase(Head.Name(i), name))
            {
                value = Head.Value(i);
                return true;
            }
        }
        value = default;
        return false;
    }

    public string? Get(string name) => TryGetValue(Encoding.Latin1.GetBytes(name), out var value) ? Encoding.Latin1.GetString(value) : null;

    public void Set(string name, string value)
    {
        var nameBytes = Encoding.Latin1.GetBytes(name);
        var valueBytes = Latin1Checked(value);
        // Validate before removing, so a rejected value leaves the old field in place.
        Head.AddChecked(nameBytes, valueBytes);
        var added = Head.FieldCount - 1;
        for (var i = 0; i < added; i++)
        {
            if (!Head.Field(i).Dropped && Ascii.EqualsIgnoreCase(Head.Name(i), nameBytes)) Head.Field(i).Dropped = true;
        }
    }

    public void Add(string name, string value) => Head.AddChecked(Encoding.Latin1.GetBytes(name), Latin1Checked(value));

    public bool Remove(string name) => Head.Remove(Encoding.Latin1.GetBytes(name));

    /// <summary>HTTP field values are octets; characters beyond Latin-1 cannot be sent as they are.</summary>
    protected static byte[] Latin1Checked(string value)
    {
        foreach (var c in value)
        {
            if (c > '\u00ff') throw new ArgumentException("a header value must be Latin-1 (encode other text first)", nameof(value));
        }
        return Encoding.Latin1.GetBytes(value);
    }

    /// <summary>Indexes of the fields a filter sees: not dropped, not the proxy's own.</summary>
    private ReadOnlySpan<int> Visible()
    {
        if (_builtAt == Head.ChangeCount) return _visible.AsSpan(0, _visibleCount);
        _visibleCount = 0;
        for (var i = 0; i < Head.FieldCount; i++)
        {
            ref var field = ref Head.Field(i);
            if (field.Dropped || MessageHead.IsProxyOwned(field.Known)) continue;
            if (_visibleCount == _visible.Length) Array.Resize(ref _visible, _visible.Length * 2);
            _visible[_visibleCount++] = i;
        }
        _builtAt = Head.ChangeCount;
        return _visible.AsSpan(0, _visibleCount);
    }
}

/// <summary>The request head as filters see it.</summary>
internal sealed class RequestHeaderView : HeaderMapView, IHttpRequestHeaders
{
    public string Method => Encoding.ASCII.GetString(Head.MethodBytes);

    public string Path
    {
        get => Encoding.Latin1.GetString(Head.Target);
        set
        {
            // origin-form only: a path that starts with '/', no whitespace or control characters.
            if (string.IsNullOrEmpty(value) || value[0] != '/' || value.Any(c => c is <= ' ' or > '~'))
            {
                throw new ArgumentException("a path must start with '/' and hold only visible ASCII", nameof(value));
            }
            Head.SetTarget(Encoding.ASCII.GetBytes(value));
        }
    }

    public string? Authority => Head.Find(Http1.KnownHeader.Host) is var i and >= 0 ? Encoding.Latin1.GetString(Head.Value(i)) : null;
}

/// <summary>A response head (from the upstream, or a local reply) as filters see it.</summary>
internal sealed class ResponseHeaderView : HeaderMapView, IHttpResponseHeaders
{
    public int Status
    {
        get => Head.StatusCode;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 200);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 599);
            Head.SetStatus(value, ReasonPhrases.For(value));
        }
    }
}
