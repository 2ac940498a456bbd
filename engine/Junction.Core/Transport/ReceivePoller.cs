using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Junction.Core.Transport;

/// <summary>
/// Tells socket receive loops when their sockets become readable, from an edge-triggered epoll set of
/// its own (Linux). With it a receive loop makes one recv per burst of bytes, as nginx does: after a
/// read that returned less than it asked for, the socket is drained, so the loop waits for the next
/// edge instead of calling recv again. The runtime's sockets engine cannot wait without trying first:
/// every receive it starts begins with a recv, which after a short read fails with EAGAIN, so each
/// request cost one wasted recvfrom per side (h1-small: 4 recvfrom per proxied request, 2 of them EAGAIN).
/// </summary>
/// <remarks>
/// One poller (and thread) per processor the process may use, sockets spread round robin; the receive
/// loop runs on the poller's thread, like the runtime's inline completions, so the same rule holds:
/// nothing may block there. Outbound connects wait on it too (<see cref="SocketConnector"/>): a socket
/// that ever waited in the runtime's engine stays registered there, and the runtime's epoll thread would
/// then wake for every response as well. Sends and accepts stay with the runtime's engine (a send that
/// finds the socket buffer full registers its socket there; that only happens under backpressure, and
/// sending through the poller measured no faster for small exchanges). Used only where
/// socket completions are inline (<see cref="SocketCompletions.Inline"/>) and on Linux (x64, arm64);
/// <c>JUNCTION_RECEIVE_POLLER=0</c> turns it off. An event for a socket already gone finds no signal
/// and is dropped; a late event for a live one only costs the loop a recv that finds nothing.
/// </remarks>
internal sealed unsafe partial class ReceivePoller
{
    /// <summary>The switch that turns the pollers off (set to 0).</summary>
    public const string Variable = "JUNCTION_RECEIVE_POLLER";

    private const uint EpollIn = 0x001;
    private const uint EpollOut = 0x004;
    private const uint EpollErr = 0x008;
    private const uint EpollHup = 0x010;
    private const uint EpollRdHup = 0x2000;
    private const uint EpollEt = 1u << 31;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlMod = 3;
    private const int EpollCloExec = 0x80000;
    private const int EIntr = 4;
    private const int MaxEvents = 256;

    private static readonly Lazy<ReceivePoller[]?> s_pollers = new(CreatePollers);
    private static int s_next;
    private static long s_nextId;

    private readonly int _epoll;
    private readonly ConcurrentDictionary<long, ReadableSignal> _signals = new();

    private ReceivePoller(int epoll, int index)
    {
        _epoll = epoll;
        var thread = new Thread(Run) { IsBackground = true, Name = "junction-epoll-" + index };
        thread.UnsafeStart();
    }

    // struct epoll_event is packed on x64 (12 bytes, data at offset 4), naturally aligned on arm64.
    private static int EventSize => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static int DataOffset => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>A poller for a new socket, or null when receive loops use the runtime's engine.</summary>
    public static ReceivePoller? Next()
    {
        var pollers = s_pollers.Value;
        if (pollers is null) return null;
        var index = (uint)Interlocked.Increment(ref s_next) % (uint)pollers.Length;
        return pollers[index];
    }

    /// <summary>
    /// Adds <paramref name="socket"/> to the set; <paramref name="signal"/> is raised on every edge (bytes
    /// arrived, FIN, reset, error), and once at once if bytes are already waiting. <paramref name="id"/> is
    /// for <see cref="Remove"/>. Closing the socket takes it out of the epoll set; <see cref="Remove"/>
    /// forgets the signal. False when epoll refused it (the socket is already closed, say). With
    /// <paramref name="writableToo"/> it is also raised when the socket becomes writable (a connect
    /// completed), until <see cref="TryStopWatchingWritable"/>.
    /// </summary>
    public bool TryAdd(Socket socket, ReadableSignal signal, out long id, bool writableToo = false)
    {
        id = Interlocked.Increment(ref s_nextId);
        _signals[id] = signal;
        if (Control(socket, EpollCtlAdd, id, writableToo)) return true;
        _signals.TryRemove(id, out _);
        return false;
    }

    /// <summary>Back to readability only, once a connect has completed.</summary>
    public bool TryStopWatchingWritable(Socket socket, long id) => Control(socket, EpollCtlMod, id, writableToo: false);

    /// <summary>Forgets a socket's signal (its receive loop has ended).</summary>
    public void Remove(long id) => _signals.TryRemove(id, out _);

    private bool Control(Socket socket, int op, long id, bool writableToo)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            // The reference keeps the descriptor from being closed (and its number reused) during the call.
            handle.DangerousAddRef(ref added);
            var ev = stackalloc byte[16];
            *(uint*)ev = EpollIn | EpollRdHup | EpollEt | (writableToo ? EpollOut : 0);
            Unsafe.WriteUnaligned(ev + DataOffset, id);
            return EpollCtl(_epoll, op, (int)handle.DangerousGetHandle(), ev) == 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private static ReceivePoller[]? CreatePollers()
    {
        if (!OperatingSystem.IsLinux() || !SocketCompletions.Inline || Environment.GetEnvironmentVariable(Variable) == "0") return null;
        if (RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)) return null;
        var pollers = new ReceivePoller[Math.Max(1, Environment.ProcessorCount)];
        for (var i = 0; i < pollers.Length; i++)
        {
            var epoll = EpollCreate1(EpollCloExec);
            if (epoll < 0) return null;
            pollers[i] = new ReceivePoller(epoll, i);
        }
        return pollers;
    }

    private void Run()
    {
        var size = EventSize;
        var offset = DataOffset;
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * size));
        while (true)
        {
            var count = EpollWait(_epoll, events, MaxEvents, -1);
            if (count < 0)
            {
                if (Marshal.GetLastPInvokeError() == EIntr) continue;
                throw new InvalidOperationException("epoll_wait failed: errno " + Marshal.GetLastPInvokeError());
            }
            for (var i = 0; i < count; i++)
            {
                var ev = events + (i * size);
                var id = Unsafe.ReadUnaligned<long>(ev + offset);
                if (!_signals.TryGetValue(id, out var signal)) continue;
                var flags = Unsafe.ReadUnaligned<uint>(ev);
                // The receive loop continues here, inline (it catches its own exceptions).
                signal.Raise(peerClosed: (flags & (EpollRdHup | EpollHup | EpollErr)) != 0);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epoll, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epoll, byte* events, int maxEvents, int timeout);
}
