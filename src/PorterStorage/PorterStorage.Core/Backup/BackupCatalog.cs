using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using PorterStorage.Core.Errors;

namespace PorterStorage.Core.Backup
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

    /// <summary>
    /// The backups in a folder (Get-PorterBackup) and which of them may go (Remove-PorterBackup): each archive is read and
    /// checked in full by the one validator, so "verified" means what Test-PorterBackup says now, not what was once written.
    /// </summary>
    public static class BackupCatalog
    {
        /// <summary>
        /// The archives among <paramref name="files"/> (by name: .tar.gz, .tgz, .zip) that are PorterStorage backups, as
        /// <see cref="PorterBackup"/> objects (Verified = the archive passes its check now), oldest first. A file that is no
        /// backup (no manifest, unreadable) is passed to <paramref name="notABackup"/> with the reason and left out.
        /// </summary>
        public static List<PorterBackup> Read(IEnumerable<string> files, Action<string, string>? notABackup, CancellationToken cancel)
        {
            var found = new List<PorterBackup>();
            foreach (string file in files.Where(ArchiveFormats.IsArchiveName).Distinct(StringComparer.Ordinal))
            {
                cancel.ThrowIfCancellationRequested();
                PorterBackupVerification check;
                try
                {
                    check = BackupVerifier.Verify(file, null, null, cancel);
                }
                catch (Exception ex) when (ex is PorterStorageException || IO.IOErrors.IsIOFailure(ex))
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
                    manifest.Entries.Where(e => e.Type == BackupEntryType.File).Sum(e => e.Size), new FileInfo(file).Length, check.Sha256 ?? string.Empty, manifest.DataOnly, check.IsValid,
                    TimeSpan.Zero, check.Skipped));
            }
            return found.OrderBy(b => b.Created).ThenBy(b => b.Path, StringComparer.Ordinal).ToList();
        }

        /// <summary>
        /// Remove-PorterBackup's decisions for the archives <paramref name="asked"/> about: every backup in their folders is read
        /// and checked, since "never a home's last verified backup" looks at all of them, then <see cref="Plan"/> decides.
        /// </summary>
        public static List<BackupRemoval> PlanRemoval(IReadOnlyCollection<string> asked, int? keepLast, Action<string, string>? notABackup, CancellationToken cancel)
        {
            IEnumerable<string> folders = asked.Select(p => Path.GetDirectoryName(Path.GetFullPath(p))!).Distinct(StringComparer.Ordinal);
            List<PorterBackup> all = Read(folders.SelectMany(Directory.EnumerateFiles).Concat(asked.Select(Path.GetFullPath)), notABackup, cancel);
            var askedFull = new HashSet<string>(asked.Select(Path.GetFullPath), StringComparer.Ordinal);
            return Plan(all, all.Where(b => askedFull.Contains(Path.GetFullPath(b.Path))).ToList(), keepLast);
        }

        /// <summary>
        /// Which backups go. With <paramref name="keepLast"/>, per home or container (kind and source) the newest
        /// <paramref name="keepLast"/> are kept and the older ones removed; without it, exactly <paramref name="asked"/>. Either
        /// way the newest verified backup of a home or container is never removed when it would leave that home without a
        /// verified backup among <paramref name="all"/> (every backup of the folders concerned).
        /// </summary>
        public static List<BackupRemoval> Plan(IReadOnlyList<PorterBackup> all, IReadOnlyCollection<PorterBackup> asked, int? keepLast)
        {
            if (keepLast.HasValue && keepLast.Value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(keepLast), "Keep at least one backup.");
            }
            var askedPaths = new HashSet<string>(asked.Select(b => b.Path), StringComparer.Ordinal);
            var plan = new List<BackupRemoval>();
            foreach (IGrouping<string, PorterBackup> group in all.GroupBy(b => b.Kind + "\n" + b.Source, StringComparer.Ordinal))
            {
                List<PorterBackup> newestFirst = group.OrderByDescending(b => b.Created).ThenByDescending(b => b.Path, StringComparer.Ordinal).ToList();
                var remove = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < newestFirst.Count; i++)
                {
                    PorterBackup b = newestFirst[i];
                    bool wanted = keepLast.HasValue ? i >= keepLast.Value && askedPaths.Contains(b.Path) : askedPaths.Contains(b.Path);
                    if (wanted)
                    {
                        remove.Add(b.Path);
                    }
                }
                PorterBackup? lastVerified = newestFirst.FirstOrDefault(b => b.Verified);
                bool verifiedKept = newestFirst.Any(b => b.Verified && !remove.Contains(b.Path));
                foreach (PorterBackup b in newestFirst)
                {
                    if (!askedPaths.Contains(b.Path) && !(keepLast.HasValue && remove.Contains(b.Path)))
                    {
                        continue;
                    }
                    if (remove.Contains(b.Path) && !verifiedKept && ReferenceEquals(b, lastVerified))
                    {
                        plan.Add(new BackupRemoval(b, false, $"kept: the only verified backup of '{b.Source}' that would remain"));
                    }
                    else if (remove.Contains(b.Path))
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
}
