using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using global::Azure;
using global::Azure.Storage;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.Backup
{
    /// <summary>
    /// Sends a finished backup archive to a blob container, so that it outlives the machine that wrote it (an Automation
    /// sandbox's temporary folder ends with the job).
    /// </summary>
    public static class BackupUpload
    {
        private static readonly char[] NotInAFileName = Path.GetInvalidFileNameChars().Concat(new[] { '/', '\\', ':' }).Distinct().ToArray();

        /// <summary>
        /// Uploads <paramref name="backup"/>'s archive as the blob named after its file into <paramref name="target"/>'s
        /// container (created when missing and allowed), every request checksummed by the service (MD5), the whole archive's
        /// MD5 as its Content-MD5 and its SHA-256 in the metadata; then reads the blob's properties back and compares length
        /// and MD5, and records it in <see cref="PorterBackup.CopiedTo"/>. A backup that did not verify is never sent (<c>BackupUploadFailed</c>). An existing blob of that name is refused with <c>BackupExists</c> unless <paramref name="force"/>; a
        /// difference read back is <c>BackupUploadFailed</c>. Returns the blob's URI, never with a SAS.
        /// </summary>
        public static Uri Send(PorterAzureContainer target, PorterBackup backup, bool force, CancellationToken cancel)
        {
            if (!backup.Verified)
            {
                // A copy meant to outlive this machine is never replaced by an archive that did not pass its check.
                throw new PorterStorageException(ErrorIds.BackupUploadFailed, PorterErrorKind.InvalidData, backup.Path,
                    $"The backup '{backup.Path}' did not verify, so it is not copied to '{target.ContainerUri}'.");
            }
            string name = Path.GetFileName(backup.Path);
            BlobContainerClient container = target.CreateContainerClient();
            BlobClient blob = container.GetBlobClient(name);
            var shown = new Uri(target.ContainerUri + "/" + Uri.EscapeDataString(name));
            byte[] md5;
            using (FileStream read = FileSystemExtras.OpenRegularForRead(backup.Path))
            using (var hash = MD5.Create())
            {
                md5 = hash.ComputeHash(read);
            }
            try
            {
                try
                {
                    container.CreateIfNotExists(cancellationToken: cancel);
                }
                catch (RequestFailedException r) when (r.Status == 403)
                {
                    // A container SAS may write blobs but not create the container; the upload names a missing one.
                }
                using FileStream content = FileSystemExtras.OpenRegularForRead(backup.Path);
                var options = new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders
                    {
                        ContentHash = md5,
                        ContentType = backup.Path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? "application/zip" : "application/gzip",
                    },
                    Metadata = BackupMetadata.Of(backup),
                    Conditions = force ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
                    TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
                };
                blob.Upload(content, options, cancel);
                BlobProperties written = blob.GetProperties(cancellationToken: cancel).Value;
                if (written.ContentLength != backup.ArchiveBytes || !Same(written.ContentHash, md5))
                {
                    throw new PorterStorageException(ErrorIds.BackupUploadFailed, PorterErrorKind.InvalidData, shown.ToString(),
                        $"The copy of '{backup.Path}' at '{shown}' reads back {written.ContentLength} bytes with a different MD5 (the archive has {backup.ArchiveBytes}); it is not a good copy.");
                }
                backup.CopiedTo = shown;
                return shown;
            }
            catch (RequestFailedException r) when (!force && (r.Status == 409 || r.Status == 412) && (r.ErrorCode == "BlobAlreadyExists" || r.ErrorCode == "ConditionNotMet" || r.Status == 412))
            {
                throw new PorterStorageException(ErrorIds.BackupExists, PorterErrorKind.ResourceExists, shown.ToString(),
                    $"The blob '{shown}' already exists; use -Force to replace it.");
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, shown.ToString(), "Copying the backup to a blob");
            }
        }

        /// <summary>
        /// The backups held in <paramref name="storage"/>'s container (blobs with an archive's name, as -CopyTo writes them; only those
        /// <paramref name="include"/> takes, when given). Without <paramref name="verify"/> or <paramref name="keep"/> a blob whose
        /// metadata records the backup (<see cref="BackupMetadata"/>) is listed from it, with nothing downloaded
        /// (<see cref="PorterBackup.MetadataOnly"/>); any other archive blob, and every one with <paramref name="verify"/> or
        /// <paramref name="keep"/>, is downloaded into <paramref name="folder"/> (0600) and checked in full by the one validator. With
        /// <paramref name="keep"/> the copies stay there and are the backups' <see cref="PorterBackup.Path"/>; without it they are
        /// removed and Path is the blob's URI. <see cref="PorterBackup.CopiedTo"/> is the blob's URI either way (never a SAS). In the
        /// oldest first (by the time each was made, then by name).
        /// </summary>
        public static List<PorterBackup> List(PorterAzureContainer storage, string folder, bool keep, bool verify, Func<string, bool>? include,
            Action<string, string>? notABackup, CancellationToken cancel)
        {
            BlobContainerClient container = storage.CreateContainerClient();
            var listed = new List<(string Name, PorterBackup Backup)>();
            bool created = false;
            try
            {
                foreach (BlobItem item in container.GetBlobs(BlobTraits.Metadata, BlobStates.None, null, cancel))
                {
                    // A name that is one plain file name: a blob named '..\\x.tar.gz' or 'C:\\x.tar.gz' is never fetched outside the folder.
                    if (!ArchiveFormats.IsArchiveName(item.Name) || Path.GetFileName(item.Name) != item.Name || item.Name.IndexOfAny(NotInAFileName) >= 0
                        || (include != null && !include(item.Name)))
                    {
                        continue;
                    }
                    var blob = new Uri(storage.ContainerUri + "/" + Uri.EscapeDataString(item.Name));
                    PorterBackup? recorded = verify || keep ? null : BackupMetadata.Read(item, blob);
                    if (recorded != null)
                    {
                        listed.Add((item.Name, recorded));
                        continue;
                    }
                    if (!created)
                    {
                        FileSystemExtras.CreatePrivateDirectory(folder);
                        created = true;
                    }
                    string file = Path.Combine(folder, item.Name);
                    if (File.Exists(file))
                    {
                        // A -Destination filled by an earlier run that stopped partway: a file that is this very backup (checked in
                        // full, its SHA-256 the one the blob records, its length the blob's) is taken as it is; anything else is refused.
                        PorterBackup? same = keep
                            ? BackupCatalog.Read(new[] { file }, null, cancel).FirstOrDefault(b => b.Verified && b.ArchiveBytes == item.Properties.ContentLength
                                && BackupMetadata.Sha256Of(item.Metadata) is string sha && b.Sha256 == sha)
                            : null;
                        if (same == null)
                        {
                            throw new PorterStorageException(ErrorIds.BackupExists, PorterErrorKind.ResourceExists, file,
                                $"The file '{file}' already exists and is not the backup the blob '{item.Name}' holds; choose an empty -Destination.");
                        }
                        same.CopiedTo = blob;
                        same.RunId = BackupMetadata.RunIdOf(item.Metadata);
                        listed.Add((item.Name, same));
                        continue;
                    }
                    // Checked as soon as it is fetched and, unless kept, removed before the next: the folder holds one archive at a time;
                    // a kept file that is no backup is removed too.
                    PrivateFile.Write(FileIO.System, file, replace: false, output => container.GetBlobClient(item.Name).DownloadTo(output, cancel));
                    bool isBackup = false;
                    try
                    {
                        foreach (PorterBackup local in BackupCatalog.Read(new[] { file }, notABackup, cancel))
                        {
                            PorterBackup backup = keep ? local : local.At(blob.ToString());
                            backup.CopiedTo = blob;
                            backup.RunId = BackupMetadata.RunIdOf(item.Metadata);
                            listed.Add((item.Name, backup));
                            isBackup = true;
                        }
                    }
                    finally
                    {
                        if (!keep || !isBackup)
                        {
                            File.Delete(file);
                        }
                    }
                }
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, storage.ContainerUri.ToString(), "Listing the backups");
            }
            return listed.OrderBy(b => b.Backup.Created).ThenBy(b => b.Name, StringComparer.Ordinal).Select(b => b.Backup).ToList();
        }

        /// <summary>
        /// Why a backup of <paramref name="backedUp"/> may not be copied to <paramref name="target"/>, or null: not into the
        /// container backed up, where the archive would become part of the data and every later backup would hold the earlier ones.
        /// </summary>
        public static PorterStorageException? RefusalFor(PorterAzureStorage backedUp, PorterAzureStorage target) =>
            !(target is PorterAzureContainer container)
                ? new PorterStorageException(ErrorIds.AzureStoreKindMismatch, PorterErrorKind.InvalidArgument, target.StoreUri.ToString(),
                    $"-CopyTo names the table '{target.StoreUri}'; a backup is copied to a blob container.")
            : backedUp is PorterAzureContainer source && string.Equals(container.ContainerUri.ToString().TrimEnd('/'), source.ContainerUri.ToString().TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
                ? new PorterStorageException(ErrorIds.BackupUploadFailed, PorterErrorKind.InvalidArgument, container.ContainerUri.ToString(),
                    $"-CopyTo names the container that is backed up ('{container.ContainerUri}'); copy the backup to another container.")
                : null;

        private static bool Same(byte[]? a, byte[] b)
        {
            if (a == null || a.Length != b.Length)
            {
                return false;
            }
            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    return false;
                }
            }
            return true;
        }
    }
}
