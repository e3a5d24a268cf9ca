using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Json;
using PorterStorage.Core.Migration;
using PorterStorage.Core.Schema;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Azure
{
    /// <summary>Checks a plugin container the way Porter v0.38 reads it: schema blob, tags, tag queries, index, sets.</summary>
    public static class AzureStoreVerifier
    {
        public static PorterStorageVerification Verify(PorterAzureStorage storage, CancellationToken cancel)
        {
            var findings = new List<StorageFinding>();
            void Add(FindingSeverity s, string code, string path, string message) => findings.Add(new StorageFinding(s, code, path, message));
            string location = storage.ContainerUri.ToString();
            BlobContainerClient container = storage.CreateContainerClient();
            List<BlobItem> blobs;
            try
            {
                blobs = container.GetBlobs(BlobTraits.Tags, BlobStates.None, null, cancel).ToList();
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, location, "Listing the blobs");
            }

            var store = new AzureBlobPorterStore(storage);
            try
            {
                PorterSchemaDocument? schema = SchemaInspector.ReadSchema(store, out string? where, cancel);
                if (schema == null)
                {
                    Add(FindingSeverity.Error, FindingCodes.SchemaMissing, location + "/schema", "The schema blob is missing; Porter demands a migration.");
                }
                else if (!schema.IsCurrent)
                {
                    Add(FindingSeverity.Error, FindingCodes.SchemaOutdated, where!, "The schema blob does not hold the current versions.");
                }
            }
            catch (PorterStorageException ex)
            {
                Add(FindingSeverity.Error, FindingCodes.SchemaUnreadable, ex.Target ?? location, ex.Message);
            }

            var installationsWithClaims = new HashSet<string>(StringComparer.Ordinal);
            int installations = 0, claims = 0, results = 0, outputs = 0;
            foreach (BlobItem b in blobs)
            {
                int slash = b.Name.IndexOf('/');
                string type = slash > 0 ? b.Name.Substring(0, slash) : string.Empty;
                if (!ItemTypes.All.Contains(type))
                {
                    continue;
                }
                string path = location + "/" + b.Name;
                if (type == ItemTypes.Claims && (b.Tags == null || !b.Tags.ContainsKey(PorterBlobTags.Installation)))
                {
                    Add(FindingSeverity.Error, FindingCodes.LegacyClaim, path, $"'{b.Name}' is a pre-v0.28 claim that has not been migrated.");
                    continue;
                }
                if (!PorterBlobTags.HasPorterTags(type, b.Tags))
                {
                    Add(FindingSeverity.Error, FindingCodes.UntaggedBlob, path, $"'{b.Name}' lacks the index tags Porter lists it by; Porter cannot see it.");
                }
                switch (type)
                {
                    case ItemTypes.Installations:
                        installations++;
                        break;
                    case ItemTypes.Claims:
                        claims++;
                        installationsWithClaims.Add(b.Tags![PorterBlobTags.Installation]);
                        break;
                    case ItemTypes.Results:
                        results++;
                        break;
                    case ItemTypes.Outputs:
                        outputs++;
                        break;
                    case ItemTypes.Credentials:
                    case ItemTypes.Parameters:
                        CheckSet(container, b.Name, type, path, Add);
                        break;
                }
            }
            foreach (BlobItem b in blobs.Where(b => b.Name.StartsWith(ItemTypes.Installations + "/", StringComparison.Ordinal)))
            {
                string name = b.Name.Substring(ItemTypes.Installations.Length + 1);
                if (!installationsWithClaims.Contains(name))
                {
                    Add(FindingSeverity.Error, FindingCodes.IndexWithoutClaims, location + "/" + b.Name, $"The index entry '{b.Name}' has no claims; 'porter list' fails on it.");
                }
            }
            // The index lags behind List (format A§2): wait for it before calling a tagged blob invisible to Porter.
            IndexCheck index = BlobIndexProbe.WaitForIndex(storage, blobs, BlobIndexProbe.DefaultIndexTimeout, cancel);
            foreach (IndexMiss miss in index.Missing)
            {
                Add(FindingSeverity.Error, FindingCodes.NotFoundByTags, location + "/" + miss.Blob,
                    $"{miss.Blob}: not found by Porter's query for type '{miss.Type}' after waiting {index.Waited.TotalSeconds:0} s for the index ({ErrorIds.BlobIndexLagging} if it catches up later)");
            }
            return new PorterStorageVerification(location, installations, claims, results, outputs, findings);
        }

        private static void CheckSet(BlobContainerClient container, string blob, string type, string path, Action<FindingSeverity, string, string, string> add)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(container.GetBlobClient(blob).DownloadContent().Value.Content.ToMemory(), GoJson.DocumentOptions);
                if (!PorterDocuments.HasSchemaVersion(doc.RootElement, requireValue: type != ItemTypes.Parameters))
                {
                    add(FindingSeverity.Error, type == ItemTypes.Credentials ? FindingCodes.LegacyCredentialSet : FindingCodes.LegacyParameterSet, path, PorterDocuments.NotMigrated(blob));
                }
            }
            catch (JsonException)
            {
                add(FindingSeverity.Error, FindingCodes.DocumentUnreadable, path, $"'{blob}' is not valid JSON.");
            }
        }
    }
}
