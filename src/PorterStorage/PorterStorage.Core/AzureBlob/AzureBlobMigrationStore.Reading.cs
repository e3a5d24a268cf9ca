using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// The container store's reading side: Porter's storage model over the azure.blob plugin's container (format A§1.2): blobs
    /// <c>&lt;type&gt;/&lt;name&gt;</c>, the schema document <c>schema</c>. Listing uses List Blobs, which sees untagged blobs that
    /// Porter's tag queries miss.
    /// </summary>
    public sealed partial class AzureBlobMigrationStore
    {
        public string Location => _storage.ContainerUri.ToString();

        public IReadOnlyList<string> List(string itemType, string? group, CancellationToken cancellationToken = default)
        {
            string? groupTag = PorterBlobTags.GroupTag(itemType);
            return Blobs(itemType, cancellationToken)
                .Where(b => group == null || (groupTag != null && b.Tags != null && b.Tags.TryGetValue(groupTag, out string? g) && g == group))
                .Select(b => b.Name.Substring(itemType.Length + 1))
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToList();
        }

        public byte[]? Read(string itemType, string name, out string? location, CancellationToken cancellationToken = default)
        {
            string blob = itemType.Length == 0 ? name : itemType + "/" + name;
            location = Location + "/" + blob;
            try
            {
                return _container.GetBlobClient(blob).DownloadContent(cancellationToken).Value.Content.ToArray();
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                location = null;
                return null;
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, blob, "Reading the blob");
            }
        }

        public bool IsRemote => true;

        /// <summary>One listing of the container with tags; each blob under a type's prefix is an item, grouped by its group tag.</summary>
        public IReadOnlyDictionary<string, StoreListing> Items(IEnumerable<string> itemTypes, CancellationToken cancellationToken)
        {
            var wanted = new HashSet<string>(itemTypes, StringComparer.Ordinal);
            var items = wanted.ToDictionary(t => t, _ => new List<StoreItem>(), StringComparer.Ordinal);
            var groups = wanted.ToDictionary(t => t, _ => new SortedDictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (BlobItem b in Blobs(null, cancellationToken))
            {
                int slash = b.Name.IndexOf('/');
                string type = slash > 0 ? b.Name.Substring(0, slash) : string.Empty;
                if (slash <= 0 || !wanted.Contains(type))
                {
                    continue;
                }
                string? groupTag = PorterBlobTags.GroupTag(type);
                string? group = groupTag != null && b.Tags != null && b.Tags.TryGetValue(groupTag, out string? g) ? g : null;
                var tags = b.Tags == null ? null : new SortedDictionary<string, string>(b.Tags, StringComparer.Ordinal);
                string location = Location + "/" + b.Name;
                items[type].Add(new StoreItem(type, group, b.Name.Substring(slash + 1), b.Name, location, tags));
                if (group != null && !groups[type].ContainsKey(group))
                {
                    groups[type][group] = location;
                }
            }
            return wanted.ToDictionary(t => t, t => new StoreListing(items[t], groups[t], Array.Empty<PorterStorage.PorterStorageException>()), StringComparer.Ordinal);
        }

        public byte[] ReadItem(StoreItem item, CancellationToken cancellationToken)
        {
            try
            {
                return _container.GetBlobClient(item.StorePath).DownloadContent(cancellationToken).Value.Content.ToArray();
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, item.StorePath, "Reading the blob");
            }
        }

        public string ItemLocation(string itemType, string? group, string name) => Location + "/" + (itemType.Length == 0 ? name : itemType + "/" + name);

        /// <summary>
        /// Blobs lacking the tags the plugin lists them by, and tagged blobs Porter's tag queries do not find once the index has
        /// had <paramref name="indexWait"/> to catch up (List with tags is the truth; the index lags).
        /// </summary>
        public IEnumerable<StorageFinding> NativeFindings(IReadOnlyDictionary<string, StoreListing> listings, TimeSpan indexWait, CancellationToken cancellationToken)
        {
            var findings = new List<StorageFinding>();
            List<StoreItem> all = listings.Values.SelectMany(l => l.Items).OrderBy(i => i.StorePath, StringComparer.Ordinal).ToList();
            foreach (StoreItem item in all)
            {
                bool legacyClaim = item.ItemType == ItemTypes.Claims && item.Group == null;
                if (!legacyClaim && !PorterBlobTags.HasPorterTags(item.ItemType, item.Tags))
                {
                    findings.Add(new StorageFinding(FindingSeverity.Error, FindingCodes.UntaggedBlob, item.Location,
                        $"'{item.StorePath}' lacks the index tags Porter lists it by; Porter cannot see it."));
                }
            }
            IndexCheck index = BlobIndexProbe.WaitForIndex(_storage, all, indexWait, cancellationToken);
            foreach (IndexMiss miss in index.Missing)
            {
                findings.Add(new StorageFinding(FindingSeverity.Error, FindingCodes.NotFoundByTags, Location + "/" + miss.Blob,
                    $"{miss.Blob}: not found by Porter's query for type '{miss.Type}' after waiting {index.Waited.TotalSeconds:0} s for the index ({ErrorIds.BlobIndexLagging} if it catches up later)"));
            }
            return findings;
        }

        private IEnumerable<BlobItem> Blobs(string? itemType, CancellationToken cancel)
        {
            try
            {
                return _container.GetBlobs(BlobTraits.Tags, BlobStates.None, itemType == null ? null : itemType + "/", cancel).ToList();
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, Location, "Listing the blobs");
            }
        }
    }
}
