using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Threading;
using PorterStorage.Core.Errors;

namespace PorterStorage.Core.Backup
{
    /// <summary>Re-reads every byte of an archive and checks it against its manifest, as restic/borg 'check' do.</summary>
    public static class BackupVerifier
    {
        /// <summary>
        /// Checks the archive. <paramref name="expectedSha256"/> (from a <see cref="PorterBackup"/>) is compared with the
        /// archive's hash when given. Raises <c>BackupNotFound</c> only when the file does not exist; every other
        /// defect is reported in the result.
        /// </summary>
        public static PorterBackupVerification Verify(string archivePath, string? expectedSha256, IProgress<BackupProgress>? progress, CancellationToken cancel)
        {
            if (!File.Exists(archivePath))
            {
                throw new PorterStorageException(ErrorIds.BackupNotFound, PorterErrorKind.ObjectNotFound, archivePath,
                    $"The backup '{archivePath}' does not exist.");
            }

            var buffer = new byte[81920];
            string sha;
            using (var raw = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, buffer.Length))
            {
                sha = Hex.Copy(raw, null, buffer, out _, cancel);
            }
            var missing = new List<string>();
            var extra = new List<string>();
            var mismatched = new List<BackupMismatch>();

            if (expectedSha256 != null && !string.Equals(expectedSha256, sha, StringComparison.OrdinalIgnoreCase))
            {
                return Failed(archivePath, sha, "the archive's SHA-256 differs from the one recorded when it was written");
            }

            BackupManifest manifest;
            int checkedCount = 0;
            long checkedBytes = 0;
            try
            {
                using var zip = new ZipArchive(new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, buffer.Length), ZipArchiveMode.Read);
                ZipArchiveEntry? manifestEntry = zip.GetEntry(BackupManifest.ManifestEntryName);
                if (manifestEntry == null)
                {
                    return new PorterBackupVerification(archivePath, sha, false, null, 0, 0, missing, extra, mismatched,
                        Array.Empty<BackupSkippedItem>(), "the archive has no manifest.json");
                }
                using (Stream ms = manifestEntry.Open())
                {
                    manifest = BackupManifest.Read(ms, archivePath);
                }

                var expected = new Dictionary<string, BackupEntry>(StringComparer.Ordinal);
                foreach (BackupEntry e in manifest.Entries)
                {
                    if (e.Type == BackupEntryType.File)
                    {
                        expected[manifest.EntryName(e.Path)] = e;
                    }
                }
                int total = expected.Count;
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (ZipArchiveEntry entry in zip.Entries)
                {
                    cancel.ThrowIfCancellationRequested();
                    if (entry.FullName == BackupManifest.ManifestEntryName)
                    {
                        continue;
                    }
                    if (!expected.TryGetValue(entry.FullName, out BackupEntry? record) || !seen.Add(entry.FullName))
                    {
                        extra.Add(entry.FullName);
                        continue;
                    }
                    checkedCount++;
                    try
                    {
                        string entrySha;
                        long length;
                        using (Stream s = entry.Open())
                        {
                            entrySha = Hex.Copy(s, null, buffer, out length, cancel);
                        }
                        checkedBytes += length;
                        if (length != record.Size)
                        {
                            mismatched.Add(new BackupMismatch(record.Path, $"size {length}, recorded {record.Size}"));
                        }
                        else if (!string.Equals(entrySha, record.Sha256, StringComparison.Ordinal))
                        {
                            mismatched.Add(new BackupMismatch(record.Path, "content differs from the recorded SHA-256"));
                        }
                    }
                    catch (InvalidDataException ex)
                    {
                        mismatched.Add(new BackupMismatch(record.Path, "unreadable: " + ex.Message));
                    }
                    progress?.Report(new BackupProgress("Verifying", record.Path, checkedCount, total, checkedBytes));
                }
                foreach (KeyValuePair<string, BackupEntry> e in expected)
                {
                    if (!seen.Contains(e.Key))
                    {
                        missing.Add(e.Value.Path);
                    }
                }
            }
            catch (InvalidDataException ex)
            {
                return Failed(archivePath, sha, "it is not a readable zip archive (" + ex.Message + ")");
            }
            catch (PorterStorageException ex) when (ex.ErrorId == ErrorIds.BackupCorrupt)
            {
                return Failed(archivePath, sha, ex.Message);
            }

            return new PorterBackupVerification(archivePath, sha, true, manifest.Source, checkedCount, checkedBytes, missing, extra, mismatched,
                manifest.Skipped, null);
        }

        /// <summary>
        /// The migration's evidence rule: <paramref name="backup"/> must be a verified backup of this very home or container
        /// (<paramref name="kind"/> Home or Container, <paramref name="identity"/> its full path or container URL) whose archive
        /// still matches it byte for byte. Raises <c>BackupRequired</c> saying why not.
        /// </summary>
        public static void RequireBackupOf(PorterBackup? backup, string identity, string kind, CancellationToken cancel)
        {
            string producer = kind == "Home" ? "Backup-PorterHome" : "Backup-PorterAzureContainer";
            if (backup == null)
            {
                throw new PorterStorageException(ErrorIds.BackupRequired, PorterErrorKind.InvalidOperation, identity,
                    $"A verified backup of '{identity}' is required: pipe {producer} into this command, pass -Backup, or use -SkipBackupCheck.");
            }
            string recorded = kind == "Home" ? System.IO.Path.GetFullPath(backup.HomePath).TrimEnd('/', '\\') : backup.HomePath;
            string why = backup.Kind != kind ? $"it is a backup of a {backup.Kind.ToLowerInvariant()}, not of a {kind.ToLowerInvariant()}"
                : !string.Equals(recorded, identity, StringComparison.Ordinal) ? $"it is a backup of '{backup.HomePath}', not of '{identity}'"
                : !backup.Verified ? "it is not verified (some files were not recorded)"
                : string.Empty;
            if (why.Length == 0)
            {
                PorterBackupVerification check = Verify(backup.Path, backup.Sha256, null, cancel);
                why = check.IsValid ? string.Empty : "the archive no longer matches it: " + HomeRestore.Describe(check);
            }
            if (why.Length > 0)
            {
                throw new PorterStorageException(ErrorIds.BackupRequired, PorterErrorKind.InvalidOperation, backup.Path,
                    $"The backup '{backup.Path}' cannot vouch for '{identity}': {why}.");
            }
        }

        /// <summary>Reads the manifest of an archive that has been verified.</summary>
        public static BackupManifest ReadManifest(string archivePath)
        {
            using var zip = ZipFile.OpenRead(archivePath);
            ZipArchiveEntry entry = zip.GetEntry(BackupManifest.ManifestEntryName)
                                    ?? throw BackupManifest.Corrupt(archivePath, "the archive has no manifest.json", null);
            using Stream s = entry.Open();
            return BackupManifest.Read(s, archivePath);
        }

        private static PorterBackupVerification Failed(string path, string sha, string problem) =>
            new PorterBackupVerification(path, sha, false, null, 0, 0, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<BackupMismatch>(),
                Array.Empty<BackupSkippedItem>(), problem);
    }
}
