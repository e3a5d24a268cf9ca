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
using PorterStorage.Core.Backup;
using PorterStorage.Core.Errors;
using PorterStorage.Core.IO;

namespace PorterStorage.Core.Azure
{
    /// <summary>What Restore-PorterAzureContainer did.</summary>
    public sealed class PorterContainerRestoreResult : Azure.CountedResult
    {
        internal PorterContainerRestoreResult(string archivePath, Uri container, int blobCount, long bytes, int tagged, TimeSpan duration)
        {
            ArchivePath = archivePath;
            Container = container;
            BlobCount = blobCount;
            Bytes = bytes;
            TaggedBlobs = tagged;
            Duration = duration;
        }

        public string ArchivePath { get; }

        public Uri Container { get; }

        public int BlobCount { get; }

        public long Bytes { get; }

        public int TaggedBlobs { get; }

        public TimeSpan Duration { get; }

        public override string ToString() => Container.ToString();
    }

    /// <summary>Backs up and restores a whole blob container: content, metadata, content headers and index tags.</summary>
    public static class ContainerBackup
    {
        /// <summary>Blobs up to this size are restored with one request each, held in memory while they are sent.</summary>
        private const long SingleRequestRestoreLimit = 32L * 1024 * 1024;

        /// <summary>
        /// Every blob found by List Blobs (never Find, which misses untagged blobs), streamed into one zip with a manifest of
        /// hashes, headers, metadata and tags; written 0600 under a temporary name, verified, renamed.
        /// </summary>
        public static PorterBackup Create(PorterAzureStorage storage, string archivePath, bool force, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            storage.RequireKind(PorterAzureStorage.ContainerKind, "a container backup");
            RequestCount before = storage.Counter.Snapshot();
            PorterBackup result = CreateCounted(storage, archivePath, force, progress, cancel);
            result.Record(storage.Counter.Snapshot().Since(before));
            return result;
        }

        private static PorterBackup CreateCounted(PorterAzureStorage storage, string archivePath, bool force, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            DateTime created = DateTime.UtcNow;
            string target = storage.ContainerUri.ToString();
            BlobContainerClient container = storage.CreateContainerClient();
            List<BlobItem> blobs;
            try
            {
                blobs = container.GetBlobs(BlobTraits.Metadata | BlobTraits.Tags, BlobStates.None, null, cancel).ToList();
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, target, "Listing the blobs");
            }

            var entries = new List<BackupEntry>();
            long total = 0;
            (string sha, long archiveBytes, PorterBackupVerification check) = ArchiveFiles.WriteVerified(archivePath, force, progress, cancel, archive =>
            {
                using (var reads = new BlobPrefetch(container, blobs, cancel))
                {
                    var buffer = new byte[81920];
                    int done = 0;
                    foreach (BlobItem blob in blobs)
                    {
                        cancel.ThrowIfCancellationRequested();
                        string hash;
                        long length;
                        try
                        {
                            // Small blobs arrive read ahead, many at once; a large one is streamed when its turn comes.
                            Stream? ahead = reads.Next(blob);
                            long declared;
                            if (ahead == null)
                            {
                                BlobDownloadStreamingResult download = container.GetBlobClient(blob.Name).DownloadStreaming(cancellationToken: cancel).Value;
                                ahead = download.Content;
                                declared = download.Details.ContentLength;
                            }
                            else
                            {
                                declared = ahead.Length;
                            }
                            using Stream source = ahead;
                            using (Stream sink = archive.Open(BackupManifest.ContainerPrefix + blob.Name, declared, blob.Properties.LastModified?.UtcDateTime ?? created))
                            {
                                hash = Hex.Copy(source, sink, buffer, out length, cancel);
                            }
                            if (length != declared)
                            {
                                throw new PorterStorageException(ErrorIds.BackupWriteError, PorterErrorKind.ReadError, blob.Name,
                                    $"The blob '{blob.Name}' sent {length} bytes where it declared {declared}; no backup was written. Back up again.");
                            }
                        }
                        catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                        {
                            throw AzureErrors.Translate(ex, blob.Name, "Reading the blob");
                        }
                        entries.Add(new BackupEntry(blob.Name, BackupEntryType.File, length, hash, null,
                            blob.Properties.LastModified?.UtcDateTime ?? created, null, Headers(blob.Properties), Copy(blob.Metadata), Copy(blob.Tags)));
                        total += length;
                        progress?.Report(new OperationProgress("Backing up", blob.Name, ++done, blobs.Count, total, "blobs"));
                    }
                }
                return new BackupManifest(BackupKinds.ContainerManifest, created, target, false, HomeBackup.Tool, entries, Array.Empty<BackupSkippedItem>());
            });
            return new PorterBackup(archivePath, BackupKinds.Container, target, created, entries.Count, total, archiveBytes, sha, false, check.IsValid, clock.Elapsed,
                Array.Empty<BackupSkippedItem>());
        }

        /// <summary>
        /// Restores a container backup: verified first (<c>BackupCorrupt</c>), refused into a non-empty container unless
        /// <paramref name="force"/> (<c>ContainerNotEmpty</c>); each blob is uploaded with its headers, metadata and tags.
        /// </summary>
        public static PorterContainerRestoreResult Restore(string archivePath, string? expectedSha256, PorterAzureStorage storage, bool force,
            Func<string, bool> shouldProcess, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            RequestCount before = storage.Counter.Snapshot();
            PorterContainerRestoreResult result = RestoreCounted(archivePath, expectedSha256, storage, force, shouldProcess, progress, cancel);
            result.Record(storage.Counter.Snapshot().Since(before));
            return result;
        }

        /// <summary>How many small blobs a restore sends at once.</summary>
        internal static readonly int RestoreWindow = AzureConcurrency.Default;

