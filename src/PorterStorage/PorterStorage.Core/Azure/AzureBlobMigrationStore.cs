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
    /// <c>&lt;type&gt;/&lt;name&gt;</c> with index tags <c>type</c> plus <c>installation</c>, <c>claim-id</c> or <c>result-id</c>. For
    /// <see cref="ChangeJournal"/>, each change set is first written whole to a journal blob under <c>.porterstorage/journal/</c>
    /// (the commit point, the record with every document's content and tags), then applied: tagged writes, then deletions of
    /// legacy blobs, then the journal blob is removed; a later run replays what is left. The lock is a 15-second blob lease
    /// that <see cref="StoreLock"/> renews while the run lives, so a killed run never blocks for long.
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

        /// <summary>The blobs this store wrote in this run, with the tags it derived from their content (the tag repair need not read them again).</summary>
        private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _written = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);

        /// <summary>
        /// Documents read while planning, kept (up to <see cref="MaxCachedBytes"/>) so that the run's own planning, which lists the store
        /// again under the lock, need not read a blob whose listing shows it unchanged: the plan confirmed and the run then read each
        /// legacy document once between them.
        /// </summary>
        private readonly Dictionary<string, CachedRead> _reads = new Dictionary<string, CachedRead>(StringComparer.Ordinal);

        /// <summary>Each document's ETag as this run first read it: what a change that removes or replaces it must still find.</summary>
        private readonly Dictionary<string, string> _versions = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Each blob's ETag as last listed, and when.</summary>
        private readonly Dictionary<string, Listed> _listed = new Dictionary<string, Listed>(StringComparer.Ordinal);

        private const long MaxCachedBytes = 64L * 1024 * 1024;

        /// <summary>The journal blobs of this run and of the interrupted one, each with its records not yet finished.</summary>
        private readonly Dictionary<string, List<JournalRecord>> _batches = new Dictionary<string, List<JournalRecord>>(StringComparer.Ordinal);

        /// <summary>The journal blob of each open record.</summary>
        private readonly Dictionary<string, string> _blobOf = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>What the last <see cref="Committed"/> found, by id: the blob and its record (null: the blob is not a journal of this module's).</summary>
        private readonly Dictionary<string, (string Blob, JournalRecord? Record)> _pending = new Dictionary<string, (string, JournalRecord?)>(StringComparer.Ordinal);

        /// <summary>Guards what this store knows of its blobs while several writes are put in place at once.</summary>
        private readonly object _placing = new object();

        /// <summary>The documents of the last listing of a data folder, read ahead for the plan.</summary>
        private DocumentReadAhead? _readAhead;
        private long _cachedBytes;
        private long _sequence;

        private sealed class CachedRead
        {
            public CachedRead(ETag etag, long read, byte[] content)
            {
                ETag = etag;
                Read = read;
                Content = content;
            }

            public ETag ETag { get; }

            public long Read { get; }

            public byte[] Content { get; }
        }

        private sealed class Listed
        {
            public Listed(ETag etag, long seen)
            {
                ETag = etag;
                Seen = seen;
            }

            public ETag ETag { get; }

            public long Seen { get; }
        }

        /// <summary>The blob names of each type <see cref="Existing"/> was asked about, listed once per run and tracked through this store's writes.</summary>
        private readonly Dictionary<string, HashSet<string>> _known = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);

        /// <summary>The tag repairs the last <see cref="ItemsToRepair"/> planned, by blob.</summary>
        private Dictionary<string, BlobTagChange>? _repairs;

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
            _readAhead = new DocumentReadAhead(_container, sorted.Where(e => e.IsDocument && byName.ContainsKey(e.RelativePath) && !Unchanged(e.RelativePath))
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
            if (Unchanged(path))
            {
                // Listed again since it was read, and unchanged (the same ETag): the content read before is the blob's content.
                CachedRead cached = _reads[path];
                Forget(path);
                Read(path, cached.ETag);
                return cached.Content;
            }
            if (_readAhead == null || !_readAhead.TryTake(path, out byte[] content, out ETag etag))
            {
                content = Download(path, out etag);
            }
            Forget(path);
            Read(path, etag);
            if (_cachedBytes + content.Length <= MaxCachedBytes)
            {
                _reads[path] = new CachedRead(etag, ++_sequence, content);
                _cachedBytes += content.Length;
            }
            return content;
        }

        /// <summary>Records the version of a document the first time this run reads it (an empty blob's unknown ETag records nothing).</summary>
        private void Read(string path, ETag etag)
        {
            string version = etag.ToString();
            lock (_placing)
            {
                if (version.Trim('"').Length > 0 && !_versions.ContainsKey(path))
                {
                    _versions[path] = version;
                }
            }
        }

        /// <inheritdoc />
        public string? VersionOf(string path)
        {
            lock (_placing)
            {
                return _versions.TryGetValue(path, out string? version) ? version : null;
            }
        }

        public IReadOnlyList<string> RunWarnings() => Array.Empty<string>();

        /// <summary>True when the blob was read, then listed again with the same ETag.</summary>
        private bool Unchanged(string path) =>
            _reads.TryGetValue(path, out CachedRead? cached) && _listed.TryGetValue(path, out Listed? listed)
            && listed.Seen > cached.Read && SameETag(listed.ETag, cached.ETag);

        /// <summary>One ETag as a listing and as a download's headers give it (a listing may leave out the quotes); an empty one is never equal.</summary>
        private static bool SameETag(ETag a, ETag b)
        {
            string x = a.ToString().Trim('"'), y = b.ToString().Trim('"');
            return x.Length > 0 && string.Equals(x, y, StringComparison.Ordinal);
        }

        /// <summary>Drops what is known of a blob's content (it was written, deleted or moved, or its cached copy was used).</summary>
        private void Forget(string path)
        {
            if (_reads.TryGetValue(path, out CachedRead? cached))
            {
                _cachedBytes -= cached.Content.Length;
                _reads.Remove(path);
            }
        }

        private byte[] Download(string path, out ETag etag)
        {
            try
            {
                // One request: at most one byte more than any Porter document is read, and the answer says how long the blob is.
                BlobClient blob = _container.GetBlobClient(path);
                BlobDownloadResult download;
                try
                {
                    download = blob.DownloadContent(new BlobDownloadOptions { Range = new HttpRange(0, LegacyClaim.MaxDocumentBytes + 1) }, _cancel).Value;
                }
                catch (RequestFailedException ex) when (ex.Status == 416)
                {
                    etag = default; // never equal to a listed ETag: an empty blob is read again, which costs nothing
                    return Array.Empty<byte>(); // an empty blob has no byte 0 to start a range at
                }
                long length = download.Details.ContentRange is string range && range.LastIndexOf('/') is int slash && slash > 0
                    && long.TryParse(range.Substring(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long total)
                    ? total
                    : download.Details.ContentLength;
                if (length > LegacyClaim.MaxDocumentBytes)
                {
                    throw new PorterStorageException(ErrorIds.DocumentTooLarge, PorterErrorKind.InvalidData, FullName(path),
                        $"'{FullName(path)}' is {length} bytes, larger than any Porter document; it is left in place.");
                }
                etag = download.Details.ETag;
                return download.Content.ToArray();
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

        /// <summary>Takes a 15-second lease on <c>.porterstorage/lock</c> (created when missing); <see cref="StoreLock"/> renews it while the run lives.</summary>
        public IStoreLease AcquireLock()
        {
            CheckAccount();
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
                lease.Acquire(BlobLease.Length, cancellationToken: _cancel);
                return new BlobLease(lease, FullName(LockBlob));
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

        /// <summary>
        /// Before the first read of a plan and the first write (the lock blob): the account must hold index tags, and no document of Porter's may be in the Archive
        /// tier (one listing of the container, its tiers only), so a run that could not finish does not start.
        /// </summary>
        private void CheckAccount()
        {
            if (_accountChecked)
            {
                return;
            }
            AccountCheck.RequireBlobIndex(_container, Location, "The migration", _cancel);
            List<BlobItem> all;
            try
            {
                all = _container.GetBlobs(BlobTraits.None, BlobStates.None, null, _cancel).ToList();
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return;
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, Location, "Listing the blobs");
            }
            AccountCheck.RefuseArchived(AccountCheck.PorterDocuments(all), Location, "The migration");
            _accountChecked = true;
        }

        /// <summary>Whether <see cref="CheckAccount"/> passed in this run.</summary>
        private bool _accountChecked;

        /// <summary>
        /// The committed records of the journal blobs directly under <c>.porterstorage/journal/</c> (one moved into a folder below it
        /// is set aside), in commit order. A blob that cannot be read as records is reported by its name, and
        /// <see cref="ReadCommitted"/> refuses it.
        /// </summary>
        public IReadOnlyList<string> Committed()
        {
            var ids = new List<string>();
            _pending.Clear();
            foreach (string name in Blobs(JournalPrefix).Select(b => b.Name.Substring(JournalPrefix.Length)).Where(n => n.IndexOf('/') < 0).OrderBy(n => n, StringComparer.Ordinal))
            {
                string blob = JournalPrefix + name;
                BinaryData content;
                try
                {
                    content = _container.GetBlobClient(blob).DownloadContent(_cancel).Value.Content;
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    throw Write(ex, "Reading the interrupted change " + name);
                }
                List<JournalRecord>? records = ParseJournal(content.ToMemory(), name);
                if (records == null)
                {
                    _pending[name] = (blob, null);
                    ids.Add(name);
                    continue;
                }
                _batches[blob] = new List<JournalRecord>(records);
                foreach (JournalRecord record in records)
                {
                    _pending[record.Id] = (blob, record);
                    _blobOf[record.Id] = blob;
                    ids.Add(record.Id);
                }
            }
            return ids;
        }

        /// <summary>
        /// A journal blob's records: lines of records, or one record (a blob of an earlier build, which may carry no id of its own and
        /// is named by its blob). Null when any of it is not a record this module commits, with the content of each write.
        /// </summary>
        private static List<JournalRecord>? ParseJournal(ReadOnlyMemory<byte> content, string name)
        {
            static bool Whole(JournalRecord? r) => r != null && (r.Contents?.Count ?? 0) == r.Writes.Count;
            if (JournalRecord.TryParse(content, name, out JournalRecord? single, out _) && Whole(single))
            {
                return new List<JournalRecord> { single! };
            }
            var records = new List<JournalRecord>();
            foreach (string line in System.Text.Encoding.UTF8.GetString(content.ToArray()).Split('\n'))
            {
                if (line.Length == 0)
                {
                    continue;
                }
                if (!JournalRecord.TryParse(line, out JournalRecord? record, out _) || !Whole(record))
                {
                    return null;
                }
                records.Add(record!);
            }
            return records.Count == 0 ? null : records;
        }

        /// <summary>A committed record; a journal blob that cannot be read as records cannot be finished, and stops the run until it is looked at.</summary>
        public JournalRecord ReadCommitted(string id)
        {
            if (!_pending.ContainsKey(id))
            {
                Committed();
            }
            if (!_pending.TryGetValue(id, out (string Blob, JournalRecord? Record) found) || found.Record == null)
            {
                string blob = found.Blob ?? JournalPrefix + id;
                throw new PorterStorageException(ErrorIds.StoreReadError, PorterErrorKind.InvalidData, FullName(blob),
                    $"'{FullName(blob)}' is not a change this module committed, so the interrupted run's changes cannot be known and nothing was changed. Look at it, then move it out of '{JournalPrefix}' (to '.porterstorage/aside/', say) to go on.");
            }
            _claimsByInstallation = null; // the replay may add claims the index has not seen
            return found.Record;
        }

        /// <summary>The run begins: what it reads from now on is what its changes must still find.</summary>
        public void Recovered()
        {
            lock (_placing)
            {
                _versions.Clear();
            }
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
            Forget(blob);
            _listed.Remove(blob);
            _versions.Remove(blob);
        }

        /// <summary>
        /// Writes one journal blob holding the records, one line each, with every document of their change sets and its tags: the
        /// commit point of them all. The blob is named by the first record's id, so blobs sort in commit order.
        /// </summary>
        public IReadOnlyList<JournalRecord> Commit(IReadOnlyList<JournalRecord> records, IReadOnlyList<IReadOnlyList<StoredDocument>> writes)
        {
            var held = records.Select((record, r) => record.WithContents(writes[r].Select(d => new JournalContent(Tags(d), d.Content)).ToList())).ToList();
            string blob = JournalPrefix + held[0].Id;
            try
            {
                _container.GetBlobClient(blob).Upload(BinaryData.FromBytes(JournalBlob(held)), overwrite: false, _cancel);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                string description = JournalRecord.Describe(records);
                PorterStorageException named = AzureErrors.Translate(ex, Location, "Committing " + description);
                throw new PorterStorageException(ErrorIds.MigrationWriteError, named.Kind, Location,
                    $"The changes for {description} could not be committed: {named.Message} Nothing of them was applied.", ex);
            }
            _batches[blob] = new List<JournalRecord>(held);
            foreach (JournalRecord record in held)
            {
                _blobOf[record.Id] = blob;
            }
            return held;
        }

        private static byte[] JournalBlob(IReadOnlyList<JournalRecord> records)
        {
            using var ms = new System.IO.MemoryStream();
            foreach (JournalRecord record in records)
            {
                byte[] line = record.ToJson();
                ms.Write(line, 0, line.Length);
                ms.WriteByte((byte)'\n');
            }
            return ms.ToArray();
        }

        /// <summary>Each write or deletion is a round trip: as many at once as azcopy would send hide the latency.</summary>
        public int PlaceConcurrency => AzureConcurrency.Default;

        /// <summary>
        /// Uploads the n-th write with its tags (repeating it is harmless); safe to call for several writes at once. A blob this run
        /// read is replaced only while it has the ETag read (If-Match), and one the commit found missing is only created (If-None-Match):
        /// a blob another process wrote meanwhile is kept, unless it already holds exactly this write (a replay), and the step raises
        /// <c>ItemChangedDuringMigration</c>.
        /// </summary>
        public void Place(JournalRecord record, int index)
        {
            JournalContent write = record.Contents![index];
            string blob = record.Writes[index];
            string? expected = record.ExpectedVersion(blob);
            BlobRequestConditions? conditions = expected != null ? new BlobRequestConditions { IfMatch = new ETag(expected) }
                : record.Replaced != null && !record.Replaced.Contains(index) ? new BlobRequestConditions { IfNoneMatch = ETag.All } : null;
            try
            {
                _container.GetBlobClient(blob).Upload(BinaryData.FromBytes(write.Content),
                    new BlobUploadOptions { Tags = write.Tags.Count > 0 ? write.Tags.ToDictionary(t => t.Key, t => t.Value) : null, Conditions = conditions }, _cancel);
            }
            catch (RequestFailedException ex) when (conditions != null && (ex.Status == 412 || ex.Status == 409) && !Holds(blob, write.Content))
            {
                throw Changed(blob, expected != null ? "replaced" : "created");
            }
            catch (RequestFailedException ex) when (conditions != null && (ex.Status == 412 || ex.Status == 409))
            {
                // This very write landed before an interruption.
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw Write(ex, "Writing " + blob);
            }
            lock (_placing)
            {
                Changed(blob, exists: true, write.Tags);
                if (_claimsByInstallation != null && write.Tags.TryGetValue(PorterBlobTags.Installation, out string? installation))
                {
                    AddClaim(_claimsByInstallation, installation, blob);
                }
            }
        }

        /// <summary>
        /// Removes a write's blob for a roll back only while it holds exactly that write, and only the version read (If-Match): a blob
        /// another writer made or changed is left as it is.
        /// </summary>
        public void Unplace(JournalRecord record, int index)
        {
            string blob = record.Writes[index];
            try
            {
                BlobDownloadResult now = _container.GetBlobClient(blob).DownloadContent(_cancel).Value;
                if (!record.IsWrite(index, now.Content.ToArray()))
                {
                    return;
                }
                _container.GetBlobClient(blob).DeleteIfExists(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = now.Details.ETag }, _cancel);
            }
            catch (RequestFailedException ex) when (ex.Status == 404 || ex.Status == 412)
            {
                return; // gone, or changed since it was read: not this write any more
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw Write(ex, "Deleting " + blob);
            }
            lock (_placing)
            {
                Changed(blob, exists: false);
            }
        }

        /// <summary>False: the content is held in the journal blob, never apart, and a write may have landed.</summary>
        public bool Discard(JournalRecord record, int index) => false;

        /// <summary>
        /// Copies the blob's content to the new name and removes the old one (a rename is a local YAML set's; blobs have no
        /// rename); safe beside other records' writes and deletions.
        /// </summary>
        public void Move(string from, string to, bool overwrite, string? expected)
        {
            try
            {
                BlobDownloadResult read;
                try
                {
                    read = _container.GetBlobClient(from).DownloadContent(new BlobDownloadOptions { Conditions = expected == null ? null : new BlobRequestConditions { IfMatch = new ETag(expected) } }, _cancel).Value;
                }
                catch (RequestFailedException ex) when (expected != null && ex.Status == 412)
                {
                    throw Changed(from, "renamed");
                }
                _container.GetBlobClient(to).Upload(read.Content, overwrite, _cancel);
                _container.GetBlobClient(from).DeleteIfExists(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = read.Details.ETag }, _cancel);
                lock (_placing)
                {
                    Changed(to, exists: true);
                    Changed(from, exists: false);
                }
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw Write(ex, "Moving " + from);
            }
        }

        /// <summary>
        /// Removes a blob if it is there; with <paramref name="expected"/> only while it has that ETag (If-Match), so a blob another
        /// process rewrote after this run read it is kept (<c>ItemChangedDuringMigration</c>).
        /// </summary>
        public void Delete(string path, string? expected)
        {
            try
            {
                try
                {
                    _container.GetBlobClient(path).DeleteIfExists(DeleteSnapshotsOption.None,
                        expected == null ? null : new BlobRequestConditions { IfMatch = new ETag(expected) }, _cancel);
                }
                catch (RequestFailedException ex) when (expected != null && ex.Status == 412)
                {
                    // A condition on a blob that is gone fails too: removed meanwhile is removed.
                    if (_container.GetBlobClient(path).Exists(_cancel).Value)
                    {
                        throw Changed(path, "removed");
                    }
                }
                lock (_placing)
                {
                    Changed(path, exists: false);
                }
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw Write(ex, "Deleting " + path);
            }
        }

        /// <summary>
        /// A record is finished: its journal blob is removed once every record in it is. A record rolled back while others of its
        /// blob are still open is taken out of the blob at once (rewritten without it), so it is never replayed; one that completed
        /// may be replayed harmlessly until the blob goes.
        /// </summary>
        public void Finish(JournalRecord record, string? rolledBackBy)
        {
            if (!_blobOf.TryGetValue(record.Id, out string? blob) || !_batches.TryGetValue(blob, out List<JournalRecord>? open))
            {
                Delete(JournalPrefix + record.Id, null);
                return;
            }
            int at = open.FindIndex(r => r.Id == record.Id);
            var left = open.Where((_, i) => i != at).ToList();
            if (left.Count == 0)
            {
                Delete(blob, null);
            }
            else if (rolledBackBy != null)
            {
                try
                {
                    _container.GetBlobClient(blob).Upload(BinaryData.FromBytes(JournalBlob(left)), overwrite: true, _cancel);
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    throw Write(ex, "Finishing " + record.Description);
                }
            }
            _batches[blob] = left;
            _blobOf.Remove(record.Id);
            if (left.Count == 0)
            {
                _batches.Remove(blob);
            }
        }

        /// <summary>True when the blob holds exactly <paramref name="content"/> (a write that landed before an interruption).</summary>
        private bool Holds(string blob, byte[] content)
        {
            try
            {
                return _container.GetBlobClient(blob).DownloadContent(_cancel).Value.Content.ToMemory().Span.SequenceEqual(content);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return false;
            }
        }

        /// <summary><c>ItemChangedDuringMigration</c>: another process changed a blob after this run read it; its version is kept.</summary>
        private PorterStorageException Changed(string blob, string verb) =>
            new PorterStorageException(ErrorIds.ItemChangedDuringMigration, PorterErrorKind.InvalidOperation, FullName(blob),
                $"'{FullName(blob)}' was changed by another process after this run read it (its ETag is not the one read), so it was not {verb}; it is left as the other writer made it, and the next run migrates it.");

        /// <summary>A failed step of a committed change: <c>MigrationWriteError</c>, with the service's reason.</summary>
        private PorterStorageException Write(Exception ex, string operation)
        {
            PorterStorageException named = AzureErrors.Translate(ex, Location, operation);
            return new PorterStorageException(ErrorIds.MigrationWriteError, named.Kind, Location, named.Message, ex);
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
            // The first listing of a run (its plan reads before it writes) knows the account first.
            CheckAccount();
            try
            {
                List<BlobItem> blobs = _container.GetBlobs(BlobTraits.Tags, BlobStates.None, prefix, _cancel).ToList();
                long seen = ++_sequence;
                foreach (BlobItem b in blobs)
                {
                    if (b.Properties?.ETag is ETag etag)
                    {
                        _listed[b.Name] = new Listed(etag, seen);
                    }
                }
                return blobs;
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, Location, "Listing the blobs");
            }
        }

        /// <summary>The 15-second lease on the lock blob; the release is bounded, and an unreleased lease expires by itself.</summary>
        private sealed class BlobLease : IStoreLease
        {
            public static readonly TimeSpan Length = TimeSpan.FromSeconds(15);
            private readonly BlobLeaseClient _lease;

            public BlobLease(BlobLeaseClient lease, string name)
            {
                _lease = lease;
                Name = name;
            }

            public string Name { get; }

            public TimeSpan? Duration => Length;

            public bool Renew(CancellationToken cancellationToken)
            {
                try
                {
                    _lease.Renew(cancellationToken: cancellationToken);
                    return true;
                }
                catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
                {
                    return false; // expired and taken, or broken: no longer ours
                }
            }

            public void Dispose()
            {
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
