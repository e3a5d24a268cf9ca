using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Core;
using global::Azure.Core.Pipeline;
using global::Azure.Storage;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// What real accounts answer that the emulator cannot: a signed-in identity without the data role (the role is named, not a SAS
    /// letter), a copy that outlives one SAS (it is signed anew before it expires), and archived blobs (every one named at once).
    /// </summary>
    public class RealAccountTests
    {
        private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

        internal static PorterAzureContainer SignedIn(HttpPipelineTransport transport) =>
            new PorterAzureContainer("acct", new Uri("https://acct.blob.core.windows.net"), "porter", AzureAuthentication.ManagedIdentity, "test identity",
                token: new AzureStorageFactoryTests.FakeCredential()) { Transport = transport };

        private static PorterAzureContainer WithSas(HttpPipelineTransport transport) =>
            new PorterAzureContainer("acct", new Uri("https://acct.blob.core.windows.net"), "porter", AzureAuthentication.SasToken, "test SAS",
                sas: "sv=2021-08-06&sr=c&sp=rl&se=2099-01-01T00%3A00%3A00Z&sig=abc") { Transport = transport };

        internal static PorterStorageException Refused(PorterAzureContainer storage, string operation, Action<BlobContainerClient> step)
        {
            try
            {
                step(storage.CreateContainerClient());
            }
            catch (RequestFailedException ex)
            {
                return AzureErrors.Translate(ex, storage.ContainerUri.ToString(), operation);
            }
            throw new InvalidOperationException("the request was not refused");
        }

        [Theory]
        [InlineData("Setting the tags", "Storage Blob Data Owner")]
        [InlineData("Querying by tags", "Storage Blob Data Owner")]
        [InlineData("Restoring the blob", "Storage Blob Data Owner")]
        [InlineData("Committing", "Storage Blob Data Owner")]
        [InlineData("Listing the blobs", "Storage Blob Data Owner")]
        [InlineData("Reading the blob", "Storage Blob Data Reader")]
        [InlineData("Deleting claims/x", "Storage Blob Data Contributor")]
        [InlineData("Reading the table", "Storage Table Data Reader")]
        [InlineData("Writing the entities", "Storage Table Data Contributor")]
        public void ASignedInIdentityWithoutTheRole_AzureRoleMissing_NamingTheRole(string operation, string role)
        {
            var transport = new RefusingTransport(403, "AuthorizationPermissionMismatch");
            PorterStorageException ex = Refused(SignedIn(transport), operation, c => c.GetBlobClient("claims/x").SetTags(new Dictionary<string, string> { ["type"] = "claims" }));
            Assert.StartsWith("Bearer ", transport.Authorization);
            Assert.Equal(ErrorIds.AzureRoleMissing, ex.ErrorId);
            Assert.Contains($"'{role}'", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("fake-token", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void TheSameRefusalOfASas_NamesTheSasLetter_NotARole()
        {
            var transport = new RefusingTransport(403, "AuthorizationPermissionMismatch");
            PorterStorageException ex = Refused(WithSas(transport), "Setting the tags", c => c.GetBlobClient("claims/x").SetTags(new Dictionary<string, string> { ["type"] = "claims" }));
            Assert.Null(transport.Authorization);
            Assert.Equal(ErrorIds.AzureAuthFailed, ex.ErrorId);
            Assert.Contains("'t'", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("sig=", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ACopyOutlivingOneSas_GetsANewOneBeforeItExpires_NeverAnExpiredOne()
        {
            DateTimeOffset now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
            var storage = new PorterAzureContainer("acct", new Uri("https://acct.blob.core.windows.net"), "porter", AzureAuthentication.ConnectionString, "test key",
                sharedKey: new StorageSharedKeyCredential("acct", Key), accountKey: Key);
            var sas = new CopySourceSas(storage, () => now);
            string first = sas.Current(CancellationToken.None);
            // A simulated five-hour copy, one blob a minute: every SAS handed out is valid at least RenewBefore more.
            var seen = new HashSet<string> { first };
            for (int minute = 0; minute < 300; minute++)
            {
                now = now.AddMinutes(1);
                string current = sas.Current(CancellationToken.None);
                seen.Add(current);
                DateTimeOffset expires = CopySourceSas.SignedExpiry(current)!.Value;
                Assert.True(expires - now >= CopySourceSas.RenewBefore, $"at {now:u} the SAS expires {expires:u}");
                Assert.DoesNotContain("st=", current, StringComparison.Ordinal);
            }
            Assert.True(sas.Signed >= 6 && sas.Signed <= 8, $"{sas.Signed} signed over five hours");
            Assert.Equal(sas.Signed, seen.Count);
        }

        [Fact]
        public void AnAsynchronousCopy_GetsASasOfItsOwn_ValidADay()
        {
            DateTimeOffset now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
            var storage = new PorterAzureContainer("acct", new Uri("https://acct.blob.core.windows.net"), "porter", AzureAuthentication.ConnectionString, "test key",
                sharedKey: new StorageSharedKeyCredential("acct", Key), accountKey: Key);
            var sas = new CopySourceSas(storage, () => now);
            string shared = sas.Current(CancellationToken.None);
            string own = sas.ForLongCopy(CancellationToken.None);
            Assert.NotEqual(shared, own);
            Assert.Equal(now + CopySourceSas.LongCopyLife, CopySourceSas.SignedExpiry(own));
            Assert.Equal(shared, sas.Current(CancellationToken.None));
        }

        [Fact]
        public void ASignedInSource_GetsANewUserDelegationKeyForEachSas()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var storage = SignedIn(new RefusingTransport(500, "InternalError"));
            int keys = 0;
            var sas = new CopySourceSas(storage, () => now, (from, to, cancel) =>
            {
                keys++;
                Assert.True(to - from >= CopySourceSas.Life);
                return BlobsModelFactory.UserDelegationKey("oid", "tid", from, to, "b", "2021-08-06", Convert.ToBase64String(new byte[32]));
            });
            sas.Current(CancellationToken.None);
            now = now.AddMinutes(50);
            sas.Current(CancellationToken.None);
            Assert.Equal(2, keys);
        }

        [Fact]
        public void TheCallersOwnSas_IsUsedAsGiven_AndItsExpiryNamedWhenPast()
        {
            DateTimeOffset now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
            var storage = new PorterAzureContainer("acct", new Uri("https://acct.blob.core.windows.net"), "porter", AzureAuthentication.SasToken, "test SAS",
                sas: "sv=2021-08-06&sr=c&sp=rt&se=2026-12-07T12%3A30%3A00Z&sig=abc");
            var sas = new CopySourceSas(storage, () => now);
            Assert.Equal(storage.Sas, sas.Current(CancellationToken.None));
            Assert.Contains("network rules", sas.Cause(403), StringComparison.Ordinal);
            now = now.AddHours(1);
            Assert.Contains("expired at 2026-12-07 12:30:00Z", sas.Cause(403), StringComparison.Ordinal);
        }

        [Fact]
        public void ArchivedBlobs_AreNamedAllAtOnce_WithHowToRehydrate()
        {
            var listed = Enumerable.Range(0, 50).Select(i => Blob($"claims/c{i:00}", i % 2 == 0 ? AccessTier.Archive : AccessTier.Hot, null))
                .Append(Blob("claims/rehydrating", AccessTier.Archive, ArchiveStatus.RehydratePendingToHot))
                .Append(Blob("results/cool", AccessTier.Cool, null)).ToList();
            var ex = Assert.Throws<PorterStorageException>(() => AccountCheck.RefuseArchived(listed, "https://acct.blob.core.windows.net/porter", "The backup"));
            Assert.Equal(ErrorIds.BlobArchived, ex.ErrorId);
            Assert.Contains("26 blob(s)", ex.Message, StringComparison.Ordinal);
            Assert.Contains("'claims/c00'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("and 5 more", ex.Message, StringComparison.Ordinal);
            Assert.Contains("being rehydrated", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("'claims/c01'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("rehydrate them to Hot or Cool", ex.Message, StringComparison.Ordinal);
            AccountCheck.RefuseArchived(listed.Where(b => b.Properties.AccessTier != AccessTier.Archive), "x", "The backup");
        }

        [Fact]
        public void AHierarchicalNamespaceAccount_IsKnownBeforeTheWork_AndListedWithoutTags()
        {
            var hns = new AccountFacts("Standard_LRS", "StorageV2", true);
            Assert.True(hns.LacksBlobIndex);
            Assert.Equal(BlobTraits.Metadata, hns.Listing(BlobTraits.Metadata | BlobTraits.Tags));
            var flat = new AccountFacts("Standard_LRS", "StorageV2", false);
            Assert.Equal(BlobTraits.Metadata | BlobTraits.Tags, flat.Listing(BlobTraits.Metadata));
            Assert.Equal(BlobTraits.Tags, new AccountFacts(null, null, null).Listing(BlobTraits.None));
        }

        private static BlobItem Blob(string name, AccessTier tier, ArchiveStatus? status) =>
            BlobsModelFactory.BlobItem(name: name, properties: BlobsModelFactory.BlobItemProperties(accessTierInferred: false, accessTier: tier, archiveStatus: status));

        /// <summary>Answers every request with one refusal, as the service would; remembers the last request's Authorization header.</summary>
        internal sealed class RefusingTransport : HttpPipelineTransport
        {
            private readonly int _status;
            private readonly string _code;

            public RefusingTransport(int status, string code)
            {
                _status = status;
                _code = code;
            }

            public string? Authorization { get; private set; }

            public override Request CreateRequest() => new HttpClientTransport().CreateRequest();

            public override void Process(HttpMessage message)
            {
                Authorization = message.Request.Headers.TryGetValue("Authorization", out string? a) ? a : null;
                message.Response = new AzureErrorMapTests.FakeResponse(_status, _code, DateTimeOffset.UtcNow);
            }

            public override ValueTask ProcessAsync(HttpMessage message)
            {
                Process(message);
                return default;
            }
        }
    }
}
