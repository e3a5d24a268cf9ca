using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace PorterStorage.Tests
{
    public class RestoreChangesTests
    {
        private static readonly DateTime Now = new DateTime(2026, 11, 25, 10, 15, 0, DateTimeKind.Utc);

        private static Dictionary<string, string> Map(params string[] pairs) =>
            pairs.Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

        private static BackupEntry Blob(string name, string sha, long size = 10, Dictionary<string, string>? tags = null, Dictionary<string, string>? metadata = null,
            Dictionary<string, string>? headers = null) =>
            new BackupEntry(name, BackupEntryType.File, size, sha, null, Now, null, headers, metadata, tags);

        [Fact]
        public void Compare_MigratedContainer_AddsReplacesRemovesAndLeavesTheRest()
        {
            var backup = new[]
            {
                Blob("claims/legacy", "aa"),
                Blob("installations/app1", "bb", tags: Map("type=installations")),
                Blob("schema", "cc"),
            };
            var store = new[]
            {
                Blob("installations/app1", "bb", tags: Map("type=installations")),
                Blob("schema", "dd"),
                Blob("claims/01NEW/claim", "ee"),
                Blob(".porterstorage/lock", "ff"),
            };

            RestoreChanges changes = RestoreChanges.Compare(backup, store);

            Assert.Equal(new[] { "claims/legacy" }, changes.Added.Select(e => e.Path));
            Assert.Equal(new[] { "schema" }, changes.Replaced.Select(e => e.Path));
            Assert.Equal("cc", changes.Replaced[0].Sha256); // the backup's entry: what is written
            Assert.Equal(new[] { ".porterstorage/lock", "claims/01NEW/claim" }, changes.Removed.Select(e => e.Path));
            Assert.Equal(1, changes.Unchanged);
            Assert.True(changes.ChangesStoredItems);
            Assert.Equal(new[] { "claims/legacy", "schema" }, changes.ToWrite().OrderBy(n => n, StringComparer.Ordinal));
        }

        [Fact]
        public void Compare_TagsMetadataOrHeadersDiffer_Replaced()
        {
            BackupEntry backed = Blob("claims/c1", "aa", tags: Map("type=claims", "installation=app1"), metadata: Map("m=1"), headers: Map("ContentType=application/json"));
            Assert.Single(RestoreChanges.Compare(new[] { backed }, new[] { Blob("claims/c1", "aa", tags: Map("type=claims"), metadata: Map("m=1"), headers: Map("ContentType=application/json")) }).Replaced);
            Assert.Single(RestoreChanges.Compare(new[] { backed }, new[] { Blob("claims/c1", "aa", tags: Map("type=claims", "installation=app1"), headers: Map("ContentType=application/json")) }).Replaced);
            Assert.Single(RestoreChanges.Compare(new[] { backed }, new[] { Blob("claims/c1", "aa", tags: Map("type=claims", "installation=app1"), metadata: Map("m=1")) }).Replaced);
            Assert.Single(RestoreChanges.Compare(new[] { backed }, new[] { Blob("claims/c1", "aa", 11, Map("type=claims", "installation=app1"), Map("m=1"), Map("ContentType=application/json")) }).Replaced);
        }

        [Fact]
        public void Compare_OnlyAStoredContentMD5Differs_Unchanged()
        {
            var backed = Blob("schema", "aa", headers: Map("ContentType=application/json"));
            var stored = Blob("schema", "AA", headers: Map("ContentType=application/json", "ContentMD5=1B2M2Y8AsgTpgAmY7PhCfg=="));
            RestoreChanges changes = RestoreChanges.Compare(new[] { backed }, new[] { stored });
            Assert.Equal(1, changes.Unchanged);
            Assert.False(changes.ChangesStoredItems);
        }

        [Fact]
        public void Compare_NamesDifferingOnlyInCase_AreTwoItems()
        {
            RestoreChanges changes = RestoreChanges.Compare(new[] { Blob("claims/A", "aa") }, new[] { Blob("claims/a", "aa") });
            Assert.Single(changes.Added);
            Assert.Single(changes.Removed);
        }

        [Fact]
        public void Compare_EmptyStore_AddsAllAndSavesNothing()
        {
            RestoreChanges changes = RestoreChanges.Compare(new[] { Blob("a", "1"), Blob("b", "2") }, Array.Empty<BackupEntry>());
            Assert.Equal(2, changes.Added.Count);
            Assert.False(changes.ChangesStoredItems);
            Assert.DoesNotContain("pre-restore", changes.Describe("/b/x.tar.gz", "blobs"));
        }

        [Fact]
        public void Compare_TableEntityWhosePropertyTypeChanged_Replaced()
        {
            var backedUp = new PorterTableEntity("notes", "n1", new[] { new TableProperty("count", TableProperty.EdmInt64, 42L) });
            var now = new PorterTableEntity("notes", "n1", new[] { new TableProperty("count", TableProperty.EdmInt32, 42) });
            var same = new PorterTableEntity("notes", "n1", new[] { new TableProperty("count", TableProperty.EdmInt64, 42L) });
            BackupEntry Entry(PorterTableEntity e) => TableBackup.Entry(e, TableEntityJson.ToJson(e), Now);

            Assert.Single(RestoreChanges.Compare(new[] { Entry(backedUp) }, new[] { Entry(now) }).Replaced);
            Assert.Equal(1, RestoreChanges.Compare(new[] { Entry(backedUp) }, new[] { Entry(same) }).Unchanged);
        }

        [Fact]
        public void Describe_NamesWhatIsWrittenReplacedAndRemoved()
        {
            RestoreChanges changes = RestoreChanges.Compare(new[] { Blob("a", "1"), Blob("b", "2") }, new[] { Blob("b", "3"), Blob("c", "4"), Blob("d", "5") });
            string text = changes.Describe("/backups/x.tar.gz", "blobs");
            Assert.StartsWith("Restore the blobs of '/backups/x.tar.gz': write 2 (replacing 1), remove 2, leave 0 as they are", text);
            Assert.Contains("pre-restore backup", text);
        }

        [Fact]
        public void PreRestorePath_BesideTheArchive_StemTimestampAndNumber()
        {
            using var dir = new TempHome();
            string archive = dir.P("porter-container-acct-porter-20261125-101500.zip");
            string first = RestoreChanges.PreRestorePath(archive, Now);
            Assert.Equal(dir.P("porter-container-acct-porter-20261125-101500.pre-restore-20261125101500.tar.gz"), first);
            Assert.True(ArchiveFormats.IsArchiveName(first));
            File.WriteAllText(first, "x");
            Assert.Equal(dir.P("porter-container-acct-porter-20261125-101500.pre-restore-20261125101500-2.tar.gz"), RestoreChanges.PreRestorePath(archive, Now));
            Assert.Equal(dir.P("b.pre-restore-20261125101500.tar.gz"), RestoreChanges.PreRestorePath(dir.P("b.tar.gz"), Now));
        }

        [Fact]
        public void SaveFirst_BackupThatDoesNotVerify_RemovedAndRaised()
        {
            using var dir = new TempHome();
            string? written = null;
            var ex = Assert.Throws<PorterStorageException>(() => RestoreChanges.SaveFirst(dir.P("b.tar.gz"), Now, path =>
            {
                written = path;
                File.WriteAllText(path, "not an archive");
                return new PorterBackup(path, BackupKinds.Container, "https://a/c", Now, 0, 0, 14, "00", false, false, TimeSpan.Zero, Array.Empty<BackupSkippedItem>());
            }));
            Assert.Equal(ErrorIds.BackupWriteError, ex.ErrorId);
            Assert.False(File.Exists(written));
        }
    }
}
