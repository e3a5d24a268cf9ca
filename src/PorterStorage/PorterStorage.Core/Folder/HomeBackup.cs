using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading;

namespace PorterStorage.Core.Folder
{
    /// <summary>Writes and checks PORTER_HOME backups: one archive (tar.gz, or zip by name) with a manifest of every file's hash, mode and time.</summary>
    public static class HomeBackup
    {
        /// <summary>Files up to this size are read whole and re-checked, so a file changing mid-read is read again.</summary>
        internal const int StableReadLimit = 8 * 1024 * 1024;

        private const int ReadAttempts = 3;

        private static readonly Regex MigrationLog = new Regex(@"^\d{14}-migrate\.log$", RegexOptions.CultureInvariant);

        /// <summary>
        /// Where the archive goes: <paramref name="destination"/> as a file (when it ends in .tar.gz, .tgz or .zip and is no
        /// folder; .zip writes a zip) or folder (created later), default the current folder, with the name
        /// <c>porter-home-&lt;home&gt;-yyyyMMdd-HHmmss.tar.gz</c> (<see cref="BackupPaths.HomeStem"/>; numbered <c>-2</c>, <c>-3</c>… when a
        /// backup of that second exists), so that backups of several homes in one folder tell their homes apart.
        /// Raises <c>HomeNotFound</c> (<c>PathNotFolder</c> for a file), <c>DestinationInsideHome</c> and (without <paramref name="force"/>) <c>BackupExists</c>.
        /// </summary>
        public static string PlanArchivePath(string homePath, string? destination, string currentDirectory, bool force, DateTime now)
        {
            HomeShape.RequireFolder(homePath);

            string target = string.IsNullOrEmpty(destination) ? currentDirectory
                : Path.GetFullPath(Path.IsPathRooted(destination) ? destination : Path.Combine(currentDirectory, destination));
            string archive = BackupPaths.ArchivePath(target, BackupPaths.HomeStem(homePath), now, ArchiveFormat.TarGzip);
            RefuseInsideHome(archive, homePath);
            BackupPaths.CheckWritable(archive, force);
            return archive;
        }

        /// <summary>Raises <c>DestinationInsideHome</c> when the archive would lie inside the home by any path (as written, through a link, or a bind mount).</summary>
        private static void RefuseInsideHome(string archive, string homePath)
        {
            if (ArchivePaths.MayBeInside(archive, homePath))
            {
                throw new PorterStorageException(ErrorIds.DestinationInsideHome, PorterErrorKind.InvalidArgument, archive,
                    $"The backup '{archive}' would be written inside the home '{homePath}' it backs up (as written, through a link or a mount of it); choose a folder outside it.");
            }
        }

        /// <summary>
        /// Writes the archive under a temporary name (created 0600), re-reads and checks every entry, then renames it
        /// into place. Unreadable or unstable files are reported through <paramref name="onItemError"/> and make the
        /// backup unverified. Cancellation leaves no partial file.
        /// </summary>
        public static PorterBackup Create(string homePath, string archivePath, bool dataOnly, bool force,
            IProgress<OperationProgress>? progress, Action<PorterStorageException>? onItemError, CancellationToken cancel) =>
            Create(homePath, archivePath, dataOnly, force, progress, onItemError, ReadFile, cancel);

        /// <summary>How a backup reads a small file of the home: whole, never through a link (one swapped in after the listing is refused).</summary>
        internal static byte[] ReadFile(string path) => FileSystemExtras.ReadAllBytes(path, followLinks: false);

        /// <summary>As above, reading small files through <paramref name="readAll"/> (tests simulate unstable and unreadable files).</summary>
        internal static PorterBackup Create(string homePath, string archivePath, bool dataOnly, bool force,
            IProgress<OperationProgress>? progress, Action<PorterStorageException>? onItemError, Func<string, byte[]> readAll, CancellationToken cancel) =>
            Create(homePath, archivePath, dataOnly, force, progress, onItemError, FileIO.System, readAll, cancel);

