using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.Backup
{
    /// <summary>
    /// The backups in a folder (Get-PorterBackup) and which of them may go (Remove-PorterBackup): each archive is read and
    /// checked in full by the one validator, so "verified" means what Test-PorterBackup says now, not what was once written.
    /// Folders are walked as <c>find -P</c> does: only regular files are taken as archives (never a link, FIFO, socket or
    /// device, which are passed over unopened), no linked folder is entered, and each file counts once by device and inode,
    /// so a loop, a second name (a link to a folder, a hard link) or a FIFO never lists, counts or removes an archive twice.
    /// </summary>
    public static class BackupCatalog
    {
        /// <summary>
        /// The archive files <paramref name="named"/> (folders or files, full paths) hold: a named file as it is, a folder's
        /// archives by name (.tar.gz, .tgz, .zip; with <paramref name="recurse"/> in the folders below too, never through a link).
        /// A named link to a folder is entered (it is what was asked for, as <c>find -H</c>); any other link, and anything that is
        /// not a regular file, is passed to <paramref name="passedOver"/> with the reason and never opened. Each file once, by
        /// device and inode; a named path where nothing is goes to <paramref name="missing"/>.
        /// </summary>
        public static List<string> Locate(IEnumerable<string> named, bool recurse, Action<string, string>? passedOver, Action<string>? missing, CancellationToken cancel)
        {
            var files = new List<string>();
            var seenFiles = new HashSet<string>(StringComparer.Ordinal);
            var seenFolders = new HashSet<string>(StringComparer.Ordinal);
            void Take(string path, CatalogStatus status)
            {
                if (seenFiles.Add(status.Key))
                {
                    files.Add(path);
                }
            }
            void Walk(string folder, CatalogStatus status)
            {
                cancel.ThrowIfCancellationRequested();
                if (!seenFolders.Add(status.Key))
                {
                    return;
                }
                List<string> children;
                try
                {
                    children = Directory.EnumerateFileSystemEntries(folder).OrderBy(c => c, StringComparer.Ordinal).ToList();
                }
                catch (Exception ex) when (IOErrors.IsIOFailure(ex))
                {
                    passedOver?.Invoke(folder, "the folder could not be listed: " + ex.Message);
                    return;
                }
                var below = new List<(string, CatalogStatus)>();
                foreach (string child in children)
                {
                    CatalogStatus? s = CatalogStatus.Of(child);
                    if (s == null)
                    {
                        continue;
                    }
                    if (s.Value.IsDirectory)
                    {
                        if (recurse)
                        {
                            below.Add((child, s.Value));
                        }
                    }
                    else if (ArchiveFormats.IsArchiveName(child))
                    {
                        if (s.Value.IsRegularFile)
                        {
                            Take(child, s.Value);
                        }
                        else
                        {
                            passedOver?.Invoke(child, s.Value.WhyNotArchive);
                        }
                    }
                }
                foreach ((string child, CatalogStatus s) in below)
                {
                    Walk(child, s);
                }
            }

            foreach (string item in named)
            {
                CatalogStatus? status = CatalogStatus.Of(item);
                if (status == null)
                {
                    missing?.Invoke(item);
                }
                else if (status.Value.IsDirectory)
                {
                    Walk(item, status.Value);
                }
                else if (status.Value.IsLink && CatalogStatus.FollowingIsDirectory(item, out CatalogStatus followed))
                {
                    Walk(item, followed);
                }
                else if (status.Value.IsRegularFile)
                {
                    Take(item, status.Value);
                }
                else
                {
                    passedOver?.Invoke(item, status.Value.WhyNotArchive);
                }
            }
            return files;
        }

        /// <summary>
        /// The archives among <paramref name="files"/> (by name: .tar.gz, .tgz, .zip) that are PorterStorage backups, as
        /// <see cref="PorterBackup"/> objects (Verified = the archive passes its check now), oldest first, each file once (by device
        /// and inode: the first name seen stands for a hard-linked one). A file that is no backup (no manifest, unreadable, a
        /// link, FIFO or device, never opened) is passed to <paramref name="notABackup"/> with the reason and left out.
        /// </summary>
        public static List<PorterBackup> Read(IEnumerable<string> files, Action<string, string>? notABackup, CancellationToken cancel)
        {
            var found = new List<PorterBackup>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string file in files.Where(ArchiveFormats.IsArchiveName).Distinct(StringComparer.Ordinal))
            {
                cancel.ThrowIfCancellationRequested();
                CatalogStatus? status = CatalogStatus.Of(file);
                if (status == null)
                {
                    notABackup?.Invoke(file, "it no longer exists");
                    continue;
                }
                if (!status.Value.IsRegularFile)
                {
                    notABackup?.Invoke(file, status.Value.WhyNotArchive);
                    continue;
                }
                if (!seen.Add(status.Value.Key))
                {
                    continue;
                }
                PorterBackupVerification check;
                try
                {
                    check = ArchiveValidator.Validate(file, null, null, cancel, status.Value.Identity);
                }
                catch (Exception ex) when (ex is PorterStorageException || IOErrors.IsIOFailure(ex))
                {
                    notABackup?.Invoke(file, ex.Message);
                    continue;
                }
                BackupManifest? manifest = check.Manifest;
                if (manifest == null)
                {
                    notABackup?.Invoke(file, check.Reason ?? "it has no readable manifest");
                    continue;
                }
                string kind = BackupKinds.FromManifest(manifest.Kind);
                found.Add(new PorterBackup(file, kind, manifest.Source, manifest.CreatedUtc, manifest.Entries.Count(e => e.Type != BackupEntryType.Directory),
                    manifest.Entries.Where(e => e.Type == BackupEntryType.File).Sum(e => e.Size), status.Value.Size, check.Sha256 ?? string.Empty, manifest.DataOnly, check.IsValid,
                    TimeSpan.Zero, check.Skipped)
                {
                    FileKey = status.Value.Key,
                    Identity = status.Value.Identity,
                });
            }
            return found.OrderBy(b => b.Created).ThenBy(b => b.Path, StringComparer.Ordinal).ToList();
        }

        /// <summary>
        /// Remove-PorterBackup's decisions for the archives <paramref name="asked"/> about: every backup in their folders is read
        /// and checked, since "never a home's last verified backup" looks at all of them, then <see cref="Plan"/> decides. An
        /// archive asked for by another name of the same file (a hard link) is that one backup.
        /// </summary>
        public static List<BackupRemoval> PlanRemoval(IReadOnlyCollection<string> asked, int? keepLast, Action<string, string>? notABackup, CancellationToken cancel)
        {
            List<string> askedFull = asked.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
            IEnumerable<string> folders = askedFull.Select(p => Path.GetDirectoryName(p)!).Distinct(StringComparer.Ordinal);
            List<string> files = Locate(folders, recurse: false, notABackup, null, cancel);
            List<PorterBackup> all = Read(files.Concat(askedFull), notABackup, cancel);
            var askedKeys = new HashSet<string>(askedFull.Select(p => CatalogStatus.Of(p)).Where(s => s != null && s.Value.IsRegularFile).Select(s => s!.Value.Key),
                StringComparer.Ordinal);
            return Plan(all, all.Where(b => askedKeys.Contains(Key(b))).ToList(), keepLast);
        }

        /// <summary>
        /// Removes a backup <see cref="Plan"/> let go, only while its path still names the very file that was read and checked
        /// (same device and inode, a regular file, never a link); otherwise raises an <see cref="IOException"/> and leaves it.
        /// </summary>
        public static void Delete(PorterBackup backup)
        {
            CatalogStatus? now = CatalogStatus.Of(backup.Path);
            if (now == null)
            {
                return;
            }
            if (!now.Value.IsRegularFile || (backup.FileKey != null && now.Value.Key != backup.FileKey))
            {
                throw new IOException($"'{backup.Path}' is no longer the archive that was checked (it was replaced, or is now a link or no file); it was left as it is.");
            }
            File.Delete(backup.Path);
        }

        /// <summary>True for an archive this user or root owns (or whose owner the platform does not tell).</summary>
        internal static bool Trusted(PorterBackup backup) =>
            !(backup.Identity is FileIdentity id) || UnixFiles.EffectiveUser is not uint me || !BackupVerifier.IsForeign(id.Owner, me);


        /// <summary>What makes two backups one file: device and inode where known, else the full path.</summary>
        internal static string Key(PorterBackup backup) => backup.FileKey ?? Path.GetFullPath(backup.Path);

        /// <summary>
        /// Which backups go. With <paramref name="keepLast"/>, per home or container (kind and source) the newest
        /// <paramref name="keepLast"/> are kept and the older ones removed; without it, exactly <paramref name="asked"/>. Either
        /// way the newest verified backup of a home or container is never removed when it would leave that home without a
        /// verified backup among <paramref name="all"/> (every backup of the folders concerned). Backups that are one file (the
        /// same device and inode under two names) count once, by the first of them.
        /// </summary>
        public static List<BackupRemoval> Plan(IReadOnlyList<PorterBackup> all, IReadOnlyCollection<PorterBackup> asked, int? keepLast)
        {
            if (keepLast.HasValue && keepLast.Value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(keepLast), "Keep at least one backup.");
            }
            var askedPaths = new HashSet<string>(asked.Select(Key), StringComparer.Ordinal);
            var plan = new List<BackupRemoval>();
            List<PorterBackup> unique = all.GroupBy(Key, StringComparer.Ordinal).Select(g => g.First()).ToList();
            // An archive another user owns says whatever its writer made it say (its home, its date): it vouches for no home, so it
            // neither counts among a home's backups nor is removed in its place.
            foreach (PorterBackup foreign in unique.Where(b => !Trusted(b) && askedPaths.Contains(Key(b))))
            {
                plan.Add(new BackupRemoval(foreign, false,
                    $"kept and not counted: owned by uid {foreign.Identity!.Value.Owner}, neither this user nor root, so it vouches for no home"));
            }
            unique = unique.Where(Trusted).ToList();
            foreach (IGrouping<string, PorterBackup> group in unique.GroupBy(b => b.Kind + "\n" + b.Source, StringComparer.Ordinal))
            {
                List<PorterBackup> newestFirst = group.OrderByDescending(b => b.Created).ThenByDescending(b => b.Path, StringComparer.Ordinal).ToList();
                var remove = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < newestFirst.Count; i++)
                {
                    PorterBackup b = newestFirst[i];
                    bool wanted = keepLast.HasValue ? i >= keepLast.Value && askedPaths.Contains(Key(b)) : askedPaths.Contains(Key(b));
                    if (wanted)
                    {
                        remove.Add(Key(b));
                    }
                }
                PorterBackup? lastVerified = newestFirst.FirstOrDefault(b => b.Verified);
                bool verifiedKept = newestFirst.Any(b => b.Verified && !remove.Contains(Key(b)));
                foreach (PorterBackup b in newestFirst)
                {
                    if (!askedPaths.Contains(Key(b)) && !(keepLast.HasValue && remove.Contains(Key(b))))
                    {
                        continue;
                    }
                    if (remove.Contains(Key(b)) && !verifiedKept && ReferenceEquals(b, lastVerified))
                    {
                        plan.Add(new BackupRemoval(b, false, $"kept: the only verified backup of '{b.Source}' that would remain"));
                    }
                    else if (remove.Contains(Key(b)))
                    {
                        plan.Add(new BackupRemoval(b, true, keepLast.HasValue ? $"older than the newest {keepLast.Value} of '{b.Source}'" : "asked for"));
                    }
                    else
                    {
                        plan.Add(new BackupRemoval(b, false, $"kept: one of the newest {keepLast} of '{b.Source}'"));
                    }
                }
            }
            return plan;
        }
    }

    /// <summary>A catalogue entry's status, read without following a link: its kind and what makes it one file (device and inode).</summary>
    internal readonly struct CatalogStatus
    {
        private const int TypeMask = 0xF000;
        private readonly int _type;

        private CatalogStatus(int type, string key, long size, FileIdentity? identity)
        {
            _type = type;
            Key = key;
            Size = size;
            Identity = identity;
        }

        /// <summary>Device and inode (or, where the platform gives none, the full path).</summary>
        public string Key { get; }

        public long Size { get; }

        public FileIdentity? Identity { get; }

        public bool IsLink => _type == 0xA000;

        public bool IsDirectory => _type == 0x4000;

        public bool IsRegularFile => _type == 0x8000;

        public string WhyNotArchive => IsLink ? "it is a symbolic link, which the catalogue never follows or opens"
            : "it is not a regular file (a FIFO, socket or device), so it is never opened";

        /// <summary>The status of <paramref name="path"/> itself (a link as a link), or null when nothing is there.</summary>
        public static CatalogStatus? Of(string path)
        {
            if (UnixFiles.Supported)
            {
                FileIdentity? id = UnixFiles.Lstat(path);
                return id == null ? (CatalogStatus?)null : From(id.Value);
            }
            var info = new FileInfo(path);
            if (!info.Exists && !Directory.Exists(path))
            {
                return null;
            }
            FileAttributes attributes = File.GetAttributes(path);
            int type = (attributes & FileAttributes.ReparsePoint) != 0 ? 0xA000 : (attributes & FileAttributes.Directory) != 0 ? 0x4000 : 0x8000;
            return new CatalogStatus(type, Path.GetFullPath(path), type == 0x8000 ? info.Length : 0, null);
        }

        /// <summary>True when the link <paramref name="path"/> leads to a folder, with that folder's status.</summary>
        public static bool FollowingIsDirectory(string path, out CatalogStatus status)
        {
            status = default;
            if (UnixFiles.Supported)
            {
                FileIdentity? id = UnixFiles.StatFollowing(path);
                if (id == null || !id.Value.IsDirectory)
                {
                    return false;
                }
                status = From(id.Value);
                return true;
            }
            if (!Directory.Exists(path))
            {
                return false;
            }
            status = new CatalogStatus(0x4000, Path.GetFullPath(path), 0, null);
            return true;
        }

        private static CatalogStatus From(FileIdentity id) =>
            new CatalogStatus(id.Mode & TypeMask, FormattableString.Invariant($"{id.Device}:{id.Inode}"), id.Size, id);
    }
}

namespace PorterStorage
{
    /// <summary>A backup the catalogue decided to keep or remove, and why.</summary>
    public sealed class BackupRemoval
    {
        internal BackupRemoval(PorterBackup backup, bool remove, string reason)
        {
            Backup = backup;
            Remove = remove;
            Reason = reason;
        }

        public PorterBackup Backup { get; }

        public bool Remove { get; }

        public string Reason { get; }
    }
}
