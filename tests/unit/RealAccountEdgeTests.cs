using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Core;
using global::Azure.Core.Pipeline;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The edges of what real accounts answer: the role a listing with tags needs, the role a write or removal needs, a blob endpoint
    /// on a port, a pending copy, a later null list, a blob being rehydrated, a copy source deleted after the listing. No network,
    /// no timing.
    /// </summary>
    public class RealAccountEdgeTests
    {
        private static PorterStorageException Refused(string operation, Action<BlobContainerClient> step) =>
            RealAccountTests.Refused(RealAccountTests.SignedIn(new RealAccountTests.RefusingTransport(403, "AuthorizationPermissionMismatch")), operation, step);

        // A Storage Blob Data Contributor cannot read tags. The backup, the copy, the migration and Test-PorterStorage list with
        // include=tags under the operation "Listing the blobs"/"Listing the source": the role to name is Storage Blob Data Owner.
        [Theory]
        [InlineData("Listing the blobs")]
        [InlineData("Listing the source")]
        public void AContributorRefusedAListingWithTags_IsToldTheOwnerRole_NotReader(string operation)
        {
            PorterStorageException ex = Refused(operation, c => c.GetBlobs(BlobTraits.Metadata | BlobTraits.Tags, BlobStates.None, null, default).ToList());
            Assert.Equal(ErrorIds.AzureRoleMissing, ex.ErrorId);
            Assert.Contains("'Storage Blob Data Owner'", ex.Message, StringComparison.Ordinal);
        }

        // The migration's writes are named "Writing <blob>", "Deleting <blob>", "Moving <blob>" (AzureBlobMigrationStore.Write): each
        // names a role that may do it.
        [Theory]
        [InlineData("Writing claims/01H", "Storage Blob Data Owner")]      // a migrated blob is written with its index tags
        [InlineData("Deleting claims/01H", "Storage Blob Data Contributor")]
        [InlineData("Moving claims/01H", "Storage Blob Data Owner")]
        [InlineData("Removing the entities", "Storage Table Data Contributor")]
        public void ARefusedWrite_NamesARoleThatMayWrite(string operation, string role)
        {
            Assert.Equal(role, AzureErrors.RoleFor(operation));
        }

        // A blob endpoint on a port (Azure Stack Hub, a private emulator behind DNS): the derived table endpoint keeps the port.
        [Fact]
        public void TheTableTwinOfABlobEndpointWithAPort_KeepsThePort()
        {
            var storage = new PorterAzureContainer("acct", new Uri("https://acct.blob.local.azurestack.external:8443"), "porter", AzureAuthentication.SasToken,
                "test SAS", sas: "sv=2021-08-06&sr=c&sp=rl&sig=abc");
            Assert.Equal(8443, storage.TableServiceUri().Port);
        }

        // A destination blob whose asynchronous copy is still pending (an earlier run stopped while it waited, or another tool's copy)
        // is not the source's content yet, even with an equal length and no MD5.
        [Fact]
        public void ADestinationBlobWithAPendingCopy_IsNotTheSameContent()
        {
            BlobItem source = BlobsModelFactory.BlobItem(name: "claims/x", properties: BlobsModelFactory.BlobItemProperties(accessTierInferred: false, contentLength: 10));
            BlobItem pending = BlobsModelFactory.BlobItem(name: "claims/x",
                properties: BlobsModelFactory.BlobItemProperties(accessTierInferred: false, contentLength: 10, copyStatus: CopyStatus.Pending));
            Assert.False(ContainerCopy.SameContent(source, pending));
        }

        // Go's encoding/json sets a slice to nil for a JSON null ("unmarshals null into a slice by setting it to nil"), so a later
        // "credentials": null wins over an earlier list; only non-slice fields keep what an earlier key gave them.
        [Fact]
        public void ALaterNullCredentials_LeavesNoCredentials_AsPorterReadsIt()
        {
            byte[] doc = Encoding.UTF8.GetBytes("{\"name\":\"team\",\"credentials\":[{\"name\":\"a\",\"source\":{\"env\":\"A\"}}],\"Credentials\":null}");
            SetRewrite? rewrite = SetMigration.MigrateCredentialSet(doc, "credentials/team.json", "team");
            Assert.NotNull(rewrite);
            string text = Encoding.UTF8.GetString(rewrite!.Content);
            Assert.True(text.Contains("\"credentials\": null", StringComparison.Ordinal), text);
        }

        // A blob already being rehydrated (ArchiveStatus rehydrate-pending-to-hot) cannot be given a tier again (409 BlobBeingRehydrated):
        // the advice for it must be to wait, not "Rehydrate them (Set Blob Tier ...)".
        [Fact]
        public void ABlobBeingRehydrated_IsToldToWait_NotToRehydrateAgain()
        {
            var listed = new[]
            {
                BlobsModelFactory.BlobItem(name: "claims/r", properties: BlobsModelFactory.BlobItemProperties(accessTierInferred: false, accessTier: AccessTier.Archive,
                    archiveStatus: ArchiveStatus.RehydratePendingToHot)),
            };
            var ex = Assert.Throws<PorterStorageException>(() => AccountCheck.RefuseArchived(listed, "https://acct.blob.core.windows.net/porter", "The backup"));
            Assert.Contains("being rehydrated", ex.Message, StringComparison.OrdinalIgnoreCase);
        }

        // A copy whose source blob is gone by the time the service reads it (deleted between the listing and the copy) is answered
        // 404 CannotVerifyCopySource; the module signed its SAS with r and t. The message says the source is gone.
        [Fact]
        public void ACopySourceThatIsGone_IsNotBlamedOnNetworkRulesOrClocks()
        {
            var storage = new PorterAzureContainer("acct", new Uri("https://acct.blob.core.windows.net"), "porter", AzureAuthentication.ConnectionString, "test key",
                sharedKey: new global::Azure.Storage.StorageSharedKeyCredential("acct", Convert.ToBase64String(new byte[64])), accountKey: Convert.ToBase64String(new byte[64]));
            var sas = new CopySourceSas(storage);
            sas.Current(default);
            Assert.DoesNotContain("network rules", sas.Cause(404), StringComparison.Ordinal);
            Assert.Contains("no longer exists", sas.Cause(404), StringComparison.Ordinal);
        }
    }
}
