using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Azure.Storage.Blobs;
using Xunit;

namespace PorterStorage.Tests.Stores
{
    /// <summary>
    /// The engines' suite run unchanged over every backend: a home folder, the azure.blob plugin's container and the azure.table
    /// plugin's table (Azurite, started by build.ps1 Test), and the in-memory store this assembly registers; the table, which is
    /// never migrated, where a store in the current format is checked. Each store is opened only through the factory, by its
    /// reference, and judged only through the engines (the session, the verifier, the counter), so a backend added to the factory
    /// joins the suite by one more kind here.
    /// </summary>
    public class EveryStoreTests
    {
        private const string Testdata = "porter-v0.38.9/pkg/storage/testdata/";

        public static IEnumerable<object[]> Kinds => new[] { "folder", "container", "memory" }.Select(k => new object[] { k });

        private static byte[] Fixture(string name) => File.ReadAllBytes(TempHome.Fixture(Testdata + name));

        /// <summary>Porter's own legacy test data: three legacy claims of two installations (their runs, results and outputs), a credential set and a parameter set.</summary>
        private static void PutLegacy(LegacyStore store)
        {
            store.Put("claims", "has-name", Fixture("claims/has-name.json"));
            store.Put("claims", "installed", Fixture("claims/installed.json"));
            store.Put("claims", "upgraded", Fixture("claims/upgraded.json"));
            store.Put("credentials", "mybun", Fixture("credentials/mybun.json"));
            store.Put("parameters", "mybun", Fixture("parameters/mybun.json"));
        }

        private static PorterMigrationResult? Migrate(object reference, string logFolder) =>
            MigrationSession.Run(new MigrationRequest(PorterStores.Open(reference, logFolder)) { SkipBackupCheck = true, Approve = (_, _) => true });

        private static PorterItemCounts Count(object reference)
        {
            PorterItemCounts counts = StoreCounter.Count(PorterStores.OpenReader(reference), out IReadOnlyList<PorterStorageException> failures, CancellationToken.None);
            Assert.Empty(failures);
            return counts;
        }

