using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading;
using PorterStorage.Core.Errors;
using PorterStorage.Core.IO;

namespace PorterStorage.Core.Backup
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
            IProgress<BackupProgress>? progress, CancellationToken cancel)
        {
            PorterBackupVerification check = BackupVerifier.Verify(archivePath, expectedSha256, progress, cancel);
            PorterStorageException? refusal = check.ToException();
            if (refusal != null)
            {
                throw refusal;
            }
            BackupManifest manifest = BackupVerifier.ReadManifest(archivePath);
            if (manifest.Kind != BackupManifest.HomeKind)
            {
                throw new PorterStorageException(ErrorIds.BackupKindMismatch, PorterErrorKind.InvalidArgument, archivePath,
                    $"'{archivePath}' is a backup of a blob container, not of a Porter home; use Restore-PorterAzureContainer.");
            }

            string target = string.IsNullOrEmpty(destination) ? manifest.Source
                : Path.GetFullPath(Path.IsPathRooted(destination) ? destination : Path.Combine(currentDirectory, destination));
            target = target.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            if (File.Exists(target))
            {
                throw new PorterStorageException(ErrorIds.DestinationNotEmpty, PorterErrorKind.ResourceExists, target,
                    $"'{target}' is a file, not a folder.");
            }
            bool occupied = Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any();
            if (occupied && !force)
            {
                throw new PorterStorageException(ErrorIds.DestinationNotEmpty, PorterErrorKind.ResourceExists, target,
                    $"The folder '{target}' is not empty. Use -Force to move it aside (to '{target}.before-restore-<time>') and restore in its place.");
            }
            return new RestorePlan(archivePath, target, occupied, manifest, check);
        }

        /// <summary>A sentence naming what is wrong with an archive.</summary>
        public static string Describe(PorterBackupVerification check)
        {
            if (check.Problem != null)
            {
                return check.Problem;
            }
            var parts = new List<string>();
            if (check.Refused.Count > 0)
            {
                parts.Add("refused: " + string.Join(", ", check.Refused.Take(5).Select(r => $"'{ArchiveRefusal.Printable(r.Entry)}' ({r.Reason})")));
            }
            if (check.Mismatched.Count > 0)
            {
                parts.Add("changed: " + string.Join(", ", check.Mismatched.Take(5).Select(m => m.Path)));
            }
            if (check.Missing.Count > 0)
            {
                parts.Add("missing: " + string.Join(", ", check.Missing.Take(5)));
            }
            if (check.Extra.Count > 0)
            {
                parts.Add("not in the manifest: " + string.Join(", ", check.Extra.Take(5)));
            }
            if (check.Skipped.Count > 0)
            {
                parts.Add("not recorded when written: " + string.Join(", ", check.Skipped.Take(5).Select(s => s.Path)));
            }
            return string.Join("; ", parts);
        }

        /// <summary>
        /// Extracts into a sibling folder, checking each file's hash again, sets modes and times, then moves any
        /// existing folder aside and the restored one into place. On failure the destination is left as it was.
        /// </summary>
        public static PorterRestoreResult Execute(RestorePlan plan, IProgress<BackupProgress>? progress, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            string dest = plan.Destination;
            string stamp = DateTime.Now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            string? parent = Path.GetDirectoryName(dest);
            if (!string.IsNullOrEmpty(parent))
            {
                FileSystemExtras.CreatePrivateDirectory(parent!);
            }
            string staging = dest + ".restoring-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            int files = 0;
            long bytes = 0;
            string? movedAside = null;
            try
            {
                Directory.CreateDirectory(staging);
                UnixPermissions.SetModeIfSupported(staging, 0x1C0);
                var buffer = new byte[81920];
                List<BackupEntry> fileEntries = plan.Manifest.Entries.Where(e => e.Type == BackupEntryType.File).ToList();
                using (ZipArchive zip = ZipFile.OpenRead(plan.ArchivePath))
                {
                    foreach (BackupEntry e in plan.Manifest.Entries.Where(e => e.Type == BackupEntryType.Directory))
                    {
                        Directory.CreateDirectory(Local(staging, e.Path));
                    }
                    foreach (BackupEntry e in fileEntries)
                    {
                        cancel.ThrowIfCancellationRequested();
                        string path = Local(staging, e.Path);
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        ZipArchiveEntry entry = zip.GetEntry(BackupManifest.ArchiveName(e.Path))
                                                ?? throw BackupManifest.Corrupt(plan.ArchivePath, $"'{e.Path}' is missing", null);
                        string sha;
                        long length;
                        using (Stream source = entry.Open())
                        using (FileStream target = FileSystemExtras.CreateNewPrivate(path))
                        {
                            sha = Hex.Copy(source, target, buffer, out length, cancel);
                        }
                        if (length != e.Size || sha != e.Sha256)
                        {
                            throw BackupManifest.Corrupt(plan.ArchivePath, $"'{e.Path}' changed since it was verified", null);
                        }
                        if (e.Mode.HasValue)
                        {
                            UnixPermissions.SetModeIfSupported(path, e.Mode.Value);
                        }
                        File.SetLastWriteTimeUtc(path, e.ModifiedUtc);
                        files++;
                        bytes += length;
                        progress?.Report(new BackupProgress("Restoring", e.Path, files, fileEntries.Count, bytes));
                    }
                }
                foreach (BackupEntry e in plan.Manifest.Entries.Where(e => e.Type == BackupEntryType.SymbolicLink))
                {
                    FileSystemExtras.CreateSymbolicLink(Local(staging, e.Path), e.LinkTarget!, directory: false);
                }
                // Folders last, deepest first, so that writing their content does not change their times.
                foreach (BackupEntry e in plan.Manifest.Entries.Where(e => e.Type == BackupEntryType.Directory).OrderByDescending(e => e.Path.Length))
                {
                    string path = Local(staging, e.Path);
                    if (e.Mode.HasValue)
                    {
                        UnixPermissions.SetModeIfSupported(path, e.Mode.Value);
                    }
                    Directory.SetLastWriteTimeUtc(path, e.ModifiedUtc);
                }

                if (Directory.Exists(dest))
                {
                    if (plan.MoveAside || Directory.EnumerateFileSystemEntries(dest).Any())
                    {
                        movedAside = dest + ".before-restore-" + stamp;
                        Directory.Move(dest, movedAside);
                    }
                    else
                    {
                        Directory.Delete(dest);
                    }
                }
                try
                {
                    Directory.Move(staging, dest);
                }
                catch (IOException) when (movedAside != null)
                {
                    Directory.Move(movedAside, dest);
                    movedAside = null;
                    throw;
                }
                return new PorterRestoreResult(plan.ArchivePath, dest, movedAside, files, bytes, clock.Elapsed);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.RestoreFailed, PorterErrorKind.WriteError, dest,
                    $"The restore into '{dest}' failed and was rolled back: {ex.Message}", ex);
            }
            finally
            {
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }
            }
        }

        private static string Local(string root, string relative) => Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
    }
}
