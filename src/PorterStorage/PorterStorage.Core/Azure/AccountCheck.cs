using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using global::Azure.Storage.Blobs.Specialized;

namespace PorterStorage.Core.Azure
{
    /// <summary>What the account behind a container is, as far as its credential may ask (Get Account Information).</summary>
    public sealed class AccountFacts
    {
        internal AccountFacts(string? sku, string? kind, bool? hierarchicalNamespace)
        {
            SkuName = sku;
            AccountKind = kind;
            HierarchicalNamespace = hierarchicalNamespace;
        }

        /// <summary>The SKU (Standard_LRS, …), or null when the credential may not ask.</summary>
        public string? SkuName { get; }

        /// <summary>The account kind (StorageV2, BlockBlobStorage, …), or null.</summary>
        public string? AccountKind { get; }

        /// <summary>True for an account with a hierarchical namespace (ADLS Gen2), which has no Blob Index; null when unknown.</summary>
        public bool? HierarchicalNamespace { get; }

        /// <summary>True when the account is known to have no Blob Index tags.</summary>
        public bool LacksBlobIndex => HierarchicalNamespace == true;

        /// <summary>What a listing of the account's blobs may ask for besides <paramref name="traits"/>: tags only where the account has them.</summary>
        internal BlobTraits Listing(BlobTraits traits) => LacksBlobIndex ? traits & ~BlobTraits.Tags : traits | BlobTraits.Tags;
    }

    /// <summary>
    /// Knows the account before the work: one account check (kind, SKU, hierarchical namespace) and the tiers of one listing decide,
    /// before anything is written, whether the work can finish. An account with a hierarchical namespace cannot hold Porter's index
    /// tags (<c>BlobIndexUnsupported</c>); blobs in the Archive tier cannot be read or copied (<c>BlobArchived</c>, every one named).
    /// </summary>
    internal static class AccountCheck
    {
        /// <summary>How many archived blobs a message names before it counts the rest.</summary>
        internal const int NamedInMessage = 20;

        /// <summary>
        /// The account's facts, asked through the container (a container SAS may ask there, not at the account). A credential that may
        /// not ask gives unknown facts; an unreachable endpoint is a named error.
        /// </summary>
        public static AccountFacts Read(BlobContainerClient container, string target, CancellationToken cancel)
        {
            try
            {
                AccountInfo info = container.GetAccountInfo(cancel).Value;
                return new AccountFacts(info.SkuName.ToString(), info.AccountKind.ToString(), info.IsHierarchicalNamespaceEnabled);
            }
            catch (RequestFailedException r) when (r.Status != 0)
            {
                // A role or SAS without account-level read, or a container that does not exist yet: the work finds out itself.
                return new AccountFacts(null, null, null);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, target, "Reading the account's information");
            }
        }