        /// <summary>Every item of the store as the engines see it, with its tags and its content's hash, and the schema document.</summary>
        private static SortedDictionary<string, string> Snapshot(object reference)
        {
            IPorterStore reader = PorterStores.OpenReader(reference);
            var seen = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (StoreItem item in reader.Items(ItemTypes.All, CancellationToken.None).Values.SelectMany(l => l.Items))
            {
                string tags = item.Tags == null ? "" : string.Join(",", item.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value));
                seen[item.StorePath] = tags + " " + Hex.Sha256(reader.ReadItem(item, CancellationToken.None));
            }
            seen["schema"] = Hex.Sha256(reader.Read("", ItemTypes.SchemaName, out _) ?? Array.Empty<byte>());
            return seen;
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void Migrate_LegacyData_EverythingCurrent_Verified_TheSameCountsInEveryStore_ASecondRunChangesNothing(string kind)
        {
            using LegacyStore store = LegacyStore.Create(kind);
            using var logs = new TempHome();
            PutLegacy(store);
            PorterItemCounts before = Count(store.Reference);
            Assert.Equal(3, before.LegacyClaims);
            Assert.Equal(0, before.CurrentTotal);

            PorterMigrationResult result = Migrate(store.Reference, logs.Path)!;

            Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            Assert.True(result.SchemaWritten);
            Assert.True(result.Verification!.IsValid, string.Join("; ", result.Verification.Findings));
            PorterItemCounts after = Count(store.Reference);
            Assert.Equal(0, after.LegacyTotal);
            // What every store holds once migrated, whatever it is: the same installations, claims, results, outputs and sets.
            Assert.Equal((2, 4, 4, 2, 1, 1), (after.Installations, after.Claims, after.Results, after.Outputs, after.Credentials, after.Parameters));
            PorterStorageVerification check = StorageVerifier.Verify(PorterStores.OpenForCheck(store.Reference, logs.Path, CancellationToken.None));
            Assert.True(check.IsValid, string.Join("; ", check.Findings));
            Assert.Equal((after.Installations, after.Claims, after.Results, after.Outputs), (check.Installations, check.Claims, check.Results, check.Outputs));

            SortedDictionary<string, string> migrated = Snapshot(store.Reference);
            Assert.True(migrated.Count > after.Claims + after.Results + after.Outputs, string.Join(", ", migrated.Keys));
            PorterMigrationResult? again = Migrate(store.Reference, logs.Path);
            Assert.True(again == null || (again.Succeeded && !again.SchemaWritten), "a second run changes nothing");
            Assert.Equal(migrated, Snapshot(store.Reference));
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void Verify_AClaimTheMigrationLeftBehindBroken_IsAnErrorNamingIt_TheSchemaIsWithheld(string kind)
        {
            using LegacyStore store = LegacyStore.Create(kind);
            using var logs = new TempHome();
            PutLegacy(store);
            store.Put("claims", "broken", System.Text.Encoding.UTF8.GetBytes("{\"installation\": "));

            PorterMigrationResult result = Migrate(store.Reference, logs.Path)!;

            Assert.False(result.Succeeded);
            Assert.False(result.SchemaWritten);
            Assert.Contains(result.Errors, e => e.Target.Contains("broken", StringComparison.Ordinal));
            PorterItemCounts after = Count(store.Reference);
            Assert.Equal(1, after.LegacyClaims);
            Assert.Equal(2, after.Installations);
        }

        private static bool Killed(Exception ex) =>
            ex is InMemoryMigrationStore.SimulatedCrash || (ex is AggregateException all && all.Flatten().InnerExceptions.Any(Killed)) || (ex.InnerException != null && Killed(ex.InnerException));

        /// <summary>
        /// A run killed after each of its change steps in turn (from the first commit to the schema): the next run finishes what was
        /// committed and migrates the rest, and the store ends as an unkilled run leaves it: nothing lost, nothing doubled, valid.
        /// </summary>
        [Theory]
        [MemberData(nameof(Kinds))]
        public void Migrate_KilledAfterEveryStep_TheNextRunFinishes_NothingLostOrDoubled(string kind)
        {
            using var logs = new TempHome();
            int steps;
            PorterItemCounts whole;
            using (LegacyStore store = LegacyStore.Create(kind))
            {
                PutLegacy(store);
                var counting = new KilledStore(PorterStores.Open(store.Reference, logs.Path), int.MaxValue);
                Assert.True(MigrationSession.Run(new MigrationRequest(counting) { SkipBackupCheck = true, Approve = (_, _) => true })!.Succeeded);
                steps = counting.Steps;
                whole = Count(store.Reference);
            }
            Assert.True(steps > 10, $"{steps} steps");

            for (int k = 0; k < steps; k++)
            {
                using LegacyStore store = LegacyStore.Create(kind);
                PutLegacy(store);
                var killed = new KilledStore(PorterStores.Open(store.Reference, logs.Path), k);
                Exception ex = Assert.ThrowsAny<Exception>(() => MigrationSession.Run(new MigrationRequest(killed) { SkipBackupCheck = true, Approve = (_, _) => true }));
                Assert.True(Killed(ex), $"killed after {k} steps: {ex}");

                PorterMigrationResult next = Migrate(store.Reference, logs.Path)!;

                Assert.True(next.Succeeded, $"after a kill at step {k}: " + string.Join("; ", next.Errors));
                Assert.True(next.Verification!.IsValid, $"after a kill at step {k}: " + string.Join("; ", next.Verification.Findings));
                PorterItemCounts after = Count(store.Reference);
                Assert.Equal((whole.Installations, whole.Claims, whole.Results, whole.Outputs, whole.Credentials, whole.Parameters, 0),
                    (after.Installations, after.Claims, after.Results, after.Outputs, after.Credentials, after.Parameters, after.LegacyTotal));
            }
        }

        public static IEnumerable<object[]> KindsThatHoldTheCurrentFormat => new[] { "folder", "container", "memory", "table" }.Select(k => new object[] { k });

        /// <summary>The documents of Porter's legacy test data once migrated, by their folder paths (the schema as <c>schema.json</c>).</summary>
        private static IReadOnlyDictionary<string, byte[]> CurrentDocuments()
        {
            var memory = new InMemoryMigrationStore();
            using (var logs = new TempHome())
            {
                PutLegacy(new LegacyStore.Memory(memory));
                Assert.True(Migrate(memory, logs.Path)!.Succeeded);
            }
            return memory.Contents.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        }

        /// <summary>
        /// A store in the current format, of any kind, the table too (read and checked, never migrated): the verifier and the counter
        /// find the same in each, and a credential set that is no JSON is an error naming it, in each.
        /// </summary>
        [Theory]
        [MemberData(nameof(KindsThatHoldTheCurrentFormat))]
        public void Verify_ACurrentStore_TheSameCountsInEveryStore_ABrokenSetIsNamed(string kind)
        {
            IReadOnlyDictionary<string, byte[]> documents = CurrentDocuments();
            using LegacyStore store = LegacyStore.Create(kind);
            using var logs = new TempHome();
            foreach (KeyValuePair<string, byte[]> d in documents)
            {
                store.PutCurrent(d.Key, d.Value);
            }

            PorterStorageVerification check = StorageVerifier.Verify(PorterStores.OpenForCheck(store.Reference, logs.Path, CancellationToken.None));
            Assert.True(check.IsValid, string.Join("; ", check.Findings));
            Assert.Equal((2, 4, 4, 2), (check.Installations, check.Claims, check.Results, check.Outputs));
            PorterItemCounts counts = Count(store.Reference);
            Assert.Equal((2, 4, 4, 2, 1, 1, 0), (counts.Installations, counts.Claims, counts.Results, counts.Outputs, counts.Credentials, counts.Parameters, counts.LegacyTotal));

            // Every store has its sets read (a remote one is judged by its names and tags otherwise): a set that is no JSON is named in each.
            store.PutCurrent("credentials/broken.json", System.Text.Encoding.UTF8.GetBytes("{\"name\": "));
            PorterStorageVerification after = StorageVerifier.Verify(PorterStores.OpenForCheck(store.Reference, logs.Path, CancellationToken.None));
            Assert.False(after.IsValid);
            Assert.Contains(after.Findings, f => f.Severity == FindingSeverity.Error && f.Path.Contains("broken", StringComparison.Ordinal));
        }

        [Fact]
        public void TheInMemoryStore_IsABackendOfTheFactory_ByItsOwnLine()
        {
            var store = new InMemoryMigrationStore();
            Assert.Same(store, PorterStores.Open(store, "unused"));
            Assert.Same(store, PorterStores.OpenReader(store));
            Assert.Throws<ArgumentException>(() => PorterStores.OpenReader(new object()));
            // No backend can take another's references, and the built-in ones stay as they are.
            Assert.Throws<InvalidOperationException>(() => PorterStores.Register(StoreBackend.Of<object>(o => store, (o, _, _) => store)));
            Assert.Throws<InvalidOperationException>(() => PorterStores.Register(StoreBackend.Of<PorterAzureStorage>(o => store, (o, _, _) => store)));
            Assert.Throws<InvalidOperationException>(() => PorterStores.Register(StoreBackend.Of<InMemoryMigrationStore>(o => o, (o, _, _) => o)));
            Assert.Throws<ArgumentNullException>(() => PorterStores.Register(null!));
            Assert.Throws<ArgumentNullException>(() => PorterStores.OpenReader(null!));
        }
    }

