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
    /// The engines' suite run unchanged over every backend that migrates: a home folder, the azure.blob plugin's container (Azurite,
    /// started by build.ps1 Test) and the in-memory store this assembly registers. Each store is opened only through the factory,
    /// by its reference, and judged only through the engines (the session, the verifier, the counter), so a backend added to the
    /// factory joins the suite by one more kind here.
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

        [Fact]
        public void TheInMemoryStore_IsABackendOfTheFactory_ByItsOwnLine()
        {
            var store = new InMemoryMigrationStore();
            Assert.Same(store, PorterStores.Open(store, "unused"));
            Assert.Same(store, PorterStores.OpenReader(store));
            Assert.Throws<ArgumentException>(() => PorterStores.OpenReader(new object()));
        }
    }

    /// <summary>A store of one kind, empty at first, that legacy documents are put into in its own native names; its reference is what the factory opens.</summary>
    internal abstract class LegacyStore : IDisposable
    {
        public abstract object Reference { get; }

        /// <summary>Puts a legacy document of <paramref name="itemType"/> named <paramref name="name"/> as a store of this kind holds it.</summary>
        public abstract void Put(string itemType, string name, byte[] content);

        public virtual void Dispose()
        {
        }

        public static LegacyStore Create(string kind) => kind switch
        {
            "folder" => new FolderStore(),
            "container" => new ContainerStore(),
            "memory" => new MemoryStore(),
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

            public override void Dispose() => _client.DeleteIfExists();
        }

        private sealed class MemoryStore : LegacyStore
        {
            private readonly InMemoryMigrationStore _store = new InMemoryMigrationStore();

            public override object Reference => _store;

            public override void Put(string itemType, string name, byte[] content) => _store.Put(itemType + "/" + name + ".json", content);
        }
    }
}
