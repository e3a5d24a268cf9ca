using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// Rebuilds the index tags the plugin lists blobs by, from blob names and JSON content (format A§1.2): <c>type</c>
    /// from the prefix; <c>installation</c> from a claim's JSON, <c>claim-id</c> from a result's JSON, <c>result-id</c> from the
    /// text before the first '-' of an output's name. Tags of other keys are kept.
    /// </summary>
    public static class TagRepair
    {
        /// <summary>The blobs whose tags differ from what the plugin would have set, with the tags they should carry.</summary>
        public static List<BlobTagChange> Plan(PorterAzureContainer storage, CancellationToken cancel, out int checkedBlobs) =>
            Plan(storage, null, cancel, out checkedBlobs);

        /// <summary>
        /// The same, trusting the tags of the blobs in <paramref name="written"/> while they still carry exactly those (a store wrote them,
        /// tags derived from the content, in this run): their content is not read again.
        /// </summary>
        internal static List<BlobTagChange> Plan(PorterAzureContainer storage, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? written, CancellationToken cancel,
            out int checkedBlobs)
        {
            BlobContainerClient container = storage.CreateContainerClient();
            AccountCheck.RequireBlobIndex(container, storage.ContainerUri.ToString(), "Rebuilding index tags", cancel);
            var changes = new List<BlobTagChange>();
            checkedBlobs = 0;
            try
            {
                foreach (BlobItem b in container.GetBlobs(BlobTraits.Tags, BlobStates.None, null, cancel))
                {
                    string type = ItemTypes.OfPath(b.Name);
                    if (!ItemTypes.All.Contains(type))
                    {
                        continue;
                    }
                    checkedBlobs++;
                    if (written != null && written.TryGetValue(b.Name, out IReadOnlyDictionary<string, string>? tags) && ContainerCopy.SameTags(tags.ToDictionary(t => t.Key, t => t.Value), b.Tags ?? new Dictionary<string, string>()))
                    {
                        continue;
                    }
                    var before = new SortedDictionary<string, string>(b.Tags ?? new Dictionary<string, string>(), StringComparer.Ordinal);
                    var after = new SortedDictionary<string, string>(before.Where(kv => !PorterBlobTags.Names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal)
                    {
                        [PorterBlobTags.Type] = type,
                    };
                    string name = b.Name.Substring(b.Name.IndexOf('/') + 1);
                    switch (type)
                    {
                        case ItemTypes.Claims:
                            // A current claim is named by its ULID; any other name is a legacy document, which carries no installation tag.
                            string? installation = UlidGenerator.IsValid(name) ? Field(container, b.Name, "installation", requireId: true, cancel) : null;
                            if (installation != null)
                            {
                                after[PorterBlobTags.Installation] = installation;
                            }
                            break;
                        case ItemTypes.Results:
                            string? claimId = Field(container, b.Name, "claimId", requireId: false, cancel);
                            if (claimId != null)
                            {
                                after[PorterBlobTags.ClaimId] = claimId;
                            }
                            break;
                        case ItemTypes.Outputs:
                            int dash = name.IndexOf('-');
                            if (dash > 0)
                            {
                                after[PorterBlobTags.ResultId] = name.Substring(0, dash);
                            }
                            break;
                    }
                    if (!ContainerCopy.SameTags(before, after))
                    {
                        changes.Add(new BlobTagChange(b.Name, before, after));
                    }
                }
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, storage.ContainerUri.ToString(), "Reading the blobs and their tags");
            }
            return changes;
        }

        /// <summary>
        /// Sets the planned tags on each blob <paramref name="shouldProcess"/> accepts. A blob that cannot be retagged is
        /// reported through <paramref name="onError"/> and the others go on.
        /// </summary>
        public static PorterTagRepairResult Run(PorterAzureContainer storage, Func<BlobTagChange, bool> shouldProcess, Action<PorterStorageException> onError,
            CancellationToken cancel)
        {
            RequestCount before = storage.Counter.Snapshot();
            PorterTagRepairResult result = RunCounted(storage, shouldProcess, onError, cancel);
            result.Record(storage.Counter.Snapshot().Since(before));
            return result;
        }

        private static PorterTagRepairResult RunCounted(PorterAzureContainer storage, Func<BlobTagChange, bool> shouldProcess, Action<PorterStorageException> onError,
            CancellationToken cancel)
        {
            int failed = 0;
            var clock = Stopwatch.StartNew();
            List<BlobTagChange> planned = Plan(storage, cancel, out int checkedBlobs);
            BlobContainerClient container = storage.CreateContainerClient();
            var done = new List<BlobTagChange>();
            foreach (BlobTagChange change in planned)
            {
                cancel.ThrowIfCancellationRequested();
                if (!shouldProcess(change))
                {
                    continue;
                }
                try
                {
                    Apply(container, change, cancel);
                }
                catch (PorterStorageException ex)
                {
                    failed++;
                    onError(ex);
                    continue;
                }
                done.Add(change);
            }
            return new PorterTagRepairResult(storage.ContainerUri, checkedBlobs, planned.Count, done, failed, clock.Elapsed);
        }

        /// <summary>Sets the planned tags on one blob; raises the translated Azure error naming it.</summary>
        internal static void Apply(BlobContainerClient container, BlobTagChange change, CancellationToken cancel)
        {
            try
            {
                container.GetBlobClient(change.Blob).SetTags(change.After.ToDictionary(kv => kv.Key, kv => kv.Value), cancellationToken: cancel);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, change.Blob, "Setting the tags");
            }
        }

        /// <summary>A string field of a blob's JSON; for claims only when the document is a current claim (it has an <c>id</c>).</summary>
        private static string? Field(BlobContainerClient container, string blob, string field, bool requireId, CancellationToken cancel)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(container.GetBlobClient(blob).DownloadContent(cancel).Value.Content.ToMemory(), GoJson.DocumentOptions);
                JsonElement root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || (requireId && !root.TryGetProperty("id", out _)))
                {
                    return null;
                }
                return root.TryGetProperty(field, out JsonElement v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0 ? v.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}

