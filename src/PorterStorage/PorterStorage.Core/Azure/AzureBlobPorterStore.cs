using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using PorterStorage.Core.Home;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// Porter's storage model over the azure.blob plugin's container (format A§1.2): blobs <c>&lt;type&gt;/&lt;name&gt;</c>, the
    /// schema document <c>schema</c>. Listing uses List Blobs, which sees untagged blobs that Porter's tag queries miss.
    /// </summary>
    public sealed class AzureBlobPorterStore : IPorterStore
    {
        private readonly PorterAzureStorage _storage;
        private readonly BlobContainerClient _container;

        public AzureBlobPorterStore(PorterAzureStorage storage)
        {
            _storage = storage;
            _container = storage.CreateContainerClient();
        }

        public string Location => _storage.ContainerUri.ToString();

        /// <summary>The container read.</summary>
        internal PorterAzureStorage Storage => _storage;

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

        /// <summary>Legacy and current items in the container, told apart by the plugin's tags and the sets' schemaVersion.</summary>
        public PorterItemCounts Count(CancellationToken cancel)
        {
            var counts = new PorterItemCounts();
            foreach (BlobItem b in Blobs(null, cancel))
            {
                int slash = b.Name.IndexOf('/');
                string type = slash > 0 ? b.Name.Substring(0, slash) : string.Empty;
                switch (type)
                {
                    case ItemTypes.Installations:
                        counts.Installations++;
                        break;
                    case ItemTypes.Claims:
                        if (b.Tags != null && b.Tags.ContainsKey(PorterBlobTags.Installation))
                        {
                            counts.Claims++;
                        }
                        else
                        {
                            counts.LegacyClaims++;
                        }
                        break;
                    case ItemTypes.Results:
                        counts.Results++;
                        break;
                    case ItemTypes.Outputs:
                        counts.Outputs++;
                        break;
                    case ItemTypes.Credentials:
                        if (HasSchemaVersion(b.Name, requireValue: true, cancel))
                        {
                            counts.Credentials++;
                        }
                        else
                        {
                            counts.LegacyCredentials++;
                        }
                        break;
                    case ItemTypes.Parameters:
                        if (HasSchemaVersion(b.Name, requireValue: false, cancel))
                        {
                            counts.Parameters++;
                        }
                        else
                        {
                            counts.LegacyParameters++;
                        }
                        break;
                }
            }
            return counts;
        }

        private bool HasSchemaVersion(string blob, bool requireValue, CancellationToken cancel)
        {
            byte[]? content = Read(string.Empty, blob, out _, cancel);
            if (content == null)
            {
                return false;
            }
            try
            {
                using JsonDocument doc = JsonDocument.Parse(content, PorterStorage.Core.Json.GoJson.DocumentOptions);
                return PorterDocuments.HasSchemaVersion(doc.RootElement, requireValue);
            }
            catch (JsonException)
            {
                return false;
            }
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
