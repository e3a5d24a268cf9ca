using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// Restores a container backup (Restore-PorterAzureContainer): verified, compared with the container, the container saved first
    /// when anything of it is replaced or removed, then each blob uploaded with its headers, metadata and tags, conditional on what
    /// was read.
    /// </summary>
    public static class ContainerRestore
    {
        /// <summary>Blobs up to this size are restored with one request each, held in memory while they are sent.</summary>
        private const long SingleRequestRestoreLimit = 32L * 1024 * 1024;

        /// <summary>
        /// Restores a container backup: verified first (<c>BackupCorrupt</c>), refused into a non-empty container unless
        /// <paramref name="force"/> (<c>ContainerNotEmpty</c>), and into one holding a leased blob (<c>MigrationInProgress</c>: a
        /// migration's lock). With <paramref name="force"/> the container is made equal to the backup (<see cref="RestoreChanges"/>):
        /// when a blob is to be replaced or removed, the whole container is first saved to a verified pre-restore backup beside the
        /// archive (<see cref="RestoreChanges.PreRestorePath"/>); then each blob the container lacks or holds otherwise is uploaded with
        /// its headers, metadata and tags, and each blob the backup does not hold is removed if it is still as saved. The rest is
        /// not touched. <paramref name="shouldProcess"/> gets the target and the counts; null when it declines.
        /// </summary>
        public static PorterContainerRestoreResult? Restore(string archivePath, string? expectedSha256, PorterAzureContainer storage, bool force,
            Func<string, string, bool> shouldProcess, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            RequestCount before = storage.Counter.Snapshot();
            PorterContainerRestoreResult? result = RestoreCounted(archivePath, expectedSha256, storage, force, shouldProcess, progress, cancel);
            result?.Record(storage.Counter.Snapshot().Since(before));
            return result;
        }

        /// <summary>How many small blobs a restore sends at once.</summary>
        internal static readonly int RestoreWindow = AzureConcurrency.Default;

        /// <summary>Blobs up to this size are read from the archive into memory and sent beside others (at most a window of them is held).</summary>
        internal const long RestoreAheadLimit = 4L * 1024 * 1024;

        private static PorterContainerRestoreResult? RestoreCounted(string archivePath, string? expectedSha256, PorterAzureContainer storage, bool force,
            Func<string, string, bool> shouldProcess, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            PorterBackupVerification check = BackupVerifier.RequireValidOfKind(archivePath, expectedSha256, BackupKinds.ContainerManifest, progress, cancel);
            BackupManifest manifest = check.Manifest!;
            string target = storage.ContainerUri.ToString();
            BlobContainerClient container = storage.CreateContainerClient();
            AccountFacts account = manifest.Entries.Any(e => e.Tags != null && e.Tags.Count > 0)
                ? AccountCheck.RequireBlobIndex(container, target, "Restoring a backup of tagged blobs", cancel)
                : AccountCheck.Read(container, target, cancel);
            bool? holds = ContainerChecks.HoldsBlobs(container, target, cancel);
            if (holds == true && !force)
            {
                throw new PorterStorageException(ErrorIds.ContainerNotEmpty, PorterErrorKind.ResourceExists, target,
                    $"The container '{target}' is not empty; use -Force to make it equal to the backup (what it holds that the backup does not, or holds otherwise, is saved first to a pre-restore backup, then replaced or removed).");
            }
            List<BlobItem> current = holds == true ? ContainerBackup.List(container, target, ref account, cancel) : new List<BlobItem>();
            AccountCheck.RefuseArchived(current, target, "The restore (which compares and saves what the container holds)");
            BlobItem? leased = current.FirstOrDefault(b => b.Properties.LeaseState == LeaseState.Leased);
            if (leased != null)
            {
                throw new PorterStorageException(ErrorIds.MigrationInProgress, PorterErrorKind.ResourceBusy, target,
                    $"The blob '{leased.Name}' of '{target}' is leased: a migration (or another tool) is working on the container, and a restore would race it. Nothing was restored; try again once it has finished (a killed run's lease expires within 15 s).");
            }
            DateTime now = DateTime.UtcNow;
            RestoreChanges changes = RestoreChanges.Compare(manifest.Entries,
                current.Count == 0 ? new List<BackupEntry>() : ContainerBackup.Read(container, current, now, null, "Comparing", progress, cancel));
            if (!shouldProcess(target, changes.Describe(archivePath, "blobs")))
            {
                return null;
            }
            if (holds == null)
            {
                ContainerChecks.Create(container, target, cancel);
            }
            string? saved = null;
            if (changes.ChangesStoredItems)
            {
                // The whole container as it is now, so that restoring the pre-restore backup with -Force undoes this restore; what is
                // then replaced or removed is decided by what it holds.
                List<BackupEntry> held = new List<BackupEntry>();
                saved = RestoreChanges.SaveFirst(archivePath, now, path => StoreBackup.Write(path, false, BackupKinds.ContainerManifest, BackupKinds.Container,
                    target, ContainerBackup.Content(container, current), progress, cancel, out held));
                changes = RestoreChanges.Compare(manifest.Entries, held);
            }
            ISet<string> toWrite = changes.ToWrite();
            // Every write is conditional on what the restore read and saved: a blob it replaces still has the ETag listed, a blob it
            // adds is still missing. A blob another process wrote meanwhile is never overwritten (StoreChangedDuringRestore).
            Dictionary<string, ETag?> listed = current.ToDictionary(b => b.Name, b => b.Properties.ETag, StringComparer.Ordinal);
            var replacing = new HashSet<string>(changes.Replaced.Select(e => e.Path), StringComparer.Ordinal);
            BlobRequestConditions WriteCondition(string path) => replacing.Contains(path) && listed.TryGetValue(path, out ETag? etag) && etag.HasValue
                ? new BlobRequestConditions { IfMatch = etag.Value }
                : new BlobRequestConditions { IfNoneMatch = ETag.All };

            int count = 0, tagged = 0, removed = 0;
            long bytes = 0;
            // Small blobs are read from the archive one by one (a zip is read by one thread) and sent up to RestoreWindow at
            // once, so a restore waits for one round trip per window instead of one per blob; a large one is streamed alone.
            // The removals then go the same way.
            var inFlight = new Queue<(string Name, string Operation, Task Step, Action Done)>();
            int total = toWrite.Count;
            PorterStorageException? failed = null;
            void Complete((string Name, string Operation, Task Step, Action Done) sent)
            {
                try
                {
                    sent.Step.GetAwaiter().GetResult();
                }
                catch (RequestFailedException ex) when (ex.Status == 412 || (ex.Status == 409 && ex.ErrorCode == "BlobAlreadyExists"))
                {
                    failed ??= ChangedDuringRestore(sent.Name, ex);
                    return;
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    failed ??= AzureErrors.Translate(ex, sent.Name, sent.Operation);
                    return;
                }
                sent.Done();
            }
            void Landed(BackupEntry entry, bool withTags)
            {
                count++;
                bytes += entry.Size;
                if (withTags)
                {
                    tagged++;
                }
                progress?.Report(new OperationProgress("Restoring", entry.Path, count, total, bytes, "blobs"));
            }
            void Drain(int keep)
            {
                while (inFlight.Count > keep)
                {
                    Complete(inFlight.Dequeue());
                }
            }
            using (ArchiveReader archive = ArchiveReader.OpenVerified(archivePath))
            {
                try
                {
                    foreach ((ArchiveItem entry, BackupEntry e) in archive.Files(manifest, archivePath))
                    {
                        cancel.ThrowIfCancellationRequested();
                        if (failed != null)
                        {
                            break;
                        }
                        if (!toWrite.Contains(e.Path))
                        {
                            continue; // held as backed up already
                        }
                        var options = new BlobUploadOptions
                        {
                            HttpHeaders = HttpHeaders(e.Headers),
                            Metadata = e.Metadata?.ToDictionary(kv => kv.Key, kv => kv.Value),
                            Tags = e.Tags != null && e.Tags.Count > 0 ? e.Tags.ToDictionary(kv => kv.Key, kv => kv.Value) : null,
                            Conditions = WriteCondition(e.Path),
                        };
                        BlobClient blob = container.GetBlobClient(e.Path);
                        if (e.Size <= RestoreAheadLimit)
                        {
                            // Read whole, so the upload is one Put Blob; a zip entry's stream cannot seek, and the SDK would
                            // otherwise stage it as blocks (Put Block and Put Block List: two requests for a small document).
                            BinaryData content = BinaryData.FromBytes(ArchiveReader.ReadChecked(entry, e, archivePath));
                            bool withTags = options.Tags != null;
                            inFlight.Enqueue((e.Path, "Restoring the blob", blob.UploadAsync(content, options, cancel), () => Landed(e, withTags)));
                            Drain(RestoreWindow - 1);
                            continue;
                        }
                        Drain(0);
                        if (failed != null)
                        {
                            break;
                        }
                        try
                        {
                            // A large blob goes through a private copy, checked against the verified manifest before it is sent.
                            using Stream content = CheckedCopy(entry, e, archivePath);
                            if (e.Size <= SingleRequestRestoreLimit)
                            {
                                blob.Upload(BinaryData.FromStream(content), options, cancel);
                            }
                            else
                            {
                                blob.Upload(content, options, cancel);
                            }
                        }
                        catch (RequestFailedException ex) when (ex.Status == 412 || (ex.Status == 409 && ex.ErrorCode == "BlobAlreadyExists"))
                        {
                            throw ChangedDuringRestore(e.Path, ex);
                        }
                        catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                        {
                            throw AzureErrors.Translate(ex, e.Path, "Restoring the blob");
                        }
                        Landed(e, options.Tags != null);
                    }
                    // Only once every blob of the backup is in place, and each removed one is in the pre-restore backup: the
                    // removals, each only if the blob is still what was saved (If-Match on the ETag listed before it was read).
                    Drain(0);
                    Dictionary<string, ETag?> etags = listed;
                    foreach (BackupEntry gone in failed == null ? changes.Removed : Array.Empty<BackupEntry>())
                    {
                        cancel.ThrowIfCancellationRequested();
                        Drain(failed == null ? RestoreWindow - 1 : 0);
                        if (failed != null)
                        {
                            break;
                        }
                        var conditions = new BlobRequestConditions { IfMatch = etags.TryGetValue(gone.Path, out ETag? etag) ? etag : null };
                        inFlight.Enqueue((gone.Path, "Removing the blob",
                            container.GetBlobClient(gone.Path).DeleteIfExistsAsync(DeleteSnapshotsOption.None, conditions, cancel), () => removed++));
                    }
                }
                catch (InvalidDataException ex)
                {
                    failed ??= BackupManifest.Corrupt(archivePath, "it changed since it was verified (" + ex.Message + ")", ex);
                }
                finally
                {
                    // Nothing outlives the restore: what is in flight ends (or is cancelled) before it returns or raises.
                    ConcurrentSteps.Settle(inFlight, Complete);
                }
                cancel.ThrowIfCancellationRequested();
                if (failed != null)
                {
                    throw failed;
                }
            }
            return new PorterContainerRestoreResult(archivePath, storage.ContainerUri, changes.Added.Count + changes.Replaced.Count + changes.Unchanged, count,
                changes.Replaced.Count, removed, saved, bytes, tagged, clock.Elapsed);
        }

        /// <summary><c>StoreChangedDuringRestore</c>: a blob another process wrote after the restore read the container is left as it made it.</summary>
        private static PorterStorageException ChangedDuringRestore(string blob, Exception ex) =>
            new PorterStorageException(ErrorIds.StoreChangedDuringRestore, PorterErrorKind.ResourceBusy, blob,
                $"The blob '{blob}' was written by another process after the restore read the container (HTTP {(ex as RequestFailedException)?.Status}); " +
                "it was left as that process made it and the restore stopped. Keep Porter and other writers off the store, and restore again: the container as it is then is saved first like the rest.", ex);

        /// <summary>
        /// An entry copied to a private temporary file (0600, removed when the stream is closed) and checked against the verified
        /// manifest's size and SHA-256: <c>BackupCorrupt</c> when the archive changed since it was verified.
        /// </summary>
        private static Stream CheckedCopy(ArchiveItem item, BackupEntry entry, string archivePath)
        {
            string temp = Path.Combine(Path.GetTempPath(), "porterstorage-restore-" + Guid.NewGuid().ToString("N"));
            FileStream copy;
            if (UnixPermissions.IsUnix)
            {
                copy = FileSystemExtras.CreateNewPrivate(temp);
                File.Delete(temp); // open, nameless: gone when closed
            }
            else
            {
                copy = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
            }
            string sha;
            long length;
            using (Stream read = item.Open())
            {
                sha = Hex.Copy(read, copy, new byte[81920], out length, CancellationToken.None);
            }
            if (length != entry.Size || !string.Equals(sha, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                copy.Dispose();
                throw BackupManifest.Corrupt(archivePath, $"'{entry.Path}' changed since the archive was verified (it was rewritten or replaced); nothing of it was used", null);
            }
            copy.Position = 0;
            return copy;
        }


        private static BlobHttpHeaders HttpHeaders(IReadOnlyDictionary<string, string>? h)
        {
            string? Get(string k) => h != null && h.TryGetValue(k, out string? v) ? v : null;
            string? md5 = Get("ContentMD5");
            return new BlobHttpHeaders
            {
                ContentType = Get("ContentType"),
                ContentEncoding = Get("ContentEncoding"),
                ContentLanguage = Get("ContentLanguage"),
                ContentDisposition = Get("ContentDisposition"),
                CacheControl = Get("CacheControl"),
                ContentHash = md5 == null ? null : Convert.FromBase64String(md5),
            };
        }
    }
}