        /// <summary>Blobs up to this size are read from the archive into memory and sent beside others (at most a window of them is held).</summary>
        internal const long RestoreAheadLimit = 4L * 1024 * 1024;

        private static PorterContainerRestoreResult RestoreCounted(string archivePath, string? expectedSha256, PorterAzureStorage storage, bool force,
            Func<string, bool> shouldProcess, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            PorterBackupVerification check = BackupVerifier.RequireValidOfKind(archivePath, expectedSha256, BackupKinds.ContainerManifest, progress, cancel);
            BackupManifest manifest = check.Manifest!;
            string target = storage.ContainerUri.ToString();
            BlobContainerClient container = storage.CreateContainerClient();
            try
            {
                bool? holds = ContainerChecks.HoldsBlobs(container, target, cancel);
                if (holds == true && !force)
                {
                    throw new PorterStorageException(ErrorIds.ContainerNotEmpty, PorterErrorKind.ResourceExists, target,
                        $"The container '{target}' is not empty; use -Force to restore into it (blobs of the same name are replaced, others are kept).");
                }
                if (!shouldProcess(target))
                {
                    return new PorterContainerRestoreResult(archivePath, storage.ContainerUri, 0, 0, 0, clock.Elapsed);
                }
                if (holds == null)
                {
                    ContainerChecks.Create(container, target, cancel);
                }
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, target, "Preparing the container");
            }

            int count = 0, tagged = 0;
            long bytes = 0;
            // Small blobs are read from the archive one by one (a zip is read by one thread) and sent up to RestoreWindow at
            // once, so a restore waits for one round trip per window instead of one per blob; a large one is streamed alone.
            var inFlight = new Queue<(BackupEntry Entry, bool Tagged, Task Upload)>();
            List<BackupEntry> files = manifest.Entries.Where(e => e.Type == BackupEntryType.File).ToList();
            int total = files.Count;
            PorterStorageException? failed = null;
            void Complete((BackupEntry Entry, bool Tagged, Task Upload) sent)
            {
                try
                {
                    sent.Upload.GetAwaiter().GetResult();
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    failed ??= AzureErrors.Translate(ex, sent.Entry.Path, "Restoring the blob");
                    return;
                }
                Landed(sent.Entry, sent.Tagged);
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
            using (ArchiveReader archive = OpenVerified(archivePath))
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
                        var options = new BlobUploadOptions
                        {
                            HttpHeaders = HttpHeaders(e.Headers),
                            Metadata = e.Metadata?.ToDictionary(kv => kv.Key, kv => kv.Value),
                            Tags = e.Tags != null && e.Tags.Count > 0 ? e.Tags.ToDictionary(kv => kv.Key, kv => kv.Value) : null,
                        };
                        BlobClient blob = container.GetBlobClient(e.Path);
                        if (e.Size <= RestoreAheadLimit)
                        {
                            // Read whole, so the upload is one Put Blob; a zip entry's stream cannot seek, and the SDK would
                            // otherwise stage it as blocks (Put Block and Put Block List: two requests for a small document).
                            BinaryData content;
                            using (Stream read = entry.Open())
                            {
                                content = BinaryData.FromStream(read);
                            }
                            inFlight.Enqueue((e, options.Tags != null, (Task)blob.UploadAsync(content, options, cancel)));
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
                            using Stream content = entry.Open();
                            if (e.Size <= SingleRequestRestoreLimit)
                            {
                                blob.Upload(BinaryData.FromStream(content), options, cancel);
                            }
                            else
                            {
                                blob.Upload(content, options, cancel);
                            }
                        }
                        catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                        {
                            throw AzureErrors.Translate(ex, e.Path, "Restoring the blob");
                        }
                        Landed(e, options.Tags != null);
                    }
                }
                catch (InvalidDataException ex)
                {
                    failed ??= BackupManifest.Corrupt(archivePath, "it changed since it was verified (" + ex.Message + ")", ex);
                }
                finally
                {
                    // Nothing outlives the restore: what is in flight ends (or is cancelled) before it returns or raises.
                    Storage.ConcurrentSteps.Settle(inFlight, Complete);
                }
                cancel.ThrowIfCancellationRequested();
                if (failed != null)
                {
                    throw failed;
                }
            }
            return new PorterContainerRestoreResult(archivePath, storage.ContainerUri, count, bytes, tagged, clock.Elapsed);
        }

        /// <summary>The archive a restore has just verified, opened again to be read in order (of a container or a table).</summary>
        internal static ArchiveReader OpenVerified(string archivePath)
        {
            try
            {
                return ArchiveReader.OpenFile(archivePath);
            }
            catch (InvalidDataException ex)
            {
                throw BackupManifest.Corrupt(archivePath, "it changed since it was verified (" + ex.Message + ")", ex);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, archivePath, IOOperation.Read, "Nothing was restored.");
            }
        }

        internal static IReadOnlyDictionary<string, string> Headers(BlobItemProperties p)
        {
            var h = new Dictionary<string, string>(StringComparer.Ordinal);
            void Add(string k, string? v)
            {
                if (!string.IsNullOrEmpty(v))
                {
                    h[k] = v!;
                }
            }
            Add("ContentType", p.ContentType);
            Add("ContentEncoding", p.ContentEncoding);
            Add("ContentLanguage", p.ContentLanguage);
            Add("ContentDisposition", p.ContentDisposition);
            Add("CacheControl", p.CacheControl);
            Add("ContentMD5", p.ContentHash == null || p.ContentHash.Length == 0 ? null : Convert.ToBase64String(p.ContentHash));
            return h;
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

        internal static IReadOnlyDictionary<string, string>? Copy(IDictionary<string, string>? map) =>
            map == null ? null : new SortedDictionary<string, string>(map, StringComparer.Ordinal);
    }
}