    /// <summary>A store of one kind, empty at first, that legacy documents are put into in its own native names; its reference is what the factory opens.</summary>
    internal abstract class LegacyStore : IDisposable
    {
        public abstract object Reference { get; }

        /// <summary>Puts a legacy document of <paramref name="itemType"/> named <paramref name="name"/> as a store of this kind holds it.</summary>
        public abstract void Put(string itemType, string name, byte[] content);

        /// <summary>Puts a current document given by its folder path (<c>claims/&lt;installation&gt;/&lt;id&gt;.json</c>, <c>schema.json</c>) as a store of this kind holds it.</summary>
        public abstract void PutCurrent(string folderPath, byte[] content);

        /// <summary>A folder path's item type, group and name (the schema's type is empty).</summary>
        protected static (string Type, string? Group, string Name) ItemOf(string folderPath)
        {
            if (folderPath == SchemaVersions.FileName)
            {
                return (string.Empty, null, ItemTypes.SchemaName);
            }
            string[] parts = folderPath.Split('/');
            string type = parts[0], file = parts[parts.Length - 1];
            string extension = ItemTypes.Extension(type);
            string name = extension.Length > 0 && file.EndsWith(extension, StringComparison.Ordinal) ? file.Substring(0, file.Length - extension.Length) : file;
            return (type, parts.Length == 3 ? parts[1] : null, name);
        }

