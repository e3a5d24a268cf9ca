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
    /// <summary>Backs up a whole blob container: content, metadata, content headers and index tags (restored by <see cref="ContainerRestore"/>).</summary>
    public static class ContainerBackup
    {
        /// <summary>
        /// What a backup of the container holds: every blob found by List Blobs (never Find, which misses untagged blobs), listed now
        /// (an archived blob is refused before anything is written), then streamed into the archive with a manifest of hashes,
        /// headers, metadata and tags.
        /// </summary>
        internal static BackupContent ListForBackup(PorterAzureContainer storage, CancellationToken cancel)
        {
            string target = storage.ContainerUri.ToString();
            BlobContainerClient container = storage.CreateContainerClient();
            AccountFacts account = AccountCheck.Read(container, target, cancel);
            List<BlobItem> blobs = List(container, target, ref account, cancel);
            AccountCheck.RefuseArchived(blobs, target, "The backup");
            return Content(container, blobs);
        }

        /// <summary>
        /// Every blob of the container, found by List Blobs (never Find, which misses untagged blobs), with metadata and tags (an
        /// account with a hierarchical namespace has no tags to list, and refuses a listing that asks for them).
        /// </summary>
        internal static List<BlobItem> List(BlobContainerClient container, string target, ref AccountFacts account, CancellationToken cancel) =>
            AccountCheck.ListAll(container, target, ref account, BlobTraits.Metadata, "Listing the blobs", cancel);

        /// <summary>What writes <paramref name="blobs"/>, as listed, into a backup.</summary>
        internal static BackupContent Content(BlobContainerClient container, List<BlobItem> blobs) =>
            (archive, created, progress, cancel) => Read(container, blobs, created, archive, "Backing up", progress, cancel);

        /// <summary>
        /// Reads every blob of <paramref name="blobs"/> (small ones many at once) into <paramref name="archive"/>, or only hashes
        /// them when it is null, and describes each as a backup entry: size, SHA-256, headers, metadata and tags.
        /// </summary>
        internal static List<BackupEntry> Read(BlobContainerClient container, List<BlobItem> blobs, DateTime created, ArchiveWriter? archive, string activity,
            IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            var entries = new List<BackupEntry>();
            long total = 0;
            using (var reads = new BlobPrefetch(container, blobs, cancel))
            {
                var buffer = new byte[81920];
                int done = 0;
                foreach (BlobItem blob in blobs)
                {
                    cancel.ThrowIfCancellationRequested();
                    string hash;
                    long length;
                    DateTime modified = blob.Properties.LastModified?.UtcDateTime ?? created;
                    if (archive != null && ArchiveValidator.PathProblem(blob.Name, ArchiveKindRules.Container) is string unsafeName)
                    {
                        // An archive no restore would take is never written as a 'backup': the blob is named now.
                        throw new PorterStorageException(ErrorIds.UnsafeArchiveEntry, PorterErrorKind.InvalidData, blob.Name,
                            $"The blob '{blob.Name}' cannot be held in a backup ({unsafeName}): no restore could write it back, so no backup was written. Rename or remove the blob (Porter's plugin never writes such a name) and back up again.");
                    }
                    try
                    {
                        // Small blobs arrive read ahead, many at once; a large one is streamed when its turn comes.
                        Stream? ahead = reads.Next(blob);
                        long declared;
                        if (ahead == null)
                        {
                            BlobDownloadStreamingResult download = container.GetBlobClient(blob.Name).DownloadStreaming(new BlobDownloadOptions
                            {
                                Conditions = blob.Properties.ETag.HasValue ? new BlobRequestConditions { IfMatch = blob.Properties.ETag.Value } : null,
                            }, cancel).Value;
                            ahead = download.Content;
                            declared = download.Details.ContentLength;
                        }
                        else
                        {
                            declared = ahead.Length;
                        }
                        using Stream source = ahead;
                        using (Stream? sink = archive?.Open(BackupManifest.ContainerPrefix + blob.Name, declared, modified))
                        {
                            hash = Hex.Copy(source, sink, buffer, out length, cancel);
                        }
                        if (length != declared)
                        {
                            throw new PorterStorageException(ErrorIds.BackupWriteError, PorterErrorKind.ReadError, blob.Name,
                                $"The blob '{blob.Name}' sent {length} bytes where it declared {declared}; no backup was written. Back up again.");
                        }
                    }
                    catch (Exception ex) when (AzureErrors.IsAzureFailure(ex) && Unwrap(ex) is RequestFailedException changed && changed.Status == 412)
                    {
                        // Its content, tags and metadata are recorded only as one version: the one listed.
                        throw new PorterStorageException(ErrorIds.FileChangedDuringBackup, PorterErrorKind.ResourceBusy, blob.Name,
                            $"The blob '{blob.Name}' was rewritten after it was listed and before it was read; no backup was written (it would have paired its new content with the old tags and headers). Back up again, with writers off the container.", ex);
                    }
                    catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                    {
                        throw AzureErrors.Translate(ex, blob.Name, "Reading the blob");
                    }
                    entries.Add(new BackupEntry(blob.Name, BackupEntryType.File, length, hash, null, modified, null, Headers(blob.Properties), Copy(blob.Metadata), Copy(blob.Tags)));
                    total += length;
                    progress?.Report(new OperationProgress(activity, blob.Name, ++done, blobs.Count, total, "blobs"));
                }
            }
            return entries;
        }

        private static Exception Unwrap(Exception ex) => ex is AggregateException a && a.InnerException != null ? Unwrap(a.InnerException) : ex;

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

        internal static IReadOnlyDictionary<string, string>? Copy(IDictionary<string, string>? map) =>
            map == null ? null : new SortedDictionary<string, string>(map, StringComparer.Ordinal);
    }
}
