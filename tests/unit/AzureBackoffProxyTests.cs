using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// A migration of a container through the fault proxy while one name range is throttled for a long (simulated) time, or while
    /// its requests stall past the network timeout: it finishes with nothing lost, or stops with a named id and a rerun finishes.
    /// The back-off's clock is simulated and moves the proxy's clock, so thirty minutes pass in a moment; nothing depends on timing.
    /// </summary>
    public class AzureBackoffProxyTests
    {
        private const string Testdata = "porter-v0.38.9/pkg/storage/testdata/";

        private static string Connection =>
            Environment.GetEnvironmentVariable("PORTERSTORAGE_AZURITE_CS1")
            ?? throw new InvalidOperationException("Azurite is not running: run the tests through 'build.ps1 Test'.");

        /// <summary>A new container holding a legacy (pre-v0.9) store, written directly to Azurite.</summary>
        private static string LegacyContainer()
        {
            string name = "b" + Guid.NewGuid().ToString("N").Substring(0, 20);
            var c = new BlobContainerClient(Connection, name);
            c.Create();
            void Put(string blob, string fixture, Dictionary<string, string>? tags = null) =>
                c.GetBlobClient(blob).Upload(new BinaryData(File.ReadAllBytes(TempHome.Fixture(Testdata + fixture))), new BlobUploadOptions { Tags = tags });
            Put("claims/example-exec-outputs", "claims/has-installation.json", new Dictionary<string, string> { ["type"] = "claims" });
            Put("claims/mybun", "claims/upgraded.json");
            Put("claims/installed", "claims/installed.json");
            Put("credentials/mybun", "credentials/mybun.json");
            Put("parameters/mybun", "parameters/mybun.json");
            return name;
        }

        private static PorterMigrationResult Migrate(string connection, string container, Action<RequestCounter>? prepare = null)
        {
            using var logs = new TempHome();
            PorterAzureContainer s = AzureStorageFactory.FromConnectionString(connection, container, "test");
            prepare?.Invoke(s.Counter);
            return Migrations.Run(new AzureBlobMigrationStore(s, logs.Path));
        }

        /// <summary>Every blob of Porter's data (the module's own aside) with its tags and content, ULIDs masked.</summary>
        private static List<string> Digest(string container)
        {
            var c = new BlobContainerClient(Connection, container);
            string Mask(string t) => Regex.Replace(t, "[0-9A-HJKMNP-TV-Z]{26}", "<ULID>");
            return c.GetBlobs(BlobTraits.Tags, BlobStates.None, null, default)
                .Where(b => !b.Name.StartsWith(".porterstorage/", StringComparison.Ordinal))
                .Select(b => Mask(b.Name) + "\n"
                    + string.Join(",", (b.Tags ?? new Dictionary<string, string>()).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => Mask(t.Key + "=" + t.Value)))
                    + "\n" + Mask(c.GetBlobClient(b.Name).DownloadContent().Value.Content.ToString()))
                .OrderBy(d => d, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>What the same legacy store becomes when nothing is in the way.</summary>
        private static List<string> Reference()
        {
            string container = LegacyContainer();
            PorterMigrationResult r = Migrate(Connection, container);
            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            return Digest(container);
        }

        private static IEnumerable<string> Ids(Func<PorterMigrationResult> run)
        {
            try
            {
                return run().Errors.Select(e => e.ErrorId + ": " + e.Message).ToList();
            }
            catch (PorterStorageException e)
            {
                return new[] { e.ErrorId + ": " + e.Message };
            }
        }

        private static void Simulated(RequestCounter counter, FaultProxyProcess proxy) =>
            counter.Retry.Clock = new SimulatedClock { Moved = now => proxy.AdvanceTo(now) };

        [Fact]
        public void ThirtyMinutesOfBusyOnTheClaimsRange_WithoutRetryAfter_MigrationFinishes_NothingLost_BackOffsShown()
        {
            List<string> reference = Reference();
            string container = LegacyContainer();
            using FaultProxyProcess proxy = FaultProxyProcess.Start(Connection, seed: 27);
            proxy.Set(new { throttleRules = new[] { new { pathContains = "/claims/", untilMs = 30 * 60 * 1000 } } });
            RequestCounter? counter = null;
            PorterMigrationResult r = Migrate(proxy.Through(Connection), container, c =>
            {
                counter = c;
                Simulated(c, proxy);
            });

            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Assert.True(r.Verification!.IsValid, string.Join("; ", r.Verification.Findings));
            Assert.Equal(reference, Digest(container));
            JsonElement stats = proxy.Stats();
            Assert.True(stats.GetProperty("clockMs").GetInt64() >= 30 * 60 * 1000, "the throttling lasted its thirty simulated minutes");
            int throttled = stats.GetProperty("throttleRules")[0].GetInt32();
            Assert.True(throttled > 0);
            // Each busy answer was waited for (one a read ahead met after the run ended would not be counted yet).
            Assert.InRange(counter!.BackOffs, 1, throttled);
            Assert.True(counter.Concurrency.Halvings > 0);
        }

        [Fact]
        public void BusyPastTheWaitOneRequestMayTake_StopsWithAzureThrottled_RerunFinishes()
        {
            List<string> reference = Reference();
            string container = LegacyContainer();
            using FaultProxyProcess proxy = FaultProxyProcess.Start(Connection, seed: 28);
            proxy.Set(new { throttleRules = new[] { new { pathContains = "/claims/", untilMs = 10 * 60 * 60 * 1000 } } });
            List<string> ids = Ids(() => Migrate(proxy.Through(Connection), container, c => Simulated(c, proxy))).ToList();
            Assert.NotEmpty(ids);
            Assert.Contains(ids, i => i.StartsWith(ErrorIds.AzureThrottled + ":", StringComparison.Ordinal) || i.Contains("stayed busy (HTTP 503 ServerBusy)"));
            Assert.DoesNotContain(ids, i => i.StartsWith(ErrorIds.AzureRequestFailed + ":", StringComparison.Ordinal));

            proxy.Set(new { throttleRules = Array.Empty<object>() });
            PorterMigrationResult again = Migrate(proxy.Through(Connection), container);
            Assert.True(again.Succeeded, string.Join("; ", again.Errors));
            Assert.Equal(reference, Digest(container));
        }

        /// <summary>Four claims requests are held past a 1 s network timeout (the proxy drops each once the client gave up on it).</summary>
        [Fact]
        public void RequestsStalledPastTheNetworkTimeout_AreRetried_MigrationFinishes()
        {
            List<string> reference = Reference();
            string container = LegacyContainer();
            using FaultProxyProcess proxy = FaultProxyProcess.Start(Connection, seed: 29);
            proxy.Set(new { throttleRules = new[] { new { pathContains = "/claims/", stallMs = 15000, count = 4 } } });
            RequestCounter? counter = null;
            PorterMigrationResult r = Migrate(proxy.Through(Connection), container, c =>
            {
                counter = c;
                c.Retry.NetworkTimeout = TimeSpan.FromSeconds(1);
                Simulated(c, proxy);
            });
            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Assert.Equal(reference, Digest(container));
            Assert.Equal(4, proxy.Stats().GetProperty("throttleRules")[0].GetInt32());
            Assert.InRange(counter!.BackOffs, 1, 4);
        }

        [Fact]
        public void RequestsStalledUntilRetriesRunOut_StopWithAzureRequestTimedOut_RerunFinishes()
        {
            List<string> reference = Reference();
            string container = LegacyContainer();
            using FaultProxyProcess proxy = FaultProxyProcess.Start(Connection, seed: 30);
            proxy.Set(new { throttleRules = new[] { new { operation = "GetBlob", pathContains = "/claims/", stallMs = 15000 } } });
            List<string> ids = Ids(() => Migrate(proxy.Through(Connection), container, c =>
            {
                c.Retry.NetworkTimeout = TimeSpan.FromMilliseconds(500);
                Simulated(c, proxy);
            })).ToList();
            Assert.NotEmpty(ids);
            Assert.Contains(ids, i => i.Contains("outlived the network timeout of 0.5 s"));
            Assert.DoesNotContain(ids, i => i.Contains("configured timeout"));

            proxy.Set(new { throttleRules = Array.Empty<object>() });
            PorterMigrationResult again = Migrate(proxy.Through(Connection), container);
            Assert.True(again.Succeeded, string.Join("; ", again.Errors));
            Assert.Equal(reference, Digest(container));
        }
    }
}