namespace PorterStorage
{
    /// <summary>What Restore-PorterAzureContainer did with a container backup.</summary>
    public sealed class PorterContainerRestoreResult : CountedResult
    {
        internal PorterContainerRestoreResult(string archivePath, Uri container, int blobCount, int restored, int replaced, int removed, string? preRestoreBackup,
            long bytes, int tagged, TimeSpan duration)
        {
            ArchivePath = archivePath;
            Container = container;
            BlobCount = blobCount;
            Restored = restored;
            Replaced = replaced;
            Removed = removed;
            PreRestoreBackup = preRestoreBackup;
            Bytes = bytes;
            TaggedBlobs = tagged;
            Duration = duration;
        }

        public string ArchivePath { get; }

        public Uri Container { get; }

        /// <summary>The backup's blobs, all of which the container now holds as backed up (written now or already so).</summary>
        public int BlobCount { get; }

        /// <summary>Blobs written: the backup's blobs the container did not hold, or held otherwise.</summary>
        public int Restored { get; }

        /// <summary>Of the blobs written, those that replaced a blob of the same name with other content, metadata, tags or headers.</summary>
        public int Replaced { get; }

        /// <summary>Blobs the backup does not hold, removed (after they were saved to <see cref="PreRestoreBackup"/>).</summary>
        public int Removed { get; }

        /// <summary>The container backup of the container as it was before the restore changed it; null when nothing had to be replaced or removed.</summary>
        public string? PreRestoreBackup { get; }

        /// <summary>The bytes written.</summary>
        public long Bytes { get; }

        /// <summary>Of the blobs written, those with index tags.</summary>
        public int TaggedBlobs { get; }

        public TimeSpan Duration { get; }

        public override string ToString() => Container.ToString();
    }
}
