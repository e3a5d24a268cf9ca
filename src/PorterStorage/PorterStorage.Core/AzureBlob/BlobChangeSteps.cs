using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// The steps of a committed change in a container: each write uploaded with its tags, a rename made of a copy and a removal, a
    /// removal. Each acts only on the version the run read (If-Match), or only creates (If-None-Match), so a blob another process
    /// wrote meanwhile is kept (<c>ItemChangedDuringMigration</c>); each may be repeated after an interruption, several at once.
    /// </summary>
    internal sealed class BlobChangeSteps
    {
        private readonly BlobContainerClient _container;
        private readonly string _location;
        private readonly Action<string, bool, IReadOnlyDictionary<string, string>?> _stepped;
        private readonly CancellationToken _cancel;

        /// <param name="stepped">Told of each blob a step wrote (true, with the tags it was written with, null after a rename) or removed (false).</param>
        public BlobChangeSteps(BlobContainerClient container, string location, Action<string, bool, IReadOnlyDictionary<string, string>?> stepped, CancellationToken cancel)
        {
            _container = container;
            _location = location;
            _stepped = stepped;
            _cancel = cancel;
        }

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
                throw AzureErrors.StepFailed(ex, _location, "Writing " + blob);
            }
            _stepped(blob, true, write.Tags);
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
                throw AzureErrors.StepFailed(ex, _location, "Deleting " + blob);
            }
            _stepped(blob, false, null);
        }

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
                _stepped(to, true, null);
                _stepped(from, false, null);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.StepFailed(ex, _location, "Moving " + from);
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
                _stepped(path, false, null);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.StepFailed(ex, _location, "Deleting " + path);
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
            new PorterStorageException(ErrorIds.ItemChangedDuringMigration, PorterErrorKind.InvalidOperation, (_location + "/" + blob),
                $"'{(_location + "/" + blob)}' was changed by another process after this run read it (its ETag is not the one read), so it was not {verb}; it is left as the other writer made it, and the next run migrates it.");
    }
}
