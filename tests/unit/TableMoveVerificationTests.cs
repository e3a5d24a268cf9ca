using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// What a table move's verification asks of the Blob Index: Porter's query of each type for every blob, and the group queries
    /// of three sampled groups of each grouped type, however many groups the store holds.
    /// </summary>
    public class TableMoveVerificationTests
    {
        private static List<PorterTableEntity> Store(int installations)
        {
            var entities = new List<PorterTableEntity>();
            for (int i = 0; i < installations; i++)
            {
                string claim = $"01CLAIM{i:D19}", result = $"01RESULT{i:D18}";
                entities.Add(TableEntityCodec.Encode("installations", null, "app" + i, Array.Empty<byte>()));
                entities.Add(TableEntityCodec.Encode("claims", "app" + i, claim, Encoding.UTF8.GetBytes("{}")));
                entities.Add(TableEntityCodec.Encode("results", claim, result, Encoding.UTF8.GetBytes("{}")));
                entities.Add(TableEntityCodec.Encode("outputs", result, result + "-config", Encoding.UTF8.GetBytes("x")));
            }
            entities.Add(TableEntityCodec.Encode("credentials", null, "team", Encoding.UTF8.GetBytes("{}")));
            entities.Add(TableEntityCodec.Encode("parameters", null, "team", Encoding.UTF8.GetBytes("{}")));
            return entities;
        }

        [Theory]
        [InlineData(1, 6 + 3)]
        [InlineData(2, 6 + 6)]
        [InlineData(40, 6 + 9)]
        [InlineData(5000, 6 + 9)]
        public void PorterQueries_EachTypeAndThreeGroupsOfEachGroupedType_NotOnePerGroup(int installations, int queries)
        {
            List<TableCopy.PlannedBlob> planned = TableCopy.Plan(Store(installations), "https://acct.table.core.windows.net/porter", out _);
            SortedDictionary<string, HashSet<string>> asked = TableCopy.PorterQueries(planned);
            Assert.Equal(queries, asked.Count);
            // Every blob is expected of its type's query, exactly as Porter asks it.
            foreach (TableCopy.PlannedBlob p in planned)
            {
                Assert.Contains(p.Name, asked[$"\"type\"='{p.ItemType}'"]);
            }
            Assert.Equal(planned.Count, asked.Where(q => !q.Key.Contains(" AND ")).Sum(q => q.Value.Count));
            // A group query is Porter's: keys sorted, and it expects every blob of its group.
            string first = asked.Keys.First(k => k.Contains("\"installation\"='app0'"));
            Assert.Equal("\"installation\"='app0' AND \"type\"='claims'", first);
            Assert.Equal(new[] { "claims/01CLAIM" + 0.ToString("D19") }, asked[first]);
        }

        [Fact]
        public void Sample_TheFirstTheMiddleAndTheLast()
        {
            Assert.Equal(new[] { 0, 19, 39 }, TableCopy.Sample(40, 3));
            Assert.Equal(new[] { 0, 1 }, TableCopy.Sample(2, 3));
            Assert.Equal(new[] { 0, 49_999, 99_999 }, TableCopy.Sample(100_000, 3));
        }
    }
}
