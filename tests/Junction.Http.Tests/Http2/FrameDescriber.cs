using System.Buffers;
using System.Text;
using Junction.Http.Http2;

namespace Junction.Http.Tests.Http2;

/// <summary>Turns a read frame into one line through the payload accessors, so tests compare what a connection would see.</summary>
internal static class FrameDescriber
{
    public static string Describe(in Http2Frame frame)
    {
        var head = $"{frame.Type} {frame.StreamId} {Flags(frame.Header)}";
        switch (frame.Type)
        {
            case Http2FrameType.Data:
                return $"{head} [{Text(frame.GetData())}]";
            case Http2FrameType.Headers:
                return $"{head} [{Text(frame.GetFieldBlockFragment())}]{Priority(frame)}";
            case Http2FrameType.Continuation:
                return $"{head} [{Text(frame.GetFieldBlockFragment())}]";
            case Http2FrameType.PushPromise:
                return $"{head} promised {frame.GetPromisedStreamId()} [{Text(frame.GetFieldBlockFragment())}]";
            case Http2FrameType.Priority:
                return $"{head}{Priority(frame)}";
            case Http2FrameType.RstStream:
                return $"{head} {frame.GetRstStreamErrorCode()}";
            case Http2FrameType.Settings:
                var entries = new List<string>();
                foreach (var entry in frame.GetSettings()) entries.Add($"{entry.Parameter}={entry.Value}");
                return $"{head} {{{string.Join(", ", entries)}}}";
            case Http2FrameType.Ping:
                return $"{head} {frame.GetPingData():x16}";
            case Http2FrameType.GoAway:
                return $"{head} last {frame.GetGoAwayLastStreamId()} {frame.GetGoAwayErrorCode()} [{Text(frame.GetGoAwayDebugData())}]";
            case Http2FrameType.WindowUpdate:
                return $"{head} +{frame.GetWindowUpdateIncrement()}";
            default:
                return $"{head} length {frame.Header.Length}";
        }
    }

    // Http2Flags.ToString cannot tell END_STREAM from ACK (one bit), so name the bits per frame type.
    private static string Flags(in Http2FrameHeader header)
    {
        var names = new List<string>();
        var rest = (int)header.Flags;
        void Take(int bit, string name)
        {
            if ((rest & bit) == 0) return;
            names.Add(name);
            rest &= ~bit;
        }
        Take(0x1, header.Type is Http2FrameType.Settings or Http2FrameType.Ping ? "ACK" : "END_STREAM");
        Take(0x4, "END_HEADERS");
        Take(0x8, "PADDED");
        Take(0x20, "PRIORITY");
        if (rest != 0) names.Add($"0x{rest:x2}");
        return names.Count == 0 ? "-" : string.Join("|", names);
    }

    private static string Priority(in Http2Frame frame) =>
        frame.TryGetPriority(out var p) ? $" depends on {p.StreamDependency}{(p.Exclusive ? " exclusively" : "")} weight {p.Weight}" : "";

    private static string Text(in ReadOnlySequence<byte> bytes) => Encoding.ASCII.GetString(bytes.ToArray());
}
