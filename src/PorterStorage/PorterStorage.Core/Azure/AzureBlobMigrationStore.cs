using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using global::Azure.Storage.Blobs.Specialized;
using PorterStorage.Core.Backup;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Json;
using PorterStorage.Core.Migration;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// The azure.blob plugin's container as a migration store. Documents are written in the plugin's v0.9+ shape: blob
    /// <c>&lt;type&gt;/&lt;name&gt;</c> with index tags <c>type</c> plus <c>installation</c>, <c>claim-id</c> or <c>result-id</c>. Each change
    /// set is first written whole to a journal blob under <c>.porterstorage/journal/</c> (the commit point), then applied:
    /// tagged writes, then deletions of legacy blobs, then the journal is removed; a later run replays what is left.
    /// The lock is a 15-second blob lease renewed while the run lives, so a killed run never blocks for long.
    /// </summary>
    public sealed class AzureBlobMigrationStore : ReaderBackedStore, IMigrationStore
    {
        private const string JournalPrefix = ".porterstorage/journal/";
        private const string LockBlob = ".porterstorage/lock";

        private readonly PorterAzureStorage _storage;
        private readonly BlobContainerClient _container;
        private readonly string _logFolder;

        /// <summary>Installation -> its current-layout claim blobs, listed once per run and kept up to date by this store's writes.</summary>
        private Dictionary<string, List<string>>? _claimsByInstallation;

        private LeaseHandle? _lease;

        /// <summary>Cancels every request the store makes (Ctrl+C): a stalled or throttled request never holds the run.</summary>
        private readonly CancellationToken _cancel;

        public AzureBlobMigrationStore(PorterAzureStorage storage, string logFolder, CancellationToken cancel = default)
            : base(new AzureBlobPorterStore(storage))
        {
            _cancel = cancel;
            _storage = storage;
            _container = storage.CreateContainerClient();
            _logFolder = logFolder;
        }

        public PorterAzureStorage Storage => _storage;

        /// <summary>The local folder the migration log is written to.</summary>
        public string LogFolder => _logFolder;

        public string FullName(string path) => Location + "/" + path;

        public string BackupKind => BackupKinds.Container;

        /// <inheritdoc />
        public IStoreCopy CopyTo(object destination) => StoreCopies.To<PorterAzureStorage>(destination, container =>
        {
            string location = container.ContainerUri.ToString();
            return new StoreCopy(location, path => location + "/" + path, (onItemError, cancel) => CopyInto(container, location, onItemError, cancel), container.Counter);
        });

        /// <summary>A verified server-side copy in another container or account; the copy's migration log goes where this store's does.</summary>
        private IMigrationStore CopyInto(PorterAzureStorage destination, string location, Action<PorterStorageException> onItemError, CancellationToken cancel)
        {
            PorterContainerCopyResult copy = ContainerCopy.Run(_storage, destination, ContainerCopy.DefaultConcurrency, false, e =>
            {
                if (e.Error != null)
                {
                    onItemError(e.Error);
                }
            }, cancel);
            // A lagging index does not stop the migration: it reads the copy by List, which agrees blob by blob.
            if (copy.Failed > 0 || copy.Mismatches.Count > 0)
            {
                throw new PorterStorageException(ErrorIds.BlobVerificationFailed, PorterErrorKind.InvalidData, location,
                    $"The copy to '{location}' did not verify ({copy.Failed} failed, {copy.Mismatches.Count} mismatched); nothing was migrated.");
            }
            return new AzureBlobMigrationStore(destination, _logFolder, cancel);
        }

        public RequestCounter? Requests => _storage.Counter;

        public string SchemaPath => ItemTypes.SchemaName;

        public string SetPath(string itemType, string name) => itemType + "/" + name;

        public IReadOnlyList<StoreEntry> Entries(string itemType)
        {
            var entries = new List<StoreEntry>();
            var groups = new SortedSet<string>(StringComparer.Ordinal);
            foreach (BlobItem b in Blobs(itemType + "/"))
            {
                string name = b.Name.Substring(itemType.Length + 1);
                if (itemType == ItemTypes.Claims)
                {
                    // A current claim is tagged with its installation; one whose tags were lost still says so in its JSON.
                    // Current claims are named by their ULID; anything else is a legacy document and needs no look inside.
                    string? inst = b.Tags != null && b.Tags.TryGetValue(PorterBlobTags.Installation, out string? tagged) ? tagged
                        : UlidGenerator.IsValid(name) ? CurrentClaimInstallation(b.Name) : null;
                    if (inst != null)
                    {
                        groups.Add(inst);
                        continue;
                    }
                }
                entries.Add(new StoreEntry(name, b.Name, false, false, name, isDocument: true));
            }
            entries.AddRange(groups.Select(g => new StoreEntry(g, ItemTypes.Claims + "/" + g, true, false, g)));
            return entries.OrderBy(e => e.ItemName, StringComparer.Ordinal).ToList();
        }

        /// <summary>The installation of a current-layout claim document (it has an id and an installation), else null (a legacy document).</summary>
        private string? CurrentClaimInstallation(string blob)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(_container.GetBlobClient(blob).DownloadContent(_cancel).Value.Content.ToMemory(), GoJson.DocumentOptions);
                JsonElement root = doc.RootElement;
                return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String
                       && root.TryGetProperty("installation", out JsonElement i) && i.ValueKind == JsonValueKind.String
                    ? i.GetString()
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        public byte[] ReadFile(string path)
        {
            try
            {
                BlobClient blob = _container.GetBlobClient(path);
                long length = blob.GetProperties(cancellationToken: _cancel).Value.ContentLength;
                if (length > LegacyClaim.MaxDocumentBytes)
                {
                    throw new PorterStorageException(ErrorIds.DocumentTooLarge, PorterErrorKind.InvalidData, FullName(path),
                        $"'{FullName(path)}' is {length} bytes, larger than any Porter document; it is left in place.");
                }
                return blob.DownloadContent(_cancel).Value.Content.ToArray();
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, FullName(path), "Reading the blob");
            }
        }

        public DateTime ModifiedUtc(string path) => _container.GetBlobClient(path).GetProperties(cancellationToken: _cancel).Value.LastModified.UtcDateTime;

        public bool Exists(string path) => _container.GetBlobClient(path).Exists(_cancel).Value;

        public IEnumerable<byte[]> CurrentClaims(string installation)
        {
            if (!ClaimIndex().TryGetValue(installation, out List<string>? blobs))
            {
                return Array.Empty<byte[]>();
            }
            return blobs.Select(blob => _container.GetBlobClient(blob).DownloadContent(_cancel).Value.Content.ToArray()).ToList();
        }

        private Dictionary<string, List<string>> ClaimIndex()
        {
            if (_claimsByInstallation == null)
            {
                var index = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (BlobItem b in Blobs(ItemTypes.Claims + "/"))
                {
                    if (b.Tags != null && b.Tags.TryGetValue(PorterBlobTags.Installation, out string? i))
                    {
                        AddClaim(index, i, b.Name);
                    }
                }
                _claimsByInstallation = index;
            }
            return _claimsByInstallation;
        }

        private static void AddClaim(Dictionary<string, List<string>> index, string installation, string blob)
        {
            if (!index.TryGetValue(installation, out List<string>? blobs))
            {
                index[installation] = blobs = new List<string>();
            }
            blobs.Add(blob);
        }

        public IDisposable Lock()
        {
            try
            {
                ContainerChecks.EnsureExists(_container, Location, _cancel);
                BlobClient blob = _container.GetBlobClient(LockBlob);
                if (!blob.Exists(_cancel).Value)
                {
                    try
                    {
                        blob.Upload(BinaryData.FromString("PorterStorage migration lock"), overwrite: false, _cancel);
                    }
                    catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
                    {
                        // Another run created it first; the lease decides.
                    }
                }
                BlobLeaseClient lease = blob.GetBlobLeaseClient();
                lease.Acquire(TimeSpan.FromSeconds(15), cancellationToken: _cancel);
                _lease = new LeaseHandle(lease);
                return _lease;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                throw new PorterStorageException(ErrorIds.MigrationInProgress, PorterErrorKind.ResourceBusy, Location,
                    $"Another migration of '{Location}' holds the lease on '{LockBlob}' (a killed run's lease expires within 15 s).", ex);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, Location, "Taking the migration lock");
            }
        }

        public IReadOnlyList<string> PendingJournals() =>
            Blobs(JournalPrefix).Select(b => b.Name.Substring(JournalPrefix.Length)).OrderBy(n => n, StringComparer.Ordinal).ToList();

        public IReadOnlyList<RecoveredChange> Recover() => PendingJournals().Select(id => new RecoveredChange(Replay(id), null, null)).ToList();

        public void Apply(ChangeSet changes)
        {
            List<BlobWrite> writes = changes.Writes.Select(d => new BlobWrite(BlobName(d), Tags(d), d.Content)).ToList();
            ApplyCommitted(Commit(changes.Description, writes, changes.Deletes), changes.Description, writes, changes.Deletes);
        }

        /// <summary>Writes the journal blob holding every document of the change set: the commit point. Returns its id.</summary>
        internal string Commit(ChangeSet changes) =>
            Commit(changes.Description, changes.Writes.Select(d => new BlobWrite(BlobName(d), Tags(d), d.Content)).ToList(), changes.Deletes);

        private string Commit(string description, IReadOnlyList<BlobWrite> writes, IReadOnlyList<string> deletes)
        {
            if (_lease != null && _lease.Lost)
            {
                throw new PorterStorageException(ErrorIds.MigrationLockLost, PorterErrorKind.ResourceBusy, Location + "/" + LockBlob,
                    $"The lease on '{Location}/{LockBlob}' could not be renewed, so another run may hold it now; {description} and what follows were not started. Run the migration again: what was committed is finished and nothing is migrated twice.");
            }
            string id = DateTime.UtcNow.ToString("yyyyMMddHHmmssfffffff", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            var w = new GoJsonWriter(indented: false).StartObject().Property("description", description).Name("writes").StartArray();
            foreach (BlobWrite write in writes)
            {
                w.StartObject().Property("blob", write.Blob).Name("tags").StartObject();
                foreach (KeyValuePair<string, string> tag in write.Tags)
                {
                    w.Property(tag.Key, tag.Value);
                }
                w.EndObject().Property("content", Convert.ToBase64String(write.Content)).EndObject();
            }
            w.EndArray().Name("deletes").StartArray();
            foreach (string d in deletes)
            {
                w.String(d);
            }
            w.EndArray().EndObject();
            try
            {
                _container.GetBlobClient(JournalPrefix + id).Upload(BinaryData.FromBytes(w.ToUtf8()), overwrite: false, _cancel);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                PorterStorageException named = AzureErrors.Translate(ex, Location, "Committing " + description);
                throw new PorterStorageException(ErrorIds.MigrationWriteError, named.Kind, Location,
                    $"The changes for {description} could not be committed: {named.Message} Nothing of them was applied.", ex);
            }
            return id;
        }

        private string Replay(string id)
        {
            string description = id;
            try
            {
                using JsonDocument doc = JsonDocument.Parse(_container.GetBlobClient(JournalPrefix + id).DownloadContent(_cancel).Value.Content.ToMemory());
                description = doc.RootElement.GetProperty("description").GetString()!;
                List<BlobWrite> writes = doc.RootElement.GetProperty("writes").EnumerateArray().Select(w => new BlobWrite(
                    w.GetProperty("blob").GetString()!,
                    w.GetProperty("tags").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                    Convert.FromBase64String(w.GetProperty("content").GetString()!))).ToList();
                var deletes = doc.RootElement.GetProperty("deletes").EnumerateArray().Select(d => d.GetString()!).ToList();
                _claimsByInstallation = null; // the replay may add claims the index has not seen
                ApplyCommitted(id, description, writes, deletes);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw Incomplete(description, ex);
            }
            return description;
        }

        /// <summary>Uploads every write with its tags, deletes, then removes the journal blob; each step may be repeated safely.</summary>
        private void ApplyCommitted(string id, string description, IEnumerable<BlobWrite> writes, IEnumerable<string> deletes)
        {
            try
            {
                foreach (BlobWrite write in writes)
                {
                    _container.GetBlobClient(write.Blob).Upload(BinaryData.FromBytes(write.Content),
                        new BlobUploadOptions { Tags = write.Tags.Count > 0 ? write.Tags.ToDictionary(t => t.Key, t => t.Value) : null }, _cancel);
                    if (_claimsByInstallation != null && write.Tags.TryGetValue(PorterBlobTags.Installation, out string? installation))
                    {
                        AddClaim(_claimsByInstallation, installation, write.Blob);
                    }
                }
                foreach (string delete in deletes)
                {
                    _container.GetBlobClient(delete).DeleteIfExists(cancellationToken: _cancel);
                }
                _container.GetBlobClient(JournalPrefix + id).DeleteIfExists(cancellationToken: _cancel);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw Incomplete(description, ex);
            }
        }

        private PorterStorageException Incomplete(string description, Exception ex)
        {
            PorterStorageException named = AzureErrors.Translate(ex, Location, "Applying " + description);
            return new PorterStorageException(ErrorIds.MigrationWriteError, named.Kind, Location,
                $"The committed changes for {description} could not be completed: {named.Message} The next run completes them.", ex);
        }

        public void WriteSchema(byte[] content)
        {
            try
            {
                _container.GetBlobClient(ItemTypes.SchemaName).Upload(BinaryData.FromBytes(content), overwrite: true, _cancel);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, FullName(ItemTypes.SchemaName), "Writing the schema blob");
            }
        }

        /// <summary>Blobs whose index tags differ from what the plugin would have set (rebuilt from names and content).</summary>
        public IReadOnlyList<string> ItemsToRepair(CancellationToken cancel) => TagRepair.Plan(_storage, cancel, out _).Select(c => c.Blob).ToList();

        public string RepairReason(int count) => $"{count} blob(s) lack the index tags Porter lists them by; their tags are rebuilt from names and content";

        public string Repair(CancellationToken cancel)
        {
            PorterStorageException? first = null;
            PorterTagRepairResult result = TagRepair.Run(_storage, _ => true, e => first = first ?? e, cancel);
            if (first != null)
            {
                // Every blob was tried; the repair step fails on the first that could not be retagged, and a rerun retries it.
                throw first;
            }
            return $"Rebuilt the index tags of {result.Repaired} blob(s)";
        }

        public MigrationLog CreateLog(DateTime localNow)
        {
            IO.FileSystemExtras.CreatePrivateDirectory(_logFolder);
            return MigrationLog.Create(_logFolder, localNow);
        }


        /// <summary>The plugin's blob name of a document: <c>&lt;type&gt;/&lt;name&gt;</c>, or the bare name for the root type.</summary>
        public StoreNameLimits NameLimits => StoreNameLimits.Blob;

        public string StorePath(StoredDocument document) => BlobName(document);

        public static string BlobName(StoredDocument doc) => doc.ItemType.Length == 0 ? doc.Name : doc.ItemType + "/" + doc.Name;

        /// <summary>The plugin's index tags of a document: <c>type</c> and, for grouped types, the group tag.</summary>
        public static IReadOnlyDictionary<string, string> Tags(StoredDocument doc) => PorterBlobTags.For(doc.ItemType, doc.Group);

        private List<BlobItem> Blobs(string prefix)
        {
            try
            {
                return _container.GetBlobs(BlobTraits.Tags, BlobStates.None, prefix, _cancel).ToList();
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, Location, "Listing the blobs");
            }
        }

        /// <summary>One blob a change set writes: its name, the plugin's tags and the content.</summary>
        private sealed class BlobWrite
        {
            public BlobWrite(string blob, IReadOnlyDictionary<string, string> tags, byte[] content)
            {
                Blob = blob;
                Tags = tags;
                Content = content;
            }

            public string Blob { get; }

            public IReadOnlyDictionary<string, string> Tags { get; }

            public byte[] Content { get; }
        }

        /// <summary>
        /// Holds the 15-second lease on the lock blob, renewed every 5 s on a timer. A renewal never throws on the timer's
        /// thread (that would end the process); a lease that could not be renewed for its whole duration, or that the service
        /// says is no longer ours, counts as lost, and the store then refuses to commit another change set.
        /// </summary>
        /// <summary>Test seam: renews the migration lease at once instead of waiting for the timer's next renewal.</summary>
        internal void RenewLeaseNow() => _lease?.RenewNow();

        private sealed class LeaseHandle : IDisposable
        {
            private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);
            private readonly BlobLeaseClient _lease;
            private readonly Timer _renew;
            private readonly System.Diagnostics.Stopwatch _sinceRenewed = System.Diagnostics.Stopwatch.StartNew();
            private int _renewing;
            private volatile bool _taken;
            private volatile bool _disposed;

            public LeaseHandle(BlobLeaseClient lease)
            {
                _lease = lease;
                _renew = new Timer(_ => _ = Renew(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
            }

            /// <summary>True once the lease may have passed to another run: never renewed for its duration, or refused.</summary>
            public bool Lost => !_disposed && (_taken || _sinceRenewed.Elapsed >= Duration - TimeSpan.FromSeconds(1));

            /// <summary>Renews the lease now, on this thread, after any renewal the timer has under way (tests).</summary>
            public void RenewNow()
            {
                while (!Renew())
                {
                    Thread.Sleep(10);
                }
            }

            /// <summary>One renewal; false when another is still under way (and this one did nothing).</summary>
            private bool Renew()
            {
                if (Interlocked.Exchange(ref _renewing, 1) == 1)
                {
                    return false; // the previous renewal is still waiting for the service
                }
                try
                {
                    using (var timeout = new CancellationTokenSource(Duration))
                    {
                        _lease.Renew(cancellationToken: timeout.Token);
                    }
                    _sinceRenewed.Restart();
                }
                catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
                {
                    _taken = true; // expired and taken, or broken: no longer ours
                }
#pragma warning disable CA1031 // A timer callback must not throw: the failure is reported through Lost.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
                finally
                {
                    Interlocked.Exchange(ref _renewing, 0);
                }
                return true;
            }

            public void Dispose()
            {
                _disposed = true;
                _renew.Dispose();
                try
                {
                    // Bounded: a stalled endpoint never holds the end of a run; an unreleased lease expires within 15 s.
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    _lease.Release(cancellationToken: timeout.Token);
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex) || ex is OperationCanceledException)
                {
                }
            }
        }
    }
}
