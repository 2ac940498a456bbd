using System.Buffers.Binary;
using System.Text;
using Junction.Http.Http2;

namespace Junction.Http.Tests.Http2;

/// <summary>
/// Builds frames byte by byte, independently of <see cref="Http2FrameWriter"/>, so that reader tests
/// do not trust the code they are meant to check.
/// </summary>
internal static class FrameBytes
{
    public static byte[] Frame(Http2FrameType type, Http2Flags flags, uint streamId, params byte[] payload) =>
        Frame((byte)type, (byte)flags, streamId, payload, payload.Length);

    /// <summary>A frame whose length field says <paramref name="length"/> whatever the payload (for header-only inputs).</summary>
    public static byte[] Frame(byte type, byte flags, uint streamId, byte[] payload, int length)
    {
        var bytes = new byte[9 + payload.Length];
        bytes[0] = (byte)(length >> 16);
        bytes[1] = (byte)(length >> 8);
        bytes[2] = (byte)length;
        bytes[3] = type;
        bytes[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5), streamId);
        payload.CopyTo(bytes, 9);
        return bytes;
    }

    public static byte[] UInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Setting(Http2SettingsParameter parameter, uint value)
    {
        var bytes = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)parameter);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(2), value);
        return bytes;
    }

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
