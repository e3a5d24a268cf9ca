using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using global::Azure.Storage.Blobs.Specialized;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>The migration engine over the azure.blob plugin's container, against Azurite (started by build.ps1 Test).</summary>
    public class AzureMigrationTests
    {
        private const string Testdata = "porter-v0.38.9/pkg/storage/testdata/";

        private static string Connection =>
            Environment.GetEnvironmentVariable("PORTERSTORAGE_AZURITE_CS1")
            ?? throw new InvalidOperationException("Azurite is not running: run the tests through 'build.ps1 Test'.");

        private static PorterAzureContainer NewContainer() =>
            AzureStorageFactory.FromConnectionString(Connection, "m" + Guid.NewGuid().ToString("N").Substring(0, 20), "test");

        private static BlobContainerClient Client(PorterAzureContainer s) => new BlobContainerClient(Connection, s.Container);

        private static void Put(BlobContainerClient c, string name, byte[] content, Dictionary<string, string>? tags = null) =>
            c.GetBlobClient(name).Upload(new BinaryData(content), new BlobUploadOptions { Tags = tags });

        private static byte[] Fixture(string f) => File.ReadAllBytes(TempHome.Fixture(Testdata + f));

        /// <summary>A pre-v0.9 store (untagged), except one legacy claim the plugin's own migration tagged type=claims.</summary>
        private static PorterAzureContainer LegacyStore()
        {
            PorterAzureContainer s = NewContainer();
            BlobContainerClient c = Client(s);
            c.Create();
            Put(c, "claims/example-exec-outputs", Fixture("claims/has-installation.json"), new Dictionary<string, string> { ["type"] = "claims" });
            Put(c, "claims/mybun", Fixture("claims/upgraded.json"));
            Put(c, "credentials/mybun", Fixture("credentials/mybun.json"));
            Put(c, "parameters/mybun", Fixture("parameters/mybun.json"));
            return s;
        }

        private static PorterMigrationResult Run(PorterAzureContainer s, TempHome logs) =>
            Migrations.Run(new AzureBlobMigrationStore(s, logs.Path));

        private static Dictionary<string, BlobItem> List(PorterAzureContainer s) =>
            Client(s).GetBlobs(BlobTraits.Tags, BlobStates.None, null, default).ToDictionary(b => b.Name, StringComparer.Ordinal);

        private static string Text(PorterAzureContainer s, string blob) => Client(s).GetBlobClient(blob).DownloadContent().Value.Content.ToString();

        private static string Mask(string text) => Regex.Replace(text, "[0-9A-HJKMNP-TV-Z]{26}", "<ULID>");

        [Fact]
        public void Run_PreV09Store_PluginShapeWithTags_SameDocumentsAsTheFolderMigration()
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            PorterMigrationResult r = Run(s, logs);
            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Assert.True(r.Verification!.IsValid, string.Join("; ", r.Verification.Findings));
            Dictionary<string, BlobItem> blobs = List(s);
            Assert.DoesNotContain("claims/mybun", blobs.Keys);
            Assert.DoesNotContain("claims/example-exec-outputs", blobs.Keys);
            Assert.Equal(SchemaVersions.CurrentSchemaJson, Text(s, "schema"));
            Assert.Empty(blobs["schema"].Tags ?? new Dictionary<string, string>());

            InstallationMigrationRecord exec = r.Installations.Single(i => i.Installation == "example-exec-outputs");
            string claimId = exec.Claims.Single(), resultId = exec.Results.Single();
            Assert.Equal(new Dictionary<string, string> { ["installation"] = "example-exec-outputs", ["type"] = "claims" }, blobs["claims/" + claimId].Tags);
            Assert.Equal(new Dictionary<string, string> { ["claim-id"] = claimId, ["type"] = "results" }, blobs["results/" + resultId].Tags);
            Assert.Equal(new Dictionary<string, string> { ["result-id"] = resultId, ["type"] = "outputs" }, blobs[$"outputs/{resultId}-config"].Tags);
            Assert.Equal(new Dictionary<string, string> { ["type"] = "installations" }, blobs["installations/example-exec-outputs"].Tags);
            Assert.Equal(new Dictionary<string, string> { ["type"] = "credentials" }, blobs["credentials/mybun"].Tags);
            Assert.Equal(new Dictionary<string, string> { ["type"] = "parameters" }, blobs["parameters/mybun"].Tags);

            string expectedClaim = File.ReadAllText(TempHome.Fixture(Testdata + "migrated/claims/example-exec-outputs/01EAZ07M2M914GNFTQ0BD7447S.json"));
            Assert.Equal(Mask(expectedClaim), Mask(Text(s, "claims/" + claimId)));
            Assert.Equal(File.ReadAllText(TempHome.Fixture(Testdata + "migrated/outputs/01EAZ07M2NMJ0293FRMGMQ3AM7/01EAZ07M2NMJ0293FRMGMQ3AM7-config")),
                Text(s, $"outputs/{resultId}-config"));
            Assert.Equal(2, r.Installations.Single(i => i.Installation == "mybun").Claims.Count);
            Assert.True(File.Exists(r.LogPath));
            Assert.StartsWith(logs.Path, r.LogPath);
        }

        [Fact]
        public void Run_Twice_SecondRunChangesNothing()
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            Assert.True(Run(s, logs).Succeeded);
            var before = List(s).ToDictionary(kv => kv.Key, kv => Text(s, kv.Key));
            PorterMigrationResult again = Run(s, logs);
            Assert.True(again.Succeeded);
            Assert.False(again.SchemaWritten);
            Assert.Equal(before, List(s).ToDictionary(kv => kv.Key, kv => Text(s, kv.Key)));
        }

        [Fact]
        public void Recover_CommittedJournal_FinishedByTheNextRun_NothingDoubled()
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            var store = new AzureBlobMigrationStore(s, logs.Path);
            using (LegacyClaim legacy = LegacyClaim.Parse(Fixture("claims/upgraded.json"), "claims/mybun"))
            {
                new ChangeJournal(store).Commit(ClaimSplitter.Split(legacy, "claims/mybun", new UlidGenerator()).Changes);
            }
            // The process dies here: only the journal blob exists.
            Assert.Contains(List(s).Keys, k => k.StartsWith(".porterstorage/journal/", StringComparison.Ordinal));
            PorterMigrationResult r = Run(s, logs);
            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Dictionary<string, BlobItem> blobs = List(s);
            Assert.Equal(2, blobs.Values.Count(b => b.Tags != null && b.Tags.TryGetValue("installation", out string? i) && i == "mybun"));
            Assert.DoesNotContain(blobs.Keys, k => k.StartsWith(".porterstorage/journal/", StringComparison.Ordinal));
        }

        [Fact]
        public void Batch_OneJournalBlobForSeveralChangeSets_RecoveredTogether_ARollBackTakesItsRecordOut()
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            var store = new AzureBlobMigrationStore(s, logs.Path);
            ChangeSet Set(string name)
            {
                var c = new ChangeSet("parameter set " + name);
                // A set as a migration writes it (current schema): finishing it leaves nothing for the run to change.
                c.Writes.Add(new StoredDocument(ItemTypes.Parameters, null, name, Encoding.UTF8.GetBytes("{\"schemaVersion\":\"1.0.1\",\"name\":\"" + name + "\"}")));
                return c;
            }
            IReadOnlyList<JournalRecord> committed = new ChangeJournal(store).CommitAll(new[] { Set("one"), Set("two"), Set("three") });
            Assert.Single(List(s).Keys, k => k.StartsWith(".porterstorage/journal/", StringComparison.Ordinal));

            // A record rolled back while the others are open is taken out of the blob at once, so no later run replays it.
            store.Finish(committed[0], ErrorIds.MigrationWriteError);
            var reader = new AzureBlobMigrationStore(s, logs.Path);
            Assert.Equal(new[] { committed[1].Id, committed[2].Id }, reader.Committed());
            Assert.Equal("parameters/three", reader.ReadCommitted(committed[2].Id).Writes.Single());

            // The process dies: the next run finishes the two left, and the blob goes.
            PorterMigrationResult r = Run(s, logs);
            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Dictionary<string, BlobItem> blobs = List(s);
            Assert.DoesNotContain(blobs.Keys, k => k.StartsWith(".porterstorage/journal/", StringComparison.Ordinal));
            Assert.Contains("parameters/two", blobs.Keys);
            Assert.Contains("parameters/three", blobs.Keys);
            Assert.DoesNotContain("parameters/one", blobs.Keys);
        }

        [Fact]
        public void Recover_AJournalBlobOfAnEarlierBuildThatOnlyDeletes_IsFinished()
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            // What an earlier build committed to remove a duplicate legacy claim: no writes, no "commit" id (the blob's name is it).
            Put(Client(s), ".porterstorage/journal/20240101000000000000-0123abcd",
                Encoding.UTF8.GetBytes("{\"description\":\"installation mybun (duplicate legacy claim)\",\"writes\":[],\"deletes\":[\"claims/mybun\"]}"));
            PorterMigrationResult r = Run(s, logs);
            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Assert.DoesNotContain(List(s).Keys, k => k.StartsWith(".porterstorage/journal/", StringComparison.Ordinal));
        }

        [Fact]
        public void Recover_AForeignJournalBlob_StopsWithANamedReadError_AndOneMovedBelowIsSetAside()
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            Put(Client(s), ".porterstorage/journal/20240101000000000000-notjson", Encoding.UTF8.GetBytes("not json"));
            var ex = Assert.Throws<PorterStorageException>(() => Run(s, logs));
            Assert.Equal(ErrorIds.StoreReadError, ex.ErrorId);
            Assert.EndsWith(".porterstorage/journal/20240101000000000000-notjson", ex.Target, StringComparison.Ordinal);
            Assert.Contains("move it out of", ex.Message, StringComparison.Ordinal);

            Client(s).GetBlobClient(".porterstorage/journal/20240101000000000000-notjson").Delete();
            Put(Client(s), ".porterstorage/journal/aside/notes.txt", Encoding.UTF8.GetBytes("not json"));
            Assert.True(Run(s, logs).Succeeded);
        }

        [Fact]
        public void Run_ALegacyClaimChangedAfterThePlan_IsReadAgain_NotTakenFromThePlan()
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            var store = new AzureBlobMigrationStore(s, logs.Path);
            Assert.Contains(MigrationEngine.Plan(store).Items, i => i.Name == "mybun");
            // Another writer changes the legacy claim between the plan and the run: its ETag changes, and the run reads it again.
            string changed = Encoding.UTF8.GetString(Fixture("claims/upgraded.json"))
                .Replace("An example Porter bundle demonstrating exec mixin outputs", "changed after the plan", StringComparison.Ordinal);
            Put(Client(s), "claims/mybun", Encoding.UTF8.GetBytes(changed));

            PorterMigrationResult r = Migrations.Run(store);

            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            string claim = r.Installations.Single(i => i.Installation == "mybun").Claims.First();
            Assert.Contains("changed after the plan", Text(s, "claims/" + claim), StringComparison.Ordinal);
        }

        /// <summary>
        /// An older Porter rewrites (or replaces, or removes) a legacy claim blob after the run read it and before the run removes it:
        /// the removal is conditional on the ETag read, so the other writer's version is kept (ItemChangedDuringMigration, the change
        /// rolled back) and the rerun migrates it; a blob the writer removed stays removed. Each step of the run is a place the writer
        /// may act: before each document is committed, and at each seed of the schedule.
        /// </summary>
        [Theory]
        [InlineData("rewrite")]
        [InlineData("remove")]
        public void Run_AnotherWriterChangesALegacyBlobAfterTheRunReadIt_ItsVersionIsKept_AndTheRerunMigratesIt(string act)
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            string rewritten = Corpus.HostileHomes.Claim("written-meanwhile");
            bool done = false;
            Func<StoredDocument, byte[]> fault =
                // Called for each change set after the run read its documents and before they are committed.
                d =>
                {
                    if (!done && d.ItemType == ItemTypes.Installations && d.Name == "mybun")
                    {
                        done = true;
                        if (act == "rewrite")
                        {
                            Put(Client(s), "claims/mybun", Encoding.UTF8.GetBytes(rewritten));
                        }
                        else
                        {
                            Client(s).GetBlobClient("claims/mybun").Delete();
                        }
                    }
                    return d.Content;
                };

            PorterMigrationResult first = Migrations.Run(new AzureBlobMigrationStore(s, logs.Path), r => r.WriterFault = fault);

            Assert.True(done);
            if (act == "rewrite")
            {
                Assert.Contains(first.Errors, e => e.ErrorId == ErrorIds.ItemChangedDuringMigration && e.Target.EndsWith("claims/mybun", StringComparison.Ordinal));
                Assert.Equal(rewritten, Text(s, "claims/mybun"));
                Assert.False(first.SchemaWritten);
                Assert.False(List(s).ContainsKey("installations/mybun"), "the change for the old version was rolled back");
                PorterMigrationResult second = Run(s, logs);
                Assert.True(second.Succeeded, string.Join("; ", second.Errors));
                Assert.True(List(s).ContainsKey("installations/written-meanwhile"));
                Assert.False(List(s).ContainsKey("claims/mybun"));
            }
            else
            {
                Assert.True(first.Succeeded, string.Join("; ", first.Errors));
                Assert.False(List(s).ContainsKey("claims/mybun"));
            }
        }

        /// <summary>A blob whose name no archive can hold (an empty segment) stops the backup naming it; no archive that cannot be restored is written.</summary>
        [Fact]
        public void Backup_ABlobNameNoArchiveHolds_UnsafeArchiveEntryNamingIt_NoArchive()
        {
            PorterAzureContainer s = LegacyStore();
            Put(Client(s), "a//b", Encoding.UTF8.GetBytes("odd"));
            using var dir = new TempHome();
            var ex = Assert.Throws<PorterStorageException>(() => PorterStores.Backup(s, dir.P("c.tar.gz"), false, null, System.Threading.CancellationToken.None));
            Assert.Equal(ErrorIds.UnsafeArchiveEntry, ex.ErrorId);
            Assert.Equal("a//b", ex.Target);
            Assert.Empty(Directory.GetFiles(dir.Path));
        }

        [Fact]
        public void Lock_LeaseHeld_MigrationInProgress()
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            using (new ChangeJournal(new AzureBlobMigrationStore(s, logs.Path)).Lock())
            {
                var ex = Assert.Throws<PorterStorageException>(() => new ChangeJournal(new AzureBlobMigrationStore(s, logs.Path)).Lock());
                Assert.Equal(ErrorIds.MigrationInProgress, ex.ErrorId);
            }
            using (new ChangeJournal(new AzureBlobMigrationStore(s, logs.Path)).Lock())
            {
            }
        }

        [Fact]
        public void Lock_LeaseBrokenByAnother_RenewalDoesNotThrow_NextCommitRefused()
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            var store = new AzureBlobMigrationStore(s, logs.Path);
            var journal = new ChangeJournal(store);
            using (StoreLock held = journal.Lock())
            {
                // Another party breaks the lease: the next renewal (the timer's, every 5 s; here one made at once) is refused.
                Client(s).GetBlobClient(".porterstorage/lock").GetBlobLeaseClient().Break(TimeSpan.Zero);
                held.RenewNow();
                var changes = new ChangeSet("installation x");
                changes.Writes.Add(new StoredDocument(ItemTypes.Installations, null, "x", Array.Empty<byte>()));
                var ex = Assert.Throws<PorterStorageException>(() => journal.Apply(changes));
                Assert.Equal(ErrorIds.MigrationLockLost, ex.ErrorId);
            }
            Assert.False(Client(s).GetBlobClient("installations/x").Exists().Value);
        }

        [Fact]
        public void Run_BadLegacyBlob_NamedRestMigratedSchemaWithheld()
        {
            using var logs = new TempHome();
            PorterAzureContainer s = LegacyStore();
            Put(Client(s), "claims/broken", Encoding.UTF8.GetBytes("{\"installation\":\"broken\",\"parameters\":{\"pw\":\"hunter2\"}}"));
            PorterMigrationResult r = Run(s, logs);
            MigrationError e = Assert.Single(r.Errors);
            Assert.Equal(ErrorIds.ClaimBundleMissing, e.ErrorId);
            Assert.EndsWith("/claims/broken", e.Target);
            Assert.DoesNotContain("schema", List(s).Keys);
            Assert.DoesNotContain("hunter2", File.ReadAllText(r.LogPath!));
        }
    }
}