        public virtual void Dispose()
        {
        }

        public static LegacyStore Create(string kind) => kind switch
        {
            "folder" => new FolderStore(),
            "container" => new ContainerStore(),
            "memory" => new Memory(new InMemoryMigrationStore()),
            "table" => new TableStore(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };

        private sealed class FolderStore : LegacyStore
        {
            private readonly TempHome _home = new TempHome();

            public override object Reference => _home.Path;

            public override void Put(string itemType, string name, byte[] content)
            {
                Directory.CreateDirectory(_home.P(itemType));
                File.WriteAllBytes(_home.P(itemType + "/" + name + ".json"), content);
            }

            public override void PutCurrent(string folderPath, byte[] content)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_home.P(folderPath))!);
                File.WriteAllBytes(_home.P(folderPath), content);
                FileIO.System.SetMode(_home.P(folderPath), PorterFileModes.PrivateFile); // as Porter writes, and demands
            }

            public override void Dispose() => _home.Dispose();
        }

        private sealed class ContainerStore : LegacyStore
        {
            private readonly BlobContainerClient _client;
            private readonly PorterAzureContainer _container;

            public ContainerStore()
            {
                string connection = Environment.GetEnvironmentVariable("PORTERSTORAGE_AZURITE_CS1")
                    ?? throw new InvalidOperationException("Azurite is not running: run the tests through 'build.ps1 Test'.");
                _container = AzureStorageFactory.FromConnectionString(connection, "e" + Guid.NewGuid().ToString("N").Substring(0, 20), "test");
                _client = new BlobContainerClient(connection, _container.Container);
                _client.Create();
            }

            public override object Reference => _container;

            // Before v0.9 the plugin kept a legacy document as '<type>/<name>', untagged.
            public override void Put(string itemType, string name, byte[] content) => _client.GetBlobClient(itemType + "/" + name).Upload(new BinaryData(content));

            // The plugin's current layout: '<type>/<name>' tagged with its type and group, the schema as 'schema'.
            public override void PutCurrent(string folderPath, byte[] content)
            {
                (string type, string? group, string name) = ItemOf(folderPath);
                var options = new Azure.Storage.Blobs.Models.BlobUploadOptions { Tags = type.Length == 0 ? null : PorterBlobTags.For(type, group).ToDictionary(kv => kv.Key, kv => kv.Value) };
                _client.GetBlobClient(type.Length == 0 ? name : type + "/" + name).Upload(new BinaryData(content), options);
            }

            public override void Dispose() => _client.DeleteIfExists();
        }

        /// <summary>The azure.table plugin's table: the current format only (the plugin postdates the migration).</summary>
        private sealed class TableStore : LegacyStore
        {
            private readonly PorterAzureTable _table;
            private readonly Azure.Data.Tables.TableClient _client;

            public TableStore()
            {
                string connection = Environment.GetEnvironmentVariable("PORTERSTORAGE_AZURITE_CS3")
                    ?? throw new InvalidOperationException("Azurite is not running: run the tests through 'build.ps1 Test'.");
                _table = AzureStorageFactory.FromConnectionString(connection, "porter", "test").WithTable("e" + Guid.NewGuid().ToString("N").Substring(0, 20));
                _client = _table.CreateTableClient();
                _client.Create();
            }

            public override object Reference => _table;

            public override void Put(string itemType, string name, byte[] content) => throw new NotSupportedException("the azure.table plugin holds no legacy documents");

            public override void PutCurrent(string folderPath, byte[] content)
            {
                (string type, string? group, string name) = ItemOf(folderPath);
                TableWriter.Upsert(_client, _table.StoreUri.ToString(), new[] { TableEntityCodec.Encode(type, group, name, content) }, null, CancellationToken.None);
            }

            public override void Dispose() => _client.Delete();
        }

        internal sealed class Memory : LegacyStore
        {
            private readonly InMemoryMigrationStore _store;

            public Memory(InMemoryMigrationStore store) => _store = store;

            public override object Reference => _store;

            public override void Put(string itemType, string name, byte[] content) => _store.Put(itemType + "/" + name + ".json", content);

            public override void PutCurrent(string folderPath, byte[] content) => _store.Put(folderPath, content);
        }
    }
}
