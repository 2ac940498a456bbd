namespace Junction.Http.Tests.Hpack;

/// <summary>Hex dumps as RFC 7541 prints them ("8286 8441 ..."), spaces and line breaks ignored.</summary>
internal static class Hex
{
    public static byte[] Bytes(string hex) =>
        Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