        /// <summary>As above, with every archive write, move and delete through <paramref name="io"/> (tests fail the n-th call).</summary>
        internal static PorterBackup Create(string homePath, string archivePath, bool dataOnly, bool force,
            IProgress<OperationProgress>? progress, Action<PorterStorageException>? onItemError, IFileIO io, CancellationToken cancel) =>
            Create(homePath, archivePath, dataOnly, force, progress, onItemError, io, io.ReadAllBytes, cancel);

        private static PorterBackup Create(string homePath, string archivePath, bool dataOnly, bool force,
            IProgress<OperationProgress>? progress, Action<PorterStorageException>? onItemError, IFileIO io, Func<string, byte[]> readAll, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            DateTime created = DateTime.UtcNow;
            // A backup taken while a migration runs holds whatever the timing gives: refused before, and checked again after.
            RefuseWhileMigrating(homePath, null);
            string marks = MigrationMarks(homePath);
            List<FileSystemInfo> items = Collect(homePath, dataOnly, cancel);
            // The bytes behind a linked data folder are not in the archive, yet the migration works there: such a backup is never verified.
            var skipped = new List<BackupSkippedItem>();
            foreach (LinkedDataFolder link in DataFolderLinks.Find(homePath))
            {
                PorterStorageException error = link.ToException();
                skipped.Add(new BackupSkippedItem(link.Name, error.ErrorId, error.Message));
                onItemError?.Invoke(error);
            }
            int fileTotal = items.Count(i => i is FileInfo && FileSystemExtras.ReadLink(i) == null);

            string folder = Path.GetDirectoryName(archivePath)!;
            try
            {
                io.CreateDirectory(folder);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, folder, IOOperation.Write, "No backup was written.");
            }
            // Asked again now that the folder exists: it may have been made (or mounted) into the home since the plan.
            RefuseInsideHome(archivePath, homePath);
            var entries = new List<BackupEntry>();
            int files = 0;
            long totalBytes = 0;
            try
            {
                PorterBackupVerification? check = null;
                (string archiveSha, long archiveBytes) = PrivateFile.Write(io, archivePath, force, stream =>
                {
                    // A failing write names the archive (DiskFull, AccessDenied, FileWriteFailed), never the file being read. Not
                    // disposed here: the file is the writer's to flush and close.
                    var named = new NamedWriteStream(stream, archivePath);
                    using var hashing = new HashingStream(named);
                    using (ArchiveWriter archive = ArchiveWriter.Create(hashing, ArchiveFormats.ForName(archivePath)))
                    {
                        var buffer = new byte[81920];
                        foreach (FileSystemInfo item in items)
                        {
                            cancel.ThrowIfCancellationRequested();
                            string rel = ArchivePaths.Relative(homePath, item.FullName);
                            BackupEntry? entry = Record(archive, item, rel, buffer, skipped, onItemError, readAll, cancel);
                            if (entry == null)
                            {
                                continue;
                            }
                            entries.Add(entry);
                            if (entry.Type == BackupEntryType.File)
                            {
                                files++;
                                totalBytes += entry.Size;
                                progress?.Report(new OperationProgress("Backing up", rel, files, fileTotal, totalBytes));
                            }
                        }

                        var manifest = new BackupManifest(BackupKinds.HomeManifest, created, homePath, dataOnly, BackupManifest.CurrentTool, entries, skipped) { RootOwner = OwnerOf(homePath) };
                        archive.Add(manifest);
                        archive.Finish();
                    }
                    hashing.Flush();
                    return (hashing.HexDigest(), hashing.BytesWritten);
                }, (temp, written) =>
                {
                    check = BackupVerifier.Verify(temp, written.Item1, progress, cancel);
                    RefuseWhileMigrating(homePath, marks);
                });
                return new PorterBackup(archivePath, BackupKinds.Home, homePath, created, files, totalBytes, archiveBytes, archiveSha, dataOnly,
                    check!.IsValid, clock.Elapsed, skipped);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, archivePath, IOOperation.Write, "No backup was written.");
            }
        }

        /// <summary>
        /// Raises <c>MigrationInProgress</c> when a migration holds the home's lock now or, with <paramref name="marksBefore"/>, when
        /// the migration's work folder (<c>.porterstorage</c>, its journal and lock) changed since the backup began: a migration ran
        /// meanwhile, so the archive may hold some of its changes and not others.
        /// </summary>
        private static void RefuseWhileMigrating(string homePath, string? marksBefore)
        {
            bool running = FileSystemMigrationStore.IsMigrating(homePath);
            if (running || (marksBefore != null && marksBefore != MigrationMarks(homePath)))
            {
                throw new PorterStorageException(ErrorIds.MigrationInProgress, PorterErrorKind.ResourceBusy, homePath,
                    running
                        ? $"A migration of '{homePath}' is running; a backup taken now could hold some of its changes and not others. No backup was written; back up once it has finished."
                        : $"A migration of '{homePath}' ran while the backup was written; the archive could hold some of its changes and not others. No backup was written; back up again.");
            }
        }

        /// <summary>What a migration changes in a home's work folder (the folder, its journal and lock: device, inode, size, time), read without following links.</summary>
        private static string MigrationMarks(string homePath)
        {
            string work = Path.Combine(homePath, FileSystemMigrationStore.WorkFolderName);
            return string.Join("|", new[] { work, Path.Combine(work, "journal.log"), Path.Combine(work, "lock") }.Select(p => UnixFiles.Lstat(p)?.Token ?? "-"));
        }

        /// <summary>The items to record, in a stable order: each folder's entries sorted ordinally, folders before their content.</summary>
        private static List<FileSystemInfo> Collect(string homePath, bool dataOnly, CancellationToken cancel)
        {
            var result = new List<FileSystemInfo>();
            var root = new DirectoryInfo(homePath);
            foreach (FileSystemInfo top in Sorted(root))
            {
                if (dataOnly && !IsData(top))
                {
                    continue;
                }
                Walk(top, result, cancel);
            }
            return result;
        }

        private static bool IsData(FileSystemInfo top)
        {
            string name = top.Name;
            if (top is DirectoryInfo)
            {
                return ItemTypes.DataFolders.Contains(name);
            }
            return name == SchemaVersions.FileName || name.StartsWith("config.", StringComparison.Ordinal) || MigrationLog.IsMatch(name);
        }

        [MethodImpl(Hot.Path)]
        private static IEnumerable<FileSystemInfo> Sorted(DirectoryInfo dir)
        {
            try
            {
                return dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, dir.FullName, IOOperation.List, "No backup was written.");
            }
        }

        [MethodImpl(Hot.Path)]
        private static void Walk(FileSystemInfo item, List<FileSystemInfo> result, CancellationToken cancel)
        {
            cancel.ThrowIfCancellationRequested();
            result.Add(item);
            if (item is DirectoryInfo dir && (dir.Attributes & FileAttributes.ReparsePoint) == 0 && !UnixFiles.IsLossyName(dir.FullName))
            {
                foreach (FileSystemInfo child in Sorted(dir))
                {
                    Walk(child, result, cancel);
                }
            }
        }

        [MethodImpl(Hot.Path)]
        private static BackupEntry? Record(ArchiveWriter archive, FileSystemInfo item, string rel, byte[] buffer, List<BackupSkippedItem> skipped,
            Action<PorterStorageException>? onItemError, Func<string, byte[]> readAll, CancellationToken cancel)
        {
            if (UnixFiles.IsLossyName(item.FullName))
            {
                PorterStorageException error = NameNotUtf8(item.FullName);
                skipped.Add(new BackupSkippedItem(rel, error.ErrorId, error.Message));
                onItemError?.Invoke(error);
                return null;
            }
            int? mode = UnixPermissions.TryGetMode(item);
            string? link = FileSystemExtras.ReadLink(item);
            (uint Uid, uint Gid)? owner = OwnerOf(item.FullName);
            if (link != null)
            {
                return new BackupEntry(rel, BackupEntryType.SymbolicLink, 0, null, null, SafeTime(item), link, owner: owner?.Uid, group: owner?.Gid);
            }
            if (item is DirectoryInfo)
            {
                return new BackupEntry(rel, BackupEntryType.Directory, 0, null, mode, SafeTime(item), null, owner: owner?.Uid, group: owner?.Gid);
            }

            var file = (FileInfo)item;
            try
            {
                return RecordFile(archive, file, rel, mode, owner, buffer, readAll, cancel);
            }
            catch (PorterStorageException ex) when (!IOErrors.IsWriteFailure(ex))
            {
                skipped.Add(new BackupSkippedItem(rel, ex.ErrorId, ex.Message));
                onItemError?.Invoke(ex);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                PorterStorageException error = IOErrors.Map(ex, file.FullName, IOOperation.Read, "It is not in the backup.");
                skipped.Add(new BackupSkippedItem(rel, error.ErrorId, error.Message));
                onItemError?.Invoke(error);
            }
            return null;
        }

        [MethodImpl(Hot.Path)]
        private static BackupEntry RecordFile(ArchiveWriter archive, FileInfo file, string rel, int? mode, (uint Uid, uint Gid)? owner, byte[] buffer,
            Func<string, byte[]> readAll, CancellationToken cancel)
        {
            // The status the listing read is the "before": a change from then until the read is done is seen below.
            long size = file.Length;
            DateTime mtime = file.LastWriteTimeUtc;
            string name = BackupManifest.ArchiveName(rel);

            if (size <= StableReadLimit)
            {
                for (int attempt = 1; attempt <= ReadAttempts; attempt++)
                {
                    byte[] content = readAll(file.FullName);
                    file.Refresh();
                    if (content.Length == size && file.Length == size && file.LastWriteTimeUtc == mtime)
                    {
                        archive.Add(name, content, mtime, owner);
                        string sha = Hex.Sha256(content);
                        return new BackupEntry(rel, BackupEntryType.File, size, sha, mode, mtime, null, owner: owner?.Uid, group: owner?.Gid);
                    }
                    size = file.Length;
                    mtime = file.LastWriteTimeUtc;
                }
                throw Changed(file.FullName);
            }

            // Large files stream through; a change during the read is detected afterwards.
            string hash;
            long length;
            // Never through a link: a file swapped for one after it was listed is not read (a link is recorded as a link when listed).
            using (Stream source = FileSystemExtras.OpenRegularForRead(file.FullName, buffer.Length, followLinks: false))
            using (Stream target = archive.Open(name, size, mtime, owner))
            {
                hash = Hex.Copy(source, target, buffer, out length, cancel);
            }
            file.Refresh();
            if (length != size || file.Length != size || file.LastWriteTimeUtc != mtime)
            {
                throw Changed(file.FullName);
            }
            return new BackupEntry(rel, BackupEntryType.File, size, hash, mode, mtime, null, owner: owner?.Uid, group: owner?.Gid);
        }

        /// <summary>The numeric owner and group of <paramref name="path"/> itself (a link's own), or null where they cannot be read.</summary>
        internal static (uint Uid, uint Gid)? OwnerOf(string path)
        {
            try
            {
                FileIdentity? id = UnixFiles.Lstat(path);
                return id == null ? ((uint, uint)?)null : (id.Value.Owner, id.Value.Group);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                return null;
            }
        }

        /// <summary><c>FileNameNotUtf8</c>: a name .NET can only read lossily, so the file cannot be opened by it (never called a link).</summary>
        internal static PorterStorageException NameNotUtf8(string path) =>
            new PorterStorageException(ErrorIds.FileNameNotUtf8, PorterErrorKind.InvalidData, path,
                $"The name of '{ArchiveRefusal.Printable(path)}' (shown with U+FFFD) is not valid UTF-8, so it cannot be opened by name here and is not in the backup; "
                + $"rename it (e.g. with 'mv' using its bytes) or move it out of the home, then back up again.");

        private static PorterStorageException Changed(string path) =>
            new PorterStorageException(ErrorIds.FileChangedDuringBackup, PorterErrorKind.ReadError, path,
                $"'{path}' kept changing while it was read; it is not in the backup. Stop whatever writes to the home and back up again.");

        private static DateTime SafeTime(FileSystemInfo item)
        {
            try
            {
                return item.LastWriteTimeUtc;
            }
            catch (IOException)
            {
                return DateTime.MinValue;
            }
        }
    }
}
