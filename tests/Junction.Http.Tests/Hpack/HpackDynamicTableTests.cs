using System.Text;
using Junction.Http.Http2.Hpack;

namespace Junction.Http.Tests.Hpack;

public sealed class HpackDynamicTableTests
{
    [Fact]
    public void NewestEntryIsIndexOneAndSizesCountThirtyTwoEach()
    {
        var table = new HpackDynamicTable(4096);
        Assert.True(table.Add("a"u8, "1"u8));
        Assert.True(table.Add("bb"u8, "22"u8));
        Assert.Equal(2, table.Count);
        Assert.Equal(34 + 36, table.Size);
        Assert.Equal(("bb", "22"), Entry(table, 1));
        Assert.Equal(("a", "1"), Entry(table, 2));
        Assert.Equal(2, table.Inserted);
    }

    [Fact]
    public void AddingEvictsTheOldestUntilTheNewEntryFits()
    {
        var table = new HpackDynamicTable(100);
        table.Add("a"u8, "1"u8);      // 34
        table.Add("b"u8, "2"u8);      // 34
        table.Add("c"u8, "3"u8);      // 34: 102 > 100, so "a" goes
        Assert.Equal(2, table.Count);
        Assert.Equal(68, table.Size);
        Assert.Equal(("b", "2"), Entry(table, 2));
    }

    [Fact]
    public void AnEntryLargerThanTheTableEmptiesIt()
    {
        var table = new HpackDynamicTable(64);
        table.Add("a"u8, "1"u8);
        Assert.False(table.Add("name"u8, new byte[29]));  // 4 + 29 + 32 = 65
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.Size);
        Assert.True(table.Add("name"u8, new byte[28]));   // exactly 64
    }

    [Fact]
    public void ShrinkingEvictsAndGrowingKeepsEntries()
    {
        var table = new HpackDynamicTable(4096);
        for (var i = 0; i < 10; i++) table.Add(Encoding.ASCII.GetBytes($"n{i}"), Encoding.ASCII.GetBytes($"value{i}"));
        table.SetMaxSize(120);  // 40 per entry: the newest 3 stay
        Assert.Equal(3, table.Count);
        Assert.Equal(("n9", "value9"), Entry(table, 1));
        Assert.Equal(("n7", "value7"), Entry(table, 3));
        table.SetMaxSize(8192);
        Assert.Equal(3, table.Count);
        Assert.Equal(("n7", "value7"), Entry(table, 3));
        table.SetMaxSize(0);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void MatchesASimpleModelThroughWrapsGrowthAndResizes()
    {
        // Random names and values of very different lengths, so that the byte ring wraps, leaves
        // gaps, grows and shrinks in every combination; checked entry by entry against a list.
        var random = new Random(42);
        var table = new HpackDynamicTable(512);
        var model = new List<(string Name, string Value)>();
        var maxSize = 512;
        for (var step = 0; step < 20_000; step++)
        {
            if (random.Next(50) == 0)
            {
                maxSize = random.Next(0, 1024);
                table.SetMaxSize(maxSize);
            }
            else
            {
                var name = new string((char)('a' + random.Next(26)), random.Next(0, 40));
                var value = new string((char)('A' + random.Next(26)), random.Next(0, random.Next(2) == 0 ? 10 : 300));
                model.Insert(0, (name, value));
                if (name.Length + value.Length + 32 > maxSize) model.Clear();
                Assert.Equal(model.Count > 0, table.Add(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value)));
            }
            while (model.Sum(e => e.Name.Length + e.Value.Length + 32) > maxSize) model.RemoveAt(model.Count - 1);

            Assert.Equal(model.Count, table.Count);
            Assert.Equal(model.Sum(e => e.Name.Length + e.Value.Length + 32), table.Size);
            for (var i = 0; i < model.Count; i++) Assert.Equal(model[i], Entry(table, i + 1));
        }
    }

    [Fact]
    public void AddingANameTakenFromAnEntryItEvictsCopiesItIntact()
    {
        var table = new HpackDynamicTable(200);
        table.Add("x"u8, new byte[100]);
        table.Add("a-rather-long-header-name"u8, "v"u8);
        for (var i = 0; i < 50; i++)
        {
            table.Get(1, out var name, out _);
            table.Add(name, Encoding.ASCII.GetBytes(new string('w', i % 40)));
            Assert.Equal("a-rather-long-header-name", Entry(table, 1).Name);
        }
    }

    private static (string Name, string Value) Entry(HpackDynamicTable table, int index)
    {
        table.Get(index, out var name, out var value);
        return (Encoding.ASCII.GetString(name), Encoding.ASCII.GetString(value));
    }
}
