using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.Folder
{
    /// <summary>What a restore will do, decided before anything is written.</summary>
    public sealed class RestorePlan
    {
        internal RestorePlan(string archivePath, string destination, bool moveAside, BackupManifest manifest, PorterBackupVerification verification)
        {
            ArchivePath = archivePath;
            Destination = destination;
            MoveAside = moveAside;
            Manifest = manifest;
            Verification = verification;
        }

        public string ArchivePath { get; }

        public string Destination { get; }

        /// <summary>True when a non-empty folder stands at the destination and will be moved aside.</summary>
        public bool MoveAside { get; }

        public BackupManifest Manifest { get; }

        public PorterBackupVerification Verification { get; }
    }

    /// <summary>Restores a home backup: verified first, extracted beside the destination, then moved into place.</summary>
    public static class HomeRestore
    {
        /// <summary>
        /// Validates the archive with <see cref="ArchiveValidator"/> (<c>UnsafeArchiveEntry</c>, <c>BackupCorrupt</c>) and decides
        /// the destination: <paramref name="destination"/>, else the home recorded in the manifest. A non-empty folder
        /// there is refused (<c>DestinationNotEmpty</c>) unless <paramref name="force"/>. Writes nothing.
        /// </summary>
        public static RestorePlan Plan(string archivePath, string? expectedSha256, string? destination, string currentDirectory, bool force,
            IProgress<OperationProgress>? progress, CancellationToken cancel) =>
            Plan(archivePath, expectedSha256, destination, currentDirectory, force, progress, FileIO.System, cancel);

        /// <summary>As above, listing the destination through <paramref name="io"/>; a destination that cannot be listed is named (<c>AccessDenied</c>, <c>StoreReadError</c>).</summary>
        internal static RestorePlan Plan(string archivePath, string? expectedSha256, string? destination, string currentDirectory, bool force,
            IProgress<OperationProgress>? progress, IFileIO io, CancellationToken cancel)
        {
            PorterBackupVerification check = BackupVerifier.RequireValidOfKind(archivePath, expectedSha256, BackupKinds.HomeManifest, progress, cancel);
            BackupManifest manifest = check.Manifest!;

            if (string.IsNullOrEmpty(destination) && !IsAbsoluteHome(manifest.Source))
            {
                throw new PorterStorageException(ErrorIds.BackupCorrupt, PorterErrorKind.InvalidData, archivePath,
                    $"The backup '{archivePath}' records no absolute home path ('{ArchiveRefusal.Printable(manifest.Source)}') to restore to; pass -Destination.");
            }
            string target = string.IsNullOrEmpty(destination) ? Path.GetFullPath(manifest.Source)
                : Path.GetFullPath(Path.IsPathRooted(destination) ? destination : Path.Combine(currentDirectory, destination));
            target = target.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            if (File.Exists(target))
            {
                throw new PorterStorageException(ErrorIds.DestinationNotEmpty, PorterErrorKind.ResourceExists, target,
                    $"'{target}' is a file, not a folder.");
            }
            bool occupied = Directory.Exists(target) && Try(target, IOOperation.List, "Nothing was restored.", () => io.List(target).Any());
            if (occupied && !force)
            {
                throw new PorterStorageException(ErrorIds.DestinationNotEmpty, PorterErrorKind.ResourceExists, target,
                    $"The folder '{target}' is not empty. Use -Force to move it aside (to '{target}.before-restore-<time>') and restore in its place.");
            }
            return new RestorePlan(archivePath, target, occupied, manifest, check);
        }

        /// <summary>True for a recorded home path a restore may use as it is: absolute, no control character, no '..' segment.</summary>
        private static bool IsAbsoluteHome(string source)
        {
            if (string.IsNullOrEmpty(source) || !Path.IsPathRooted(source) || source.Any(c => c < 0x20 || c == 0x7F))
            {
                return false;
            }
            string root = Path.GetPathRoot(source) ?? string.Empty;
            return root.Length > 0 && source.Length > root.Length
                && !source.Split('/', '\\').Any(part => part == "..") && (Path.DirectorySeparatorChar == '/' ? source[0] == '/' : root.Length >= 3);
        }


        /// <summary>
        /// Extracts into a sibling folder, checking each file's hash again, sets modes and times, then moves any
        /// existing folder aside and the restored one into place. On failure the destination is left as it was: a file
        /// system failure is named by <see cref="IOErrors"/> (<c>AccessDenied</c>, <c>DiskFull</c>, <c>FileWriteFailed</c>,
        /// <c>FileUnreadable</c>) with the failing path, and a folder moved aside is moved back (<c>RestoreFailed</c>, naming
        /// where it is, only when even that fails).
        /// </summary>
        /// <remarks>
        /// Everything is written below the destination's parent folder through <see cref="ConfinedFileIO"/>: the scratch folder, the
        /// files, their modes, times and owners, the swap. A user who may write that parent (their own home folder) cannot redirect
        /// a write of a root-run restore by swapping the scratch folder or anything in it for a link: it is refused (<c>UnsafeLink</c>).
        /// </remarks>
        public static PorterRestoreResult Execute(RestorePlan plan, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            string? parent = Path.GetDirectoryName(plan.Destination);
            if (string.IsNullOrEmpty(parent) || !UnixFiles.Supported)
            {
                return Execute(plan, progress, FileIO.System, cancel);
            }
            if (UnixFiles.LinkAnotherUserOwns(parent!) is string link)
            {
                throw IOErrors.Map(new LinkRefusedException(link), link, IOOperation.Write,
                    $"It is another user's link on the way to '{plan.Destination}', who would choose where the restore lands; nothing was restored. Give the destination without it.");
            }
            Try(parent!, IOOperation.Write, $"Nothing was restored; '{plan.Destination}' is as it was.", () => FileIO.System.CreateDirectory(parent!));
            return Execute(plan, progress, new ConfinedFileIO(parent!), cancel);
        }

        /// <summary>As above, with every folder, file, move and read of the archive through <paramref name="io"/> (tests fail the n-th call).</summary>
        internal static PorterRestoreResult Execute(RestorePlan plan, IProgress<OperationProgress>? progress, IFileIO io, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            string dest = plan.Destination;
            string untouched = $"Nothing was restored; '{dest}' is as it was.";
            string stamp = DateTime.Now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            string? parent = Path.GetDirectoryName(dest);
            if (!string.IsNullOrEmpty(parent))
            {
                Try(parent!, IOOperation.Write, untouched, () => io.CreateDirectory(parent!));
            }
            string staging = dest + ".restoring-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            int restored = 0;
            long bytes = 0;
            string? movedAside = null;
            bool removedEmpty = false;
            bool placed = false;
            try
            {
                Try(staging, IOOperation.Write, untouched, () => io.CreateDirectory(staging));
                var buffer = new byte[81920];
                int fileCount = plan.Manifest.Entries.Count(e => e.Type == BackupEntryType.File);
                foreach (BackupEntry e in plan.Manifest.Entries.Where(e => e.Type == BackupEntryType.Directory))
                {
                    string folder = Local(staging, e.Path);
                    Try(folder, IOOperation.Write, untouched, () => io.CreateDirectory(folder));
                }
                // In archive order, so that a tar.gz is read once.
                using (Stream raw = Try(plan.ArchivePath, IOOperation.Read, untouched, () => io.OpenRead(plan.ArchivePath, 81920)))
                using (ArchiveReader archive = Try(plan.ArchivePath, IOOperation.Read, untouched, () => ArchiveReader.Open(raw, leaveOpen: true)))
                using (IEnumerator<(ArchiveItem Item, BackupEntry Entry)> files = archive.Files(plan.Manifest, plan.ArchivePath).GetEnumerator())
                {
                    while (Try(plan.ArchivePath, IOOperation.Read, untouched, () => files.MoveNext()))
                    {
                        cancel.ThrowIfCancellationRequested();
                        (ArchiveItem item, BackupEntry e) = files.Current;
                        string path = Local(staging, e.Path);
                        string folder = Path.GetDirectoryName(path)!;
                        Try(folder, IOOperation.Write, untouched, () => io.CreateDirectory(folder));
                        string sha = string.Empty;
                        long length = 0;
                        // A failed read is the archive's; a failed write is named by the stream (the staged file).
                        Try(plan.ArchivePath, IOOperation.Read, untouched, () =>
                        {
                            using (Stream source = item.Open())
                            using (Stream target = new NamedWriteStream(Try(path, IOOperation.Write, untouched, () => io.CreateNew(path, 81920)), path))
                            {
                                sha = Hex.Copy(source, target, buffer, out length, cancel);
                            }
                        });
                        if (length != e.Size || sha != e.Sha256)
                        {
                            throw BackupManifest.Corrupt(plan.ArchivePath, $"'{e.Path}' changed since it was verified", null);
                        }
                        Try(path, IOOperation.Write, untouched, () =>
                        {
                            if (e.Mode.HasValue)
                            {
                                // The permission bits only: a home never needs setuid, setgid or sticky, and a crafted archive must not set them.
                                io.SetMode(path, e.Mode.Value & PorterFileModes.AllPermissionBits);
                            }
                            io.SetModifiedTime(path, e.ModifiedUtc);
                        });
                        restored++;
                        bytes += length;
                        progress?.Report(new OperationProgress("Restoring", e.Path, restored, fileCount, bytes));
                    }
                }
                foreach (BackupEntry e in plan.Manifest.Entries.Where(e => e.Type == BackupEntryType.SymbolicLink))
                {
                    string link = Local(staging, e.Path);
                    string folder = Path.GetDirectoryName(link)!;
                    Try(folder, IOOperation.Write, untouched, () => io.CreateDirectory(folder));
                    Try(link, IOOperation.Write, untouched, () => io.CreateSymbolicLink(link, e.LinkTarget!));
                }
                // Folders last, deepest first, so that writing their content does not change their times.
                foreach (BackupEntry e in plan.Manifest.Entries.Where(e => e.Type == BackupEntryType.Directory).OrderByDescending(e => e.Path.Length))
                {
                    string path = Local(staging, e.Path);
                    Try(path, IOOperation.Write, untouched, () =>
                    {
                        if (e.Mode.HasValue)
                        {
                            io.SetMode(path, e.Mode.Value & PorterFileModes.AllPermissionBits);
                        }
                        io.SetModifiedTime(path, e.ModifiedUtc);
                    });
                }
                // Owners last: until the scratch folder is the user's, the user can change nothing in it.
                List<string> ownersKept = Try(staging, IOOperation.Write, untouched, () => GiveOwners(plan, staging, io));

                cancel.ThrowIfCancellationRequested();
                if (Directory.Exists(dest))
                {
                    if (plan.MoveAside || Try(dest, IOOperation.List, untouched, () => io.List(dest).Any()))
                    {
                        string aside = dest + ".before-restore-" + stamp;
                        if (Directory.Exists(aside) || File.Exists(aside) || UnixFiles.Lstat(aside) != null)
                        {
                            aside += "-" + Guid.NewGuid().ToString("N").Substring(0, 8); // that name is taken already
                        }
                        Try(dest, IOOperation.Write, untouched, () => io.MoveDirectory(dest, aside));
                        movedAside = aside;
                    }
                    else
                    {
                        Try(dest, IOOperation.Write, untouched, () => io.DeleteEmptyDirectory(dest));
                        removedEmpty = true;
                    }
                }
                Try(dest, IOOperation.Write, untouched, () => io.MoveDirectory(staging, dest));
                placed = true;
                return new PorterRestoreResult(plan.ArchivePath, dest, movedAside, restored, bytes, clock.Elapsed)
                {
                    OwnersNotSet = ownersKept,
                };
            }
            finally
            {
                if (!placed)
                {
                    PutBack(dest, movedAside, removedEmpty);
                }
                try
                {
                    // Through folder handles: the scratch folder may be the user's by now, and a link put in it is never followed.
                    if (!placed)
                    {
                        io.DeleteTree(staging);
                    }
                }
                catch (Exception ex) when (IOErrors.IsIOFailure(ex))
                {
                    // The restore's own scratch folder, beside the destination; what happened is reported by the caller.
                }
            }
        }

        /// <summary>
        /// Gives each restored item (and the restored folder itself) the numeric owner and group its backup recorded, never through
        /// a link (lchown); items an older archive records no owner for get the owner of the destination folder, or of its parent
        /// when there is none yet, so a restore run as root leaves a user's home the user's. A process that may not change owners
        /// (not root) changes none: the items recorded for another owner than this process are returned, to be named in a warning.
        /// </summary>
        private static List<string> GiveOwners(RestorePlan plan, string staging, IFileIO io)
        {
            var notSet = new List<string>();
            (uint, uint)? fallback = HomeBackup.OwnerOf(plan.Destination) ?? HomeBackup.OwnerOf(Path.GetDirectoryName(plan.Destination) ?? plan.Destination);
            bool may = UnixFiles.MayChangeOwners;
            uint? self = UnixFiles.EffectiveUser;
            void Give(string path, string name, (uint Uid, uint Gid)? recorded)
            {
                (uint Uid, uint Gid)? owner = recorded ?? fallback;
                if (owner == null)
                {
                    return;
                }
                if (!may)
                {
                    if (recorded.HasValue && self.HasValue && recorded.Value.Uid != self.Value)
                    {
                        notSet.Add(name);
                    }
                    return;
                }
                if (!io.TrySetOwner(path, owner.Value.Uid, owner.Value.Gid))
                {
                    notSet.Add(name);
                }
            }
            var recorded = new HashSet<string>(StringComparer.Ordinal);
            foreach (BackupEntry e in plan.Manifest.Entries)
            {
                recorded.Add(e.Path);
                Give(Local(staging, e.Path), e.Path, e.Owner.HasValue && e.Group.HasValue ? (e.Owner.Value, e.Group.Value) : ((uint, uint)?)null);
            }
            Give(staging, ".", plan.Manifest.RootOwner);
            // Folders the archive holds files in but records no entry for (older or other writers) were made here: the folder's owner.
            (uint, uint)? rootOwner = plan.Manifest.RootOwner ?? fallback;
            void Unrecorded(string folder)
            {
                foreach (string child in Directory.EnumerateFileSystemEntries(folder))
                {
                    FileIdentity? id = UnixFiles.Lstat(child);
                    if (id == null || !id.Value.IsDirectory)
                    {
                        continue;
                    }
                    string rel = ArchivePaths.Relative(staging, child);
                    if (!recorded.Contains(rel))
                    {
                        Give(child, rel, rootOwner);
                    }
                    Unrecorded(child);
                }
            }
            if (UnixFiles.Supported)
            {
                Unrecorded(staging);
            }
            return notSet;
        }

        /// <summary>Undoes the swap of a restore that did not complete: the folder moved aside goes back, an empty one removed is created again.</summary>
        private static void PutBack(string dest, string? movedAside, bool removedEmpty)
        {
            try
            {
                if (movedAside != null)
                {
                    Directory.Move(movedAside, dest);
                }
                else if (removedEmpty && !Directory.Exists(dest))
                {
                    Directory.CreateDirectory(dest);
                }
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw new PorterStorageException(ErrorIds.RestoreFailed, PorterErrorKind.WriteError, dest,
                    movedAside != null
                        ? $"The restore into '{dest}' failed and the folder that stood there could not be moved back ({ex.Message}); it is intact at '{movedAside}'."
                        : $"The restore into '{dest}' failed and the empty folder that stood there could not be created again ({ex.Message}).", ex);
            }
        }

        /// <summary>Runs one file system operation on <paramref name="path"/>; its failure becomes the <see cref="IOErrors"/> error naming that path.</summary>
        private static T Try<T>(string path, IOOperation operation, string? consequence, Func<T> action)
        {
            try
            {
                return action();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, path, operation, consequence);
            }
            catch (InvalidDataException ex) when (ex.InnerException != null && IOErrors.IsIOFailure(ex.InnerException))
            {
                // the archive readers wrap a failed read of the archive
                throw IOErrors.Map(ex.InnerException, path, operation, consequence);
            }
            catch (InvalidDataException ex)
            {
                // the archive no longer reads as it did when it was verified
                throw BackupManifest.Corrupt(path, "it changed since it was verified (" + ex.Message + ")", ex);
            }
        }

        private static void Try(string path, IOOperation operation, string? consequence, Action action) =>
            Try(path, operation, consequence, () =>
            {
                action();
                return true;
            });

        private static string Local(string root, string relative) => Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
    }
}
