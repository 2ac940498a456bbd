namespace Junction.Core.Transport;

/// <summary>
/// Where socket completions run. By default the .NET sockets engine hands every completion from its
/// epoll thread to the thread pool; with <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c> it runs
/// them on the epoll thread itself (one such thread per processor), which is Envoy's worker model: a
/// request is read, routed, sent upstream, and its response relayed, without a thread hop or a context
/// switch. The junction executable turns it on (<see cref="EnableByDefault"/>) unless the variable is
/// already set; <see cref="TransportOptions"/> then makes the pipes inline too.
/// </summary>
/// <remarks>
/// The price: code that runs from a socket completion (the transport, every filter, the codecs) must
/// never block, because a blocked epoll thread stalls every connection registered with it. Waits are
/// awaits; locks are held for a few instructions; slow work (access log writes, DNS) goes elsewhere.
/// </remarks>
internal static class SocketCompletions
{
    /// <summary>The runtime's own switch; it reads it once, when its socket engine starts.</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static bool? s_inline;

    /// <summary>
    /// True when the sockets engine runs completions inline. Read when the first transport is set up,
    /// which is after the host's <see cref="EnableByDefault"/> and before or as the engine starts.
    /// </summary>
    public static bool Inline => s_inline ??= Environment.GetEnvironmentVariable(Variable) == "1";

    /// <summary>
    /// Turns inline completions on for this process unless the variable says otherwise (set it to 0 to
    /// keep the thread-pool mode). Must run before the first socket is created.
    /// </summary>
    public static void EnableByDefault()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null) Environment.SetEnvironmentVariable(Variable, "1");
    }
}
