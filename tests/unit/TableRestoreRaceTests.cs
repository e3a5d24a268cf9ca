using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using global::Azure.Data.Tables;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// A table restore writes only over what it read: another client that changes, removes or adds an entity after the read keeps
    /// its version, and the write stops with StoreChangedDuringRestore naming the entity (against Azurite's table service).
    /// </summary>
    public class TableRestoreRaceTests
    {
        private static string Connection =>
            Environment.GetEnvironmentVariable("PORTERSTORAGE_AZURITE_CS3")
            ?? throw new InvalidOperationException("Azurite is not running: run the tests through 'build.ps1 Test'.");

        private static PorterTableEntity Entity(string row, string value) =>
            new PorterTableEntity("p", row, new[] { new TableProperty("v", "Edm.String", value) });

        [Theory]
        [InlineData("changed")]
        [InlineData("added")]
        [InlineData("removed")]
        public void WriteOverRead_AnotherClientWroteAfterTheRead_ItsVersionIsKept_StoreChangedDuringRestore(string act)
        {
            var table = new TableClient(Connection, "race" + Guid.NewGuid().ToString("N").Substring(0, 12));
            table.Create();
            table.AddEntity(new TableEntity("p", "a") { ["v"] = "before" });
            List<PorterTableEntity> read = AzureTablePorterStore.ReadAll(table, "t", CancellationToken.None);
            Assert.NotNull(read.Single().ETag);

            var other = new TableClient(Connection, table.Name);
            switch (act)
            {
                case "changed":
                    other.UpsertEntity(new TableEntity("p", "a") { ["v"] = "other writer" }, TableUpdateMode.Replace);
                    break;
                case "added":
                    other.AddEntity(new TableEntity("p", "b") { ["v"] = "other writer" });
                    break;
                case "removed":
                    other.DeleteEntity("p", "a");
                    break;
            }
            var restore = new List<PorterTableEntity> { act == "added" ? Entity("b", "restored") : Entity("a", "restored") };

            var ex = Assert.Throws<PorterStorageException>(() =>
                TableWriter.WriteOverRead(table, "t", restore, read.ToDictionary(e => e.Key, StringComparer.Ordinal), null, CancellationToken.None));

            Assert.Equal(ErrorIds.StoreChangedDuringRestore, ex.ErrorId);
            List<PorterTableEntity> after = AzureTablePorterStore.ReadAll(table, "t", CancellationToken.None);
            if (act == "removed")
            {
                Assert.Empty(after);
            }
            else
            {
                Assert.Equal("other writer", after.Single(e => e.RowKey == (act == "added" ? "b" : "a")).Property("v")!.Value);
            }
        }
    }
}