        /// <summary>
        /// Before a migration's first read and first write: the account must hold index tags, and no document of Porter's may be in the
        /// Archive tier (one listing of the container, its tiers only), so a run that could not finish does not start. False when the
        /// container does not exist yet (nothing to check).
        /// </summary>
        public static bool BeforeMigration(BlobContainerClient container, string location, CancellationToken cancel)
        {
            RequireBlobIndex(container, location, "The migration", cancel);
            List<BlobItem> all;
            try
            {
                all = container.GetBlobs(BlobTraits.None, BlobStates.None, null, cancel).ToList();
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return false;
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, location, "Listing the blobs");
            }
            RefuseArchived(PorterDocuments(all), location, "The migration");
            return true;
        }

        /// <summary>
        /// <c>BlobIndexUnsupported</c> before any write when the account behind <paramref name="container"/> has a hierarchical namespace.
        /// When the credential may not read the account's information, reads that decide it instead: a listing of one blob with its
        /// tags, or, for a container that does not exist yet, a tag query of the account that matches nothing; an account without
        /// the index refuses either. Only when neither may be asked does the work go on not knowing.
        /// </summary>
        public static AccountFacts RequireBlobIndex(BlobContainerClient container, string target, string work, CancellationToken cancel)
        {
            AccountFacts facts = Read(container, target, cancel);
            if (facts.HierarchicalNamespace == null)
            {
                facts = Probe(container, target, cancel);
            }
            if (facts.LacksBlobIndex)
            {
                throw NoBlobIndex(target, work);
            }
            return facts;
        }

        /// <summary>What reads with tags tell of an account whose information could not be read.</summary>
        private static AccountFacts Probe(BlobContainerClient container, string target, CancellationToken cancel)
        {
            try
            {
                _ = container.GetBlobs(BlobTraits.Tags, BlobStates.None, null, cancel).AsPages(null, 1).FirstOrDefault();
                return new AccountFacts(null, null, false);
            }
            catch (RequestFailedException r) when (IsTagRefusal(r))
            {
                return new AccountFacts(null, null, true);
            }
            catch (RequestFailedException r) when (r.Status == 404)
            {
                // No container yet: ask the account, with a condition no blob can meet.
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, target, "Listing the blobs");
            }
            try
            {
                BlobServiceClient service = container.GetParentBlobServiceClient();
                _ = service.FindBlobsByTags("\"porterstorage-account-check\"='none'", cancel).AsPages(null, 1).FirstOrDefault();
                return new AccountFacts(null, null, false);
            }
            catch (RequestFailedException r) when (IsTagRefusal(r) || r.ErrorCode == "FeatureNotSupportedForAccount" || r.ErrorCode == "FeatureNotSupported")
            {
                return new AccountFacts(null, null, true);
            }
            catch (RequestFailedException r) when (r.Status != 0)
            {
                // Neither may be asked (a container SAS, a role without tag queries): the work finds out at its first tagged write.
                return new AccountFacts(null, null, null);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, target, "Querying by tags");
            }
        }

        /// <summary>
        /// Every blob of <paramref name="container"/> with <paramref name="traits"/> and, where the account has them, its tags. An account
        /// whose information was unknown and that refuses the tags (a hierarchical namespace) is listed again without them, and
        /// <paramref name="facts"/> becomes what that showed. Failures are named for <paramref name="target"/> and <paramref name="operation"/>.
        /// </summary>
        public static List<BlobItem> ListAll(BlobContainerClient container, string target, ref AccountFacts facts, BlobTraits traits, string operation,
            CancellationToken cancel)
        {
            try
            {
                try
                {
                    return container.GetBlobs(facts.Listing(traits), BlobStates.None, null, cancel).ToList();
                }
                catch (RequestFailedException r) when (facts.HierarchicalNamespace == null && IsTagRefusal(r))
                {
                    facts = new AccountFacts(facts.SkuName, facts.AccountKind, true);
                    return container.GetBlobs(facts.Listing(traits), BlobStates.None, null, cancel).ToList();
                }
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, target, operation);
            }
        }

        /// <summary>
        /// True for the answer of an account without Blob Index to a request that names tags: 400 InvalidQueryParameterValue, the
        /// refused value (which Azure echoes: <c>tags</c>, <c>metadata,tags</c>, …) naming tags.
        /// </summary>
        public static bool IsTagRefusal(RequestFailedException r) =>
            r.Status == 400 && r.ErrorCode == "InvalidQueryParameterValue" && r.Message.IndexOf("tags", StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>The error for work that needs tags in an account with a hierarchical namespace.</summary>
        public static PorterStorageException NoBlobIndex(string target, string work) =>
            new PorterStorageException(ErrorIds.BlobIndexUnsupported, PorterErrorKind.NotImplemented, target,
                $"{work} needs Blob Index tags, and the account of '{target}' has a hierarchical namespace (ADLS Gen2), which has none: Porter's " +
                "azure.blob plugin cannot list its data there. Nothing was written. Copy the container to a general-purpose v2 account without a " +
                "hierarchical namespace (Copy-PorterAzureContainer) and work there.");

        /// <summary>
        /// <c>BlobArchived</c> naming every blob of <paramref name="listed"/> in the Archive tier (or still being rehydrated from it),
        /// before any of them is read; nothing when none is.
        /// </summary>
        public static void RefuseArchived(IEnumerable<BlobItem> listed, string target, string work)
        {
            List<BlobItem> archived = listed.Where(IsArchived).ToList();
            if (archived.Count == 0)
            {
                return;
            }
            List<string> waiting = archived.Where(b => b.Properties.ArchiveStatus != null).Select(b => b.Name).ToList();
            List<string> asleep = archived.Where(b => b.Properties.ArchiveStatus == null).Select(b => b.Name).ToList();
            var said = new List<string>();
            if (asleep.Count > 0)
            {
                said.Add($"{Names(asleep)} {(asleep.Count == 1 ? "is" : "are")} in the Archive tier: rehydrate {(asleep.Count == 1 ? "it" : "them")} to Hot or Cool " +
                    "(Set Blob Tier, e.g. az storage blob set-tier --tier Hot; it can take hours, or use --rehydrate-priority High) and exclude " +
                    $"{(asleep.Count == 1 ? "it" : "them")} from the lifecycle rule that archived {(asleep.Count == 1 ? "it" : "them")}");
            }
            if (waiting.Count > 0)
            {
                said.Add($"{Names(waiting)} {(waiting.Count == 1 ? "is" : "are")} being rehydrated from the Archive tier: wait until the rehydration ends " +
                    "(the blob's archive status clears; a tier cannot be set again meanwhile)");
            }
            throw new PorterStorageException(ErrorIds.BlobArchived, PorterErrorKind.InvalidOperation, target,
                $"{work} must read {archived.Count} blob(s) of '{target}' that cannot be read until rehydrated. {string.Join("; ", said)}. Nothing was written. Run again then.");
        }

        private static string Names(List<string> names) =>
            string.Join(", ", names.Take(NamedInMessage).Select(n => "'" + n + "'"))
            + (names.Count > NamedInMessage ? $" and {names.Count - NamedInMessage} more" : string.Empty);

        /// <summary>Porter's documents among <paramref name="listed"/>: the blobs under its item types' prefixes, and the schema.</summary>
        public static IEnumerable<BlobItem> PorterDocuments(IEnumerable<BlobItem> listed) =>
            listed.Where(b => b.Name == ItemTypes.SchemaName || ItemTypes.All.Any(t => b.Name.StartsWith(t + "/", StringComparison.Ordinal)));

        /// <summary>True for a blob in the Archive tier, or one whose rehydration has not yet ended.</summary>
        public static bool IsArchived(BlobItem blob) =>
            blob.Properties?.AccessTier == AccessTier.Archive || blob.Properties?.ArchiveStatus != null;
    }
}
