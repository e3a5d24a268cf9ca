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

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// The azure.blob plugin's container as a migration store. Documents are written in the plugin's v0.9+ shape: blob
    /// <c>&lt;type&gt;/&lt;name&gt;</c> with index tags <c>type</c> plus <c>installation</c>, <c>claim-id</c> or <c>result-id</c>. For
    /// <see cref="ChangeJournal"/>, each change set is first written whole to a journal blob under <c>.porterstorage/journal/</c>
    /// (the commit point, the record with every document's content and tags), then applied: tagged writes, then deletions of
    /// legacy blobs, then the journal blob is removed; a later run replays what is left. The lock is a 15-second blob lease
    /// that <see cref="StoreLock"/> renews while the run lives, so a killed run never blocks for long.
    /// </summary>
    public sealed partial class AzureBlobMigrationStore : IMigrationStore, IBackupSource
    {
        private readonly BlobJournal _journal;

        private readonly BlobChangeSteps _steps;

        private readonly PorterAzureContainer _storage;
        private readonly BlobContainerClient _container;
        private readonly string? _logFolder;

        /// <summary>Installation -> its current-layout claim blobs, listed once per run and kept up to date by this store's writes.</summary>
        private Dictionary<string, List<string>>? _claimsByInstallation;

        /// <summary>The blobs this store wrote in this run, with the tags it derived from their content (the tag repair need not read them again).</summary>
        private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _written = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);

        /// <summary>Each document's ETag as this run first read it: what a change that removes or replaces it must still find.</summary>
        private readonly ReadVersions _versions = new ReadVersions();

        /// <summary>Guards what this store knows of its blobs while several writes are put in place at once.</summary>
        private readonly object _placing = new object();

        /// <summary>Documents read while planning, and the ETags listed since.</summary>
        private readonly BlobReadCache _cache = new BlobReadCache();

        /// <summary>The documents of the last listing of a data folder, read ahead for the plan.</summary>
        private DocumentReadAhead? _readAhead;

        /// <summary>The blob names of each type <see cref="Existing"/> was asked about, listed once per run and tracked through this store's writes.</summary>
        private readonly Dictionary<string, HashSet<string>> _known = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);

        /// <summary>The tag repairs the last <see cref="ItemsToRepair"/> planned, by blob.</summary>
        private Dictionary<string, BlobTagChange>? _repairs;

        /// <summary>Cancels every request the store makes (Ctrl+C): a stalled or throttled request never holds the run.</summary>
        private readonly CancellationToken _cancel;

        /// <summary>The container as a store to read and check; a migration of it opens it with a log folder.</summary>
        public AzureBlobMigrationStore(PorterAzureContainer storage)
            : this(storage, null)
        {
        }

        /// <summary>The container as a store to migrate, its migration log written to <paramref name="logFolder"/> (null: opened to be read only).</summary>
        public AzureBlobMigrationStore(PorterAzureContainer storage, string? logFolder, CancellationToken cancel = default)
        {
            _cancel = cancel;
            _storage = storage;
            _container = storage.CreateContainerClient();
            _logFolder = logFolder;
            _steps = new BlobChangeSteps(_container, Location, Stepped, cancel);
            _journal = new BlobJournal(_container, Location, Blobs, blob => Delete(blob, null), cancel);
        }

        public PorterAzureContainer Storage => _storage;

        /// <summary>The local folder the migration log is written to.</summary>
        public string? LogFolder => _logFolder;

        public string FullName(string path) => Location + "/" + path;

        public string BackupKind => BackupKinds.Container;

        string IBackupSource.BackupTarget => Location;

        string IBackupSource.ManifestKind => BackupKinds.ContainerManifest;

        BackupContent IBackupSource.ListForBackup(CancellationToken cancel) => ContainerBackup.ListForBackup(_storage, cancel);

        /// <inheritdoc />
        public IStoreCopy CopyTo(object destination) => StoreCopies.To<PorterAzureStorage>(destination, given =>
        {
            // A table given as the destination is named as such (AzureStoreKindMismatch), before anything is copied.
            PorterAzureContainer container = AzureReferences.Container(given, "the migration of a container into -Destination");
            string location = container.ContainerUri.ToString();
            return new StoreCopy(location, path => location + "/" + path, (onItemError, cancel) => CopyInto(container, location, onItemError, cancel), container.Counter);
        });

        /// <summary>A verified server-side copy in another container or account; the copy's migration log goes where this store's does.</summary>
        private IMigrationStore CopyInto(PorterAzureContainer destination, string location, Action<PorterStorageException> onItemError, CancellationToken cancel)
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

        public IRequestCounter? Requests => _storage.Counter;

        public string SchemaPath => ItemTypes.SchemaName;

        public string SetPath(string itemType, string name) => itemType + "/" + name;

        public IReadOnlyList<StoreEntry> Entries(string itemType)
        {
            var entries = new List<StoreEntry>();
            var documents = new List<BlobItem>();
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
                documents.Add(b);
            }
            entries.AddRange(groups.Select(g => new StoreEntry(g, ItemTypes.Claims + "/" + g, true, false, g)));
            List<StoreEntry> sorted = entries.OrderBy(e => e.ItemName, StringComparer.Ordinal).ToList();
            // The plan reads these documents next, in this order: read them ahead, except those read before and unchanged since.
            var byName = documents.ToDictionary(d => d.Name, StringComparer.Ordinal);
            _readAhead = new DocumentReadAhead(_container, sorted.Where(e => e.IsDocument && byName.ContainsKey(e.RelativePath) && !_cache.IsUnchanged(e.RelativePath))
                .Select(e => byName[e.RelativePath]), _cancel);
            return sorted;
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
            if (_cache.TryTakeUnchanged(path, out byte[] cached, out ETag cachedTag))
            {
                // Listed again since it was read, and unchanged (the same ETag): the content read before is the blob's content.
                Read(path, cachedTag);
                return cached;
            }
            if (_readAhead == null || !_readAhead.TryTake(path, out byte[] content, out ETag etag))
            {
                content = BlobReadCache.Download(_container, path, FullName(path), _cancel, out etag);
            }
            _cache.Keep(path, etag, content);
            Read(path, etag);
            return content;
        }

        /// <summary>Records the version of a document the first time this run reads it (an empty blob's unknown ETag records nothing).</summary>
        private void Read(string path, ETag etag) => _versions.FirstRead(path, etag.ToString().Trim('"').Length > 0 ? etag.ToString() : string.Empty);

        /// <inheritdoc />
        public string? VersionOf(string path) => _versions.VersionOf(path);

        public IReadOnlyList<string> RunWarnings() => Array.Empty<string>();

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

        /// <summary>Takes a 15-second lease on <c>.porterstorage/lock</c> (created when missing); <see cref="StoreLock"/> renews it while the run lives.</summary>
        public IStoreLease AcquireLock()
        {
            CheckAccount();
            return BlobLease.Acquire(_container, Location, _cancel);
        }

        /// <summary>
        /// Before the first read of a plan and the first write (the lock blob): the account must hold index tags, and no document of Porter's may be in the Archive
        /// tier (one listing of the container, its tiers only), so a run that could not finish does not start.
        /// </summary>
        private void CheckAccount()
        {
            // A container that does not exist yet has nothing to check until the run creates it.
            _accountChecked = _accountChecked || AccountCheck.BeforeMigration(_container, Location, _cancel);
        }

        /// <summary>Whether <see cref="CheckAccount"/> passed in this run.</summary>
        private bool _accountChecked;

        /// <inheritdoc cref="BlobJournal.Committed"/>
        public IReadOnlyList<string> Committed() => _journal.Committed();

        /// <summary>A committed record; a journal blob that cannot be read as records cannot be finished, and stops the run until it is looked at.</summary>
        public JournalRecord ReadCommitted(string id)
        {
            JournalRecord record = _journal.ReadCommitted(id);
            _claimsByInstallation = null; // the replay may add claims the index has not seen
            return record;
        }

        /// <inheritdoc cref="BlobJournal.Commit"/>
        public IReadOnlyList<JournalRecord> Commit(IReadOnlyList<JournalRecord> records, IReadOnlyList<IReadOnlyList<StoredDocument>> writes) =>
            _journal.Commit(records, writes.Select(w => (IReadOnlyList<JournalContent>)w.Select(d => new JournalContent(Tags(d), d.Content)).ToList()).ToList());

        /// <inheritdoc cref="BlobJournal.Finish"/>
        public void Finish(JournalRecord record, string? rolledBackBy) => _journal.Finish(record, rolledBackBy);

        /// <summary>The run begins: what it reads from now on is what its changes must still find.</summary>
        public void Recovered()
        {
            _versions.Clear();
        }

        /// <summary>
        /// Which targets exist, without a request per write: claims, results and outputs are named by new ULIDs and never exist;
        /// the blobs of any other type are listed once per run (under the lock nothing else writes) and kept up to date by this store.
        /// </summary>
        public IReadOnlyList<int>? Existing(IReadOnlyList<string> paths)
        {
            var existing = new List<int>();
            for (int i = 0; i < paths.Count; i++)
            {
                string type = ItemTypes.OfPath(paths[i]);
                if (ItemTypes.IsGrouped(type))
                {
                    continue;
                }
                if (Known(type).Contains(paths[i]))
                {
                    existing.Add(i);
                }
            }
            return existing;
        }

        /// <summary>The names of a type's blobs (the root type: blobs without a folder), listed once and kept up to date.</summary>
        private HashSet<string> Known(string type)
        {
            if (!_known.TryGetValue(type, out HashSet<string>? names))
            {
                IEnumerable<string> listed = type.Length == 0
                    ? Blobs(string.Empty).Select(b => b.Name).Where(n => n.IndexOf('/') < 0)
                    : Blobs(type + "/").Select(b => b.Name);
                _known[type] = names = new HashSet<string>(listed, StringComparer.Ordinal);
            }
            return names;
        }

        /// <summary>
        /// What this store knows of a blob it has just written or removed: whether it exists, the index tags it was written with
        /// (null: none the tag repair may trust), and that a content read or listed before is out of date.
        /// </summary>
        private void Changed(string blob, bool exists, IReadOnlyDictionary<string, string>? tags = null)
        {
            if (_known.TryGetValue(ItemTypes.OfPath(blob), out HashSet<string>? names))
            {
                if (exists)
                {
                    names.Add(blob);
                }
                else
                {
                    names.Remove(blob);
                }
            }
            if (tags != null)
            {
                _written[blob] = tags;
            }
            else
            {
                _written.Remove(blob);
            }
            _cache.Forget(blob);
            _versions.Forget(blob);
        }

        /// <summary>Each write or deletion is a round trip: as many at once as azcopy would send hide the latency.</summary>
        public int PlaceConcurrency => AzureConcurrency.Default;

        /// <inheritdoc cref="BlobChangeSteps.Place"/>
        public void Place(JournalRecord record, int index) => _steps.Place(record, index);

        /// <inheritdoc cref="BlobChangeSteps.Unplace"/>
        public void Unplace(JournalRecord record, int index) => _steps.Unplace(record, index);

        /// <summary>False: the content is held in the journal blob, never apart, and a write may have landed.</summary>
        public bool Discard(JournalRecord record, int index) => false;

        /// <inheritdoc cref="BlobChangeSteps.Move"/>
        public void Move(string from, string to, bool overwrite, string? expected) => _steps.Move(from, to, overwrite, expected);

        /// <inheritdoc cref="BlobChangeSteps.Delete"/>
        public void Delete(string path, string? expected) => _steps.Delete(path, expected);

        /// <summary>What this store knows of a blob a step has just written (with the tags it was written with) or removed (null tags, not there).</summary>
        private void Stepped(string blob, bool exists, IReadOnlyDictionary<string, string>? tags)
        {
            lock (_placing)
            {
                Changed(blob, exists, tags);
                if (exists && tags != null && _claimsByInstallation != null && tags.TryGetValue(PorterBlobTags.Installation, out string? installation))
                {
                    AddClaim(_claimsByInstallation, installation, blob);
                }
            }
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
        public IReadOnlyList<string> ItemsToRepair(CancellationToken cancel)
        {
            List<BlobTagChange> plan = TagRepair.Plan(_storage, _written, cancel, out _);
            _repairs = plan.ToDictionary(c => c.Blob, StringComparer.Ordinal);
            return plan.Select(c => c.Blob).ToList();
        }

        public string RepairReason(int count) => $"{count} blob(s) lack the index tags Porter lists them by; their tags are rebuilt from names and content";

        /// <summary>Sets the tags the last <see cref="ItemsToRepair"/> planned for the blob.</summary>
        public void RepairItem(string item, CancellationToken cancel)
        {
            if (_repairs == null || !_repairs.TryGetValue(item, out BlobTagChange? change))
            {
                throw new InvalidOperationException($"No tag repair is planned for '{item}'.");
            }
            TagRepair.Apply(_container, change, cancel);
        }

        public string RepairSummary(int count) => $"Rebuilt the index tags of {count} blob(s)";

        public MigrationLog CreateLog(DateTime localNow)
        {
            string folder = _logFolder ?? throw new InvalidOperationException($"The store of '{Location}' was opened to be read; a migration opens it with its log folder.");
            FileSystemExtras.CreatePrivateDirectory(folder);
            return MigrationLog.Create(folder, localNow);
        }


        /// <summary>The plugin's blob name of a document: <c>&lt;type&gt;/&lt;name&gt;</c>, or the bare name for the root type.</summary>
        public StoreNameLimits NameLimits => StoreNameLimits.Blob;

        public string StorePath(StoredDocument document) => BlobName(document);

        public static string BlobName(StoredDocument doc) => doc.ItemType.Length == 0 ? doc.Name : doc.ItemType + "/" + doc.Name;

        /// <summary>The plugin's index tags of a document: <c>type</c> and, for grouped types, the group tag.</summary>
        public static IReadOnlyDictionary<string, string> Tags(StoredDocument doc) => PorterBlobTags.For(doc.ItemType, doc.Group);

        private List<BlobItem> Blobs(string prefix)
        {
            // The first listing of a run (its plan reads before it writes) knows the account first.
            CheckAccount();
            try
            {
                List<BlobItem> blobs = _container.GetBlobs(BlobTraits.Tags, BlobStates.None, prefix, _cancel).ToList();
                _cache.Saw(blobs);
                return blobs;
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, Location, "Listing the blobs");
            }
        }
    }
}