namespace PorterStorage
{
    /// <summary>One blob whose index tags were (or would be) rebuilt.</summary>
    public sealed class BlobTagChange
    {
        internal BlobTagChange(string blob, IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
        {
            Blob = blob;
            Before = before;
            After = after;
        }

        public string Blob { get; }

        public IReadOnlyDictionary<string, string> Before { get; }

        public IReadOnlyDictionary<string, string> After { get; }

        public override string ToString() =>
            $"{Blob}: {string.Join(",", Before.Select(kv => kv.Key + "=" + kv.Value))} -> {string.Join(",", After.Select(kv => kv.Key + "=" + kv.Value))}";
    }

    /// <summary>The result of Repair-PorterAzureBlobTag.</summary>
    public sealed class PorterTagRepairResult : CountedResult
    {
        internal PorterTagRepairResult(Uri container, int checkedBlobs, int planned, IReadOnlyList<BlobTagChange> changes, int failed, TimeSpan duration)
        {
            Container = container;
            Checked = checkedBlobs;
            Planned = planned;
            Changes = changes;
            Failed = failed;
            Duration = duration;
        }

        public Uri Container { get; }

        public int Checked { get; }

        /// <summary>Blobs whose tags needed rebuilding.</summary>
        public int Planned { get; }

        public IReadOnlyList<BlobTagChange> Changes { get; }

        public int Repaired => Changes.Count;

        /// <summary>Blobs whose tags could not be set (each reported as an error); a rerun retries them.</summary>
        public int Failed { get; }

        public TimeSpan Duration { get; }

        public override string ToString() => $"{Container}: {Repaired} of {Checked} blobs retagged";
    }
}
