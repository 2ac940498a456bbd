namespace Junction.Configuration;

/// <summary>Where a configuration node starts in its source file (1-based line and column).</summary>
/// <param name="File">The file name as given on the command line, or a label such as <c>&lt;embedded default&gt;</c>.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public readonly record struct ConfigMark(string File, int Line, int Column)
{
    /// <summary>Formats the mark as <c>file:line:column</c>, the form compilers use, so editors can jump to it.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}";
}
