using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Storage;

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

        /// <summary><c>BlobIndexUnsupported</c> before any write when the account behind <paramref name="container"/> has a hierarchical namespace.</summary>
        public static AccountFacts RequireBlobIndex(BlobContainerClient container, string target, string work, CancellationToken cancel)
        {
            AccountFacts facts = Read(container, target, cancel);
            if (facts.LacksBlobIndex)
            {
                throw NoBlobIndex(target, work);
            }
            return facts;
        }

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
            List<string> archived = listed.Where(IsArchived).Select(b => b.Name).ToList();
            if (archived.Count == 0)
            {
                return;
            }
            string names = string.Join(", ", archived.Take(NamedInMessage).Select(n => "'" + n + "'"))
                + (archived.Count > NamedInMessage ? $" and {archived.Count - NamedInMessage} more" : string.Empty);
            throw new PorterStorageException(ErrorIds.BlobArchived, PorterErrorKind.InvalidOperation, target,
                $"{work} must read {archived.Count} blob(s) of '{target}' in the Archive tier, which cannot be read until rehydrated: {names}. " +
                "Nothing was written. Rehydrate them to Hot or Cool (Set Blob Tier, e.g. az storage blob set-tier --tier Hot; it can take hours, " +
                "or use --rehydrate-priority High), exclude them from the lifecycle rule that archived them, and run again.");
        }

        /// <summary>Porter's documents among <paramref name="listed"/>: the blobs under its item types' prefixes, and the schema.</summary>
        public static IEnumerable<BlobItem> PorterDocuments(IEnumerable<BlobItem> listed) =>
            listed.Where(b => b.Name == ItemTypes.SchemaName || ItemTypes.All.Any(t => b.Name.StartsWith(t + "/", StringComparison.Ordinal)));

        /// <summary>True for a blob in the Archive tier, or one whose rehydration has not yet ended.</summary>
        public static bool IsArchived(BlobItem blob) =>
            blob.Properties?.AccessTier == AccessTier.Archive || blob.Properties?.ArchiveStatus != null;
    }
}
