using System.Buffers;
using System.Text;
using Junction.Http.Http1;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// The start line and header fields of one HTTP/1.1 message, copied once out of the receive buffer into
/// a pooled array (so they outlive the read that delivered them) and kept as offsets: names and values
/// are byte slices, never strings, unless someone asks. One instance per connection direction, reused.
/// </summary>
internal sealed class MessageHead : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1024);
    private int _length;
    private HeaderField[] _fields = new HeaderField[32];
    private int _count;
    private int _targetStart;
    private int _targetLength;
    private int _reasonStart;
    private int _reasonLength;
    private int _methodStart;
    private int _methodLength;

    public Http1Method Method { get; private set; }

    public Http1Version Version { get; private set; }

    public int StatusCode { get; private set; }

    public int FieldCount => _count;

    public ReadOnlySpan<byte> MethodBytes => _buffer.AsSpan(_methodStart, _methodLength);

    public ReadOnlySpan<byte> Target => _buffer.AsSpan(_targetStart, _targetLength);

    public ReadOnlySpan<byte> Reason => _buffer.AsSpan(_reasonStart, _reasonLength);

    /// <summary>Framing facts gathered from Content-Length and Transfer-Encoding fields.</summary>
    public Http1FramingFacts Framing;

    /// <summary>"Connection: close" was present (or HTTP/1.0 without "keep-alive").</summary>
    public bool WantsClose { get; private set; }

    /// <summary>"Expect: 100-continue" was present.</summary>
    public bool ExpectsContinue { get; private set; }

    /// <summary>The Connection field lists the <c>upgrade</c> token.</summary>
    public bool ConnectionUpgrade { get; private set; }

    /// <summary>The Upgrade field, or -1. It is dropped from forwarding unless an upgrade is configured.</summary>
    public int UpgradeIndex { get; private set; } = -1;

    public ref HeaderField Field(int index) => ref _fields[index];

    public ReadOnlySpan<byte> Name(int index) => _buffer.AsSpan(_fields[index].NameStart, _fields[index].NameLength);

    public ReadOnlySpan<byte> Value(int index) => _buffer.AsSpan(_fields[index].ValueStart, _fields[index].ValueLength);

    /// <summary>The first field named <paramref name="lowerCaseName"/> (case-insensitive), or -1.</summary>
    public int Find(ReadOnlySpan<byte> lowerCaseName)
    {
        for (var i = 0; i < _count; i++)
        {
            if (!_fields[i].Dropped && Ascii.EqualsIgnoreCase(Name(i), lowerCaseName)) return i;
        }
        return -1;
    }

    /// <summary>The first field of a well-known kind still to be forwarded, or -1.</summary>
    public int Find(KnownHeader known)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_fields[i].Known == known && !_fields[i].Dropped) return i;
        }
        return -1;
    }

    /// <summary>
    /// Bumped by every change a filter makes (<see cref="SetTarget"/>, <see cref="AddChecked"/>,
    /// <see cref="Remove"/>), so views that index visible fields know to rebuild.
    /// </summary>
    public int ChangeCount { get; private set; }

    /// <summary>Replaces the request target (a filter rewrote the path). The caller has validated it.</summary>
    public void SetTarget(ReadOnlySpan<byte> target)
    {
        _targetStart = Append(target);
        _targetLength = target.Length;
        ChangeCount++;
    }

    /// <summary>Replaces the status (a filter changed it); the reason phrase becomes the standard one.</summary>
    public void SetStatus(int statusCode, ReadOnlySpan<byte> reason)
    {
        StatusCode = statusCode;
        _reasonStart = Append(reason);
        _reasonLength = reason.Length;
    }

    /// <summary>
    /// Adds a field on a filter's behalf: the name must be a token and the value free of CR, LF and NUL
    /// (so nothing can split the message), and neither framing nor hop-by-hop fields may be set, because
    /// the proxy writes those from its own decisions.
    /// </summary>
    public void AddChecked(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (name.IsEmpty || name.ContainsAnyExcept(Http1Characters.Token))
        {
            throw new ArgumentException($"'{Encoding.Latin1.GetString(name)}' is not a valid header name", nameof(name));
        }
        if (value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) >= 0)
        {
            throw new ArgumentException("a header value must not contain CR, LF or NUL", nameof(value));
        }
        if (IsProxyOwned(KnownHeaders.Identify(name)))
        {
            throw new ArgumentException($"'{Encoding.Latin1.GetString(name)}' is set by the proxy itself (framing or hop-by-hop)", nameof(name));
        }
        if (_count == _fields.Length) Array.Resize(ref _fields, _fields.Length * 2);
        ref var field = ref _fields[_count++];
        field.NameStart = Append(name);
        field.NameLength = name.Length;
        field.ValueStart = Append(value.Trim(" \t"u8));
        field.ValueLength = value.Trim(" \t"u8).Length;
        field.Known = KnownHeaders.Identify(name);
        field.Dropped = false;
        ChangeCount++;
    }

    /// <summary>Marks every forwarded field named <paramref name="lowerCaseName"/> as removed; false when there was none.</summary>
    public bool Remove(ReadOnlySpan<byte> lowerCaseName)
    {
        var removed = false;
        for (var i = 0; i < _count; i++)
        {
            if (_fields[i].Dropped || !Ascii.EqualsIgnoreCase(Name(i), lowerCaseName)) continue;
            _fields[i].Dropped = true;
            removed = true;
        }
        if (removed) ChangeCount++;
        return removed;
    }

    /// <summary>Fields the proxy writes itself from its own decisions; filters can neither see nor set them.</summary>
    public static bool IsProxyOwned(KnownHeader known) => known is KnownHeader.ContentLength or KnownHeader.TransferEncoding or
        KnownHeader.Connection or KnownHeader.Upgrade or KnownHeader.KeepAlive or KnownHeader.ProxyConnection or KnownHeader.TE;

    /// <summary>Marks every field named <paramref name="lowerCaseName"/> as not to be forwarded.</summary>
    public void Drop(ReadOnlySpan<byte> lowerCaseName)
    {
        for (var i = 0; i < _count; i++)
        {
            if (Ascii.EqualsIgnoreCase(Name(i), lowerCaseName)) _fields[i].Dropped = true;
        }
    }

    public void Reset()
    {
        ChangeCount++;
        _length = 0;
        _count = 0;
        Framing = default;
        WantsClose = false;
        ExpectsContinue = false;
        ConnectionUpgrade = false;
        UpgradeIndex = -1;
        StatusCode = 0;
        Method = Http1Method.Custom;
    }

    public void SetRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1Version version)
    {
        Method = method;
        Version = version;
        _methodStart = Append(methodBytes);
        _methodLength = methodBytes.Length;
        _targetStart = Append(target);
        _targetLength = target.Length;
        // HTTP/1.0 closes after each response unless the client asks for keep-alive.
        WantsClose = version == Http1Version.Http10;
    }

    /// <summary>A private copy of a request head (its line and the fields not dropped), for work that outlives the original.</summary>
    public static MessageHead CopyRequest(MessageHead source)
    {
        var copy = new MessageHead();
        copy.SetRequestLine(source.Method, source.MethodBytes, source.Target, source.Version);
        for (var i = 0; i < source.FieldCount; i++)
        {
            if (!source.Field(i).Dropped) copy.AddField(source.Name(i), source.Value(i));
        }
        return copy;
    }

    public void SetStatusLine(Http1Version version, int statusCode, ReadOnlySpan<byte> reason)
    {
        Version = version;
        StatusCode = statusCode;
        _reasonStart = Append(reason);
        _reasonLength = reason.Length;
        WantsClose = version == Http1Version.Http10;
    }

    public void AddField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var known = KnownHeaders.Identify(name);
        if (_count == _fields.Length) Array.Resize(ref _fields, _fields.Length * 2);
        ref var field = ref _fields[_count++];
        field.NameStart = Append(name);
        field.NameLength = name.Length;
        field.ValueStart = Append(value);
        field.ValueLength = value.Length;
        field.Known = known;
        field.Dropped = false;
        switch (known)
        {
            case KnownHeader.ContentLength:
            case KnownHeader.TransferEncoding:
                Framing.Add(known, value);
                // Framing is re-emitted by the proxy from its own decision, never copied.
                field.Dropped = true;
                break;
            case KnownHeader.Connection:
                field.Dropped = true;
                NoteConnectionTokens(value);
                break;
            case KnownHeader.Upgrade:
                if (UpgradeIndex < 0) UpgradeIndex = _count - 1;
                field.Dropped = true;
                break;
            case KnownHeader.KeepAlive:
            case KnownHeader.ProxyConnection:
            case KnownHeader.TE:
                field.Dropped = true;
                break;
            case KnownHeader.Expect:
                ExpectsContinue |= Ascii.EqualsIgnoreCase(value, "100-continue"u8);
                field.Dropped = true;
                break;
        }
    }

    /// <summary>After all fields: drops the fields that Connection named (they are hop-by-hop too).</summary>
    public void CompleteFields()
    {
        for (var i = 0; i < _count; i++)
        {
            if (_fields[i].Known != KnownHeader.Connection) continue;
            var value = Value(i);
            while (!value.IsEmpty)
            {
                var comma = value.IndexOf((byte)',');
                var token = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
                value = comma < 0 ? default : value[(comma + 1)..];
                if (token.IsEmpty || Ascii.EqualsIgnoreCase(token, "close"u8) || Ascii.EqualsIgnoreCase(token, "keep-alive"u8) ||
                    Ascii.EqualsIgnoreCase(token, "upgrade"u8)) continue;
                // A Connection token may name any field; keep the framing ones, which are handled apart.
                if (KnownHeaders.Identify(token) is KnownHeader.ContentLength or KnownHeader.TransferEncoding or KnownHeader.Host) continue;
                for (var j = 0; j < _count; j++)
                {
                    if (Ascii.EqualsIgnoreCase(Name(j), token)) _fields[j].Dropped = true;
                }
            }
        }
    }

    /// <summary>The value as a string (for filters and logs that ask; allocates).</summary>
    public string ValueString(int index) => Encoding.Latin1.GetString(Value(index));

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = Array.Empty<byte>();
    }

    private void NoteConnectionTokens(ReadOnlySpan<byte> value)
    {
        while (!value.IsEmpty)
        {
            var comma = value.IndexOf((byte)',');
            var token = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
            value = comma < 0 ? default : value[(comma + 1)..];
            if (Ascii.EqualsIgnoreCase(token, "close"u8)) WantsClose = true;
            else if (Ascii.EqualsIgnoreCase(token, "upgrade"u8)) ConnectionUpgrade = true;
            else if (Ascii.EqualsIgnoreCase(token, "keep-alive"u8) && Version == Http1Version.Http10) WantsClose = false;
        }
    }

    private int Append(ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + bytes.Length));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        var start = _length;
        bytes.CopyTo(_buffer.AsSpan(start));
        _length += bytes.Length;
        return start;
    }
}
