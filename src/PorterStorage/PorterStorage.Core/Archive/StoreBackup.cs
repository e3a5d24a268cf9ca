using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.Archive
{
    /// <summary>
    /// Writes the items a backup holds into an archive (the archive's writer, <paramref name="created"/> for every entry's time) and
    /// describes each as a manifest entry, in the order written.
    /// </summary>
    internal delegate List<BackupEntry> BackupContent(ArchiveWriter archive, DateTime created, IProgress<OperationProgress>? progress, CancellationToken cancel);

    /// <summary>What a store gives the one backup engine (<see cref="StoreBackup"/>): what its backups are, and what they hold.</summary>
    internal interface IBackupSource
    {
        /// <summary>The store as its backups name it (a container's or a table's URL).</summary>
        string BackupTarget { get; }

        /// <summary>The archive's manifest kind (<see cref="BackupKinds"/>), which decides what a restore accepts.</summary>
        string ManifestKind { get; }

        /// <summary>The kind a backup reports (<see cref="PorterBackup.Kind"/>).</summary>
        string BackupKind { get; }

        /// <summary>What the store's requests cost, or null for a local store.</summary>
        IRequestCounter? Requests { get; }

        /// <summary>
        /// Lists what a backup holds now, refusing before any file is written what no backup could hold, and gives what writes it.
        /// </summary>
        BackupContent ListForBackup(CancellationToken cancel);
    }

    /// <summary>
    /// The one backup engine of a remote store: a container's blobs or a table's entities, listed, streamed into one archive with a
    /// manifest of every entry, written 0600 under a temporary name, verified and renamed (<see cref="ArchiveFiles.WriteVerified"/>).
    /// A home's backup is its folder's own (<c>HomeBackup</c>: the solid tar.gz of a PORTER_HOME, its links, owners and skipped items).
    /// </summary>
    internal static class StoreBackup
    {
        /// <summary>A backup of the store <paramref name="source"/> at <paramref name="archivePath"/>, with the requests it cost.</summary>
        public static PorterBackup Create(IBackupSource source, string archivePath, bool force, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            RequestCount before = source.Requests?.Snapshot() ?? default;
            BackupContent content = source.ListForBackup(cancel);
            PorterBackup backup = Write(archivePath, force, source.ManifestKind, source.BackupKind, source.BackupTarget, content, progress, cancel, out _);
            if (source.Requests != null)
            {
                backup.Record(source.Requests.Snapshot().Since(before));
            }
            return backup;
        }

        /// <summary>
        /// An archive of <paramref name="content"/> (already listed: a restore's pre-restore backup of what it compared), as a backup of
        /// <paramref name="target"/> of the kinds given; <paramref name="entries"/> is what its manifest records.
        /// </summary>
        public static PorterBackup Write(string archivePath, bool force, string manifestKind, string backupKind, string target, BackupContent content,
            IProgress<OperationProgress>? progress, CancellationToken cancel, out List<BackupEntry> entries)
        {
            var clock = Stopwatch.StartNew();
            DateTime created = DateTime.UtcNow;
            var written = new List<BackupEntry>();
            (string sha, long archiveBytes, PorterBackupVerification check) = ArchiveFiles.WriteVerified(archivePath, force, progress, cancel, archive =>
            {
                written = content(archive, created, progress, cancel);
                return new BackupManifest(manifestKind, created, target, false, BackupManifest.CurrentTool, written, Array.Empty<BackupSkippedItem>());
            });
            entries = written;
            return new PorterBackup(archivePath, backupKind, target, created, written.Count, written.Sum(e => e.Size), archiveBytes, sha, false, check.IsValid,
                clock.Elapsed, Array.Empty<BackupSkippedItem>());
        }
    }
}
