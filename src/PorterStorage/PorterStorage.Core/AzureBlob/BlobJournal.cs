using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// A container store's journal: one blob per committed batch under <c>.porterstorage/journal/</c>, named by its first record's id
    /// (so the blobs sort in commit order), holding a line per record with every document of its change set and its tags. A blob goes
    /// once all its records are finished; a record rolled back while others of its blob are open is taken out of the blob at once.
    /// </summary>
    internal sealed class BlobJournal
    {
        internal const string JournalPrefix = ".porterstorage/journal/";

        private readonly BlobContainerClient _container;
        private readonly string _location;
        private readonly Func<string, List<BlobItem>> _list;
        private readonly Action<string> _delete;
        private readonly CancellationToken _cancel;

        /// <summary>The journal blobs of this run and of the interrupted one, each with its records not yet finished.</summary>
        private readonly Dictionary<string, List<JournalRecord>> _batches = new Dictionary<string, List<JournalRecord>>(StringComparer.Ordinal);

        /// <summary>The journal blob of each open record.</summary>
        private readonly Dictionary<string, string> _blobOf = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>What the last <see cref="Committed"/> found, by id: the blob and its record (null: the blob is not a journal of this module's).</summary>
        private readonly Dictionary<string, (string Blob, JournalRecord? Record)> _pending = new Dictionary<string, (string, JournalRecord?)>(StringComparer.Ordinal);

        /// <param name="list">Lists the container's blobs under a prefix (as the store lists them).</param>
        /// <param name="delete">Removes a blob (as the store removes one).</param>
        public BlobJournal(BlobContainerClient container, string location, Func<string, List<BlobItem>> list, Action<string> delete, CancellationToken cancel)
        {
            _container = container;
            _location = location;
            _list = list;
            _delete = delete;
            _cancel = cancel;
        }

        /// <summary>
        /// The committed records of the journal blobs directly under <c>.porterstorage/journal/</c> (one moved into a folder below it
        /// is set aside), in commit order. A blob that cannot be read as records is reported by its name, and
        /// <see cref="ReadCommitted"/> refuses it.
        /// </summary>
        public IReadOnlyList<string> Committed()
        {
            var ids = new List<string>();
            _pending.Clear();
            foreach (string name in _list(JournalPrefix).Select(b => b.Name.Substring(JournalPrefix.Length)).Where(n => n.IndexOf('/') < 0).OrderBy(n => n, StringComparer.Ordinal))
            {
                string blob = JournalPrefix + name;
                BinaryData content;
                try
                {
                    content = _container.GetBlobClient(blob).DownloadContent(_cancel).Value.Content;
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    throw AzureErrors.StepFailed(ex, _location, "Reading the interrupted change " + name);
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
                throw new PorterStorageException(ErrorIds.StoreReadError, PorterErrorKind.InvalidData, (_location + "/" + blob),
                    $"'{(_location + "/" + blob)}' is not a change this module committed, so the interrupted run's changes cannot be known and nothing was changed. Look at it, then move it out of '{JournalPrefix}' (to '.porterstorage/aside/', say) to go on.");
            }
            return found.Record;
        }

        /// <summary>
        /// Writes one journal blob holding the records, one line each, with every document of their change sets and its tags: the
        /// commit point of them all. The blob is named by the first record's id, so blobs sort in commit order.
        /// </summary>
        public IReadOnlyList<JournalRecord> Commit(IReadOnlyList<JournalRecord> records, IReadOnlyList<IReadOnlyList<JournalContent>> contents)
        {
            var held = records.Select((record, r) => record.WithContents(contents[r])).ToList();
            string blob = JournalPrefix + held[0].Id;
            try
            {
                _container.GetBlobClient(blob).Upload(BinaryData.FromBytes(JournalBlob(held)), overwrite: false, _cancel);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                string description = JournalRecord.Describe(records);
                PorterStorageException named = AzureErrors.Translate(ex, _location, "Committing " + description);
                throw new PorterStorageException(ErrorIds.MigrationWriteError, named.Kind, _location,
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

        /// <summary>
        /// A record is finished: its journal blob is removed once every record in it is. A record rolled back while others of its
        /// blob are still open is taken out of the blob at once (rewritten without it), so it is never replayed; one that completed
        /// may be replayed harmlessly until the blob goes.
        /// </summary>
        public void Finish(JournalRecord record, string? rolledBackBy)
        {
            if (!_blobOf.TryGetValue(record.Id, out string? blob) || !_batches.TryGetValue(blob, out List<JournalRecord>? open))
            {
                _delete(JournalPrefix + record.Id);
                return;
            }
            int at = open.FindIndex(r => r.Id == record.Id);
            var left = open.Where((_, i) => i != at).ToList();
            if (left.Count == 0)
            {
                _delete(blob);
            }
            else if (rolledBackBy != null)
            {
                try
                {
                    _container.GetBlobClient(blob).Upload(BinaryData.FromBytes(JournalBlob(left)), overwrite: true, _cancel);
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    throw AzureErrors.StepFailed(ex, _location, "Finishing " + record.Description);
                }
            }
            _batches[blob] = left;
            _blobOf.Remove(record.Id);
            if (left.Count == 0)
            {
                _batches.Remove(blob);
            }
        }
    }
}
