using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;

namespace PorterStorage.Core.Archive
{
    /// <summary>
    /// The one rule of what a backup archive may hold, for every kind the module writes (<see cref="ArchiveKindRules"/>).
    /// Test-PorterBackup, Restore-PorterHome, Restore-PorterAzureContainer, the backups' own re-read and the migration's
    /// evidence check all ask it, so an archive one of them accepts is one the others accept, and restorable.
    /// It checks: the archive's hash (when one is expected); a manifest, exactly once, of a known kind; every recorded
    /// path (relative, '/'-separated, no empty, '.' or '..' segment, no backslash, drive, NUL or control character, not
    /// too long), entry types the kind allows, link targets that stay inside, no path recorded twice (also by case where
    /// names fold case), nothing beneath a file or a link; every archive entry, zip or tar (a safe name, no duplicate, no link,
    /// folder or special entry, declared size equal to the recorded one); and every byte (size and SHA-256 as recorded,
    /// nothing missing, nothing extra).
    /// </summary>
    public static class ArchiveValidator
    {
        /// <summary>
        /// Validates the archive. Raises <c>BackupNotFound</c> only when the file does not exist; every defect is reported
        /// in the result (<see cref="PorterBackupVerification.ErrorId"/>, <see cref="PorterBackupVerification.Reason"/>).
        /// </summary>
        public static PorterBackupVerification Validate(string archivePath, string? expectedSha256, IProgress<OperationProgress>? progress, CancellationToken cancel) =>
            Validate(archivePath, expectedSha256, progress, cancel, null);

        /// <summary>
        /// As above; with <paramref name="expected"/> (the status a catalogue listed) the opened file must be that very file, else
        /// an <see cref="IOException"/>. The archive is opened once, non-blocking and only when it is a regular file (a FIFO,
        /// socket or device is refused, never waited on), hashed, then read from its start through the same handle.
        /// </summary>
        internal static PorterBackupVerification Validate(string archivePath, string? expectedSha256, IProgress<OperationProgress>? progress, CancellationToken cancel,
            FileIdentity? expected)
        {
            if (Directory.Exists(archivePath))
            {
                throw new PorterStorageException(ErrorIds.BackupNotFound, PorterErrorKind.ObjectNotFound, archivePath,
                    $"'{archivePath}' is a folder, not a backup archive.");
            }
            var buffer = new byte[81920];
            FileStream raw;
            try
            {
                raw = FileSystemExtras.OpenRegularForRead(archivePath, buffer.Length);
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException || (ex is IOException && !File.Exists(archivePath) && !Directory.Exists(archivePath)))
            {
                throw new PorterStorageException(ErrorIds.BackupNotFound, PorterErrorKind.ObjectNotFound, archivePath,
                    $"The backup '{archivePath}' does not exist.");
            }
            using (raw)
            {
                if (expected != null && UnixFiles.Supported && !UnixFiles.Fstat(raw.SafeFileHandle).SameFile(expected.Value))
                {
                    throw new IOException($"'{archivePath}' was replaced after it was listed; it was not read.");
                }
                string sha = Hex.Copy(raw, null, buffer, out _, cancel);
                if (expectedSha256 != null && !string.Equals(expectedSha256, sha, StringComparison.OrdinalIgnoreCase))
                {
                    return Failed(archivePath, sha, "the archive's SHA-256 differs from the one recorded when it was written", true);
                }
                raw.Seek(0, SeekOrigin.Begin);
                try
                {
                    using ArchiveReader archive = ArchiveReader.Open(raw, leaveOpen: true);
                    return archive.RandomAccess
                        ? ValidateListed(archivePath, sha, archive, buffer, progress, cancel)
                        : ValidateStreamed(archivePath, sha, archive, buffer, progress, cancel);
                }
                catch (InvalidDataException ex)
                {
                    return Failed(archivePath, sha, "it is not a readable archive (" + ex.Message + ")", false);
                }
                catch (PorterStorageException ex) when (ex.ErrorId == ErrorIds.BackupCorrupt)
                {
                    return Failed(archivePath, sha, ex.Message, true);
                }
            }
        }

        /// <summary>A zip: the manifest first (from the central directory), then each entry, read at most as long as recorded.</summary>
        private static PorterBackupVerification ValidateListed(string archivePath, string sha, ArchiveReader archive, byte[] buffer,
            IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            List<ArchiveItem> items = archive.Items().ToList();
            List<ArchiveItem> manifests = items.Where(e => e.Name == BackupManifest.ManifestEntryName).ToList();
            PorterBackupVerification? unusable = ManifestCountProblem(archivePath, sha, manifests.Count);
            if (unusable != null)
            {
                return unusable;
            }
            BackupManifest manifest;
            using (Stream ms = manifests[0].Open())
            {
                manifest = BackupManifest.Read(ms, archivePath);
            }
            ArchiveKindRules? rules = ArchiveKindRules.For(manifest.Kind);
            return CheckManifest(archivePath, sha, manifest, items.Where(e => e.Name != BackupManifest.ManifestEntryName).Select(e => new Observed(e.Name, e.Length, e.Special,
                record =>
                {
                    using Stream s = e.Open();
                    MemoryStream? kept = Keeps(rules, e.Name, record.Size) ? new MemoryStream() : null;
                    string entrySha = HashAtMost(s, record.Size + 1, buffer, out long length, cancel, kept);
                    return (entrySha, length, ContentProblemOf(rules, e.Name, kept));
                })), progress, cancel);
        }

        /// <summary>
        /// A tar.gz: one pass hashes every entry as far as its header declares (the tar framing bounds each) and keeps the
        /// manifest, written last; then the same checks as for a zip run over what was seen.
        /// </summary>
        [MethodImpl(Hot.Path)]
        private static PorterBackupVerification ValidateStreamed(string archivePath, string sha, ArchiveReader archive, byte[] buffer,
            IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            var seen = new List<Observed>();
            var manifests = new List<byte[]>();
            long bytes = 0;
            foreach (ArchiveItem item in archive.Items())
            {
                cancel.ThrowIfCancellationRequested();
                if (item.Name == BackupManifest.ManifestEntryName)
                {
                    if (item.Length > MaxManifestBytes)
                    {
                        return Failed(archivePath, sha, $"the archive's manifest.json is larger than {MaxManifestBytes / (1024 * 1024)} MiB", false);
                    }
                    var content = new MemoryStream();
                    using (Stream s = item.Open())
                    {
                        s.CopyTo(content);
                    }
                    manifests.Add(content.ToArray());
                    continue;
                }
                string entrySha = string.Empty;
                long length = 0;
                string? contentProblem = null;
                if (item.Special == null)
                {
                    using Stream s = item.Open();
                    // The kind is known only from the manifest, written last: content is judged by the kind whose prefix names the entry.
                    ArchiveKindRules? owner = ArchiveKindRules.All.FirstOrDefault(r => r.ContentProblem != null && item.Name.StartsWith(r.EntryPrefix, StringComparison.Ordinal));
                    MemoryStream? kept = Keeps(owner, item.Name, item.Length) ? new MemoryStream() : null;
                    entrySha = HashAtMost(s, item.Length, buffer, out length, cancel, kept);
                    contentProblem = ContentProblemOf(owner, item.Name, kept);
                    bytes += length;
                }
                (string, long, string?) hashed = (entrySha, length, contentProblem);
                seen.Add(new Observed(item.Name, item.Length, item.Special, _ => hashed));
                progress?.Report(new OperationProgress("Verifying", item.Name, seen.Count, 0, bytes));
            }
            PorterBackupVerification? unusable = ManifestCountProblem(archivePath, sha, manifests.Count);
            if (unusable != null)
            {
                return unusable;
            }
            BackupManifest manifest = BackupManifest.Read(new MemoryStream(manifests[0]), archivePath);
            return CheckManifest(archivePath, sha, manifest, seen, progress, cancel);
        }

        private const long MaxManifestBytes = 512L * 1024 * 1024;

        private static PorterBackupVerification? ManifestCountProblem(string archivePath, string sha, int count) =>
            count == 0 ? Failed(archivePath, sha, "the archive has no manifest.json", false)
            : count > 1 ? Failed(archivePath, sha, "the archive holds more than one manifest.json", false)
            : null;

        private static PorterBackupVerification CheckManifest(string archivePath, string sha, BackupManifest manifest, IEnumerable<Observed> entries,
            IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            ArchiveKindRules? rules = ArchiveKindRules.For(manifest.Kind);
            if (rules == null)
            {
                return Failed(archivePath, sha, $"the manifest is of the kind '{ArchiveRefusal.Printable(manifest.Kind)}', which this version does not know", true);
            }
            PorterBackupVerification result = Check(archivePath, sha, entries, manifest, rules, progress, cancel);
            result.Manifest = manifest;
            return result;
        }

        /// <summary>An archive entry other than the manifest: its name, declared size, why it is no plain file, and its hash (read on demand, bounded by the record).</summary>
        private sealed class Observed
        {
            public Observed(string name, long length, string? special, Func<BackupEntry, (string Sha, long Length, string? ContentProblem)> hash)
            {
                Name = name;
                Length = length;
                Special = special;
                Hash = hash;
            }

            public string Name { get; }

            public long Length { get; }

            public string? Special { get; }

            /// <summary>The entry's hash and length, and what its kind finds wrong in its content (null when nothing, or when its kind checks none).</summary>
            public Func<BackupEntry, (string Sha, long Length, string? ContentProblem)> Hash { get; }
        }

        /// <summary>Why a recorded path is unsafe for <paramref name="rules"/>, or null when it is safe.</summary>
        [MethodImpl(Hot.Path)]
        public static string? PathProblem(string path, ArchiveKindRules rules)
        {
            if (string.IsNullOrEmpty(path))
            {
                return "its path is empty";
            }
            if (path.Length > rules.MaxPathLength)
            {
                return $"its path is longer than {rules.MaxPathLength} characters";
            }
            if (rules.MaxSegmentBytes < int.MaxValue && path.Split('/').Any(segment => System.Text.Encoding.UTF8.GetByteCount(segment) > rules.MaxSegmentBytes))
            {
                return $"a name in its path is longer than {rules.MaxSegmentBytes} bytes, more than a file system holds";
            }
            if (path.Any(c => c < 0x20 || c == 0x7F))
            {
                return "its path holds a NUL or control character";
            }
            if (!ArchivePaths.IsSafeRelative(path))
            {
                return "its path could leave the destination folder (absolute, a drive, a backslash, or an empty, '.' or '..' segment)";
            }
            return null;
        }

        [MethodImpl(Hot.Path)]
        private static PorterBackupVerification Check(string archivePath, string sha, IEnumerable<Observed> entries, BackupManifest manifest, ArchiveKindRules rules,
            IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            var refused = new List<ArchiveRefusal>();
            var missing = new List<string>();
            var extra = new List<string>();
            var mismatched = new List<BackupMismatch>();
            void Refuse(string entry, string why) => refused.Add(new ArchiveRefusal(ErrorIds.UnsafeArchiveEntry, entry, why));

            // The manifest: paths, types, links, duplicates, clashes.
            var byName = new Dictionary<string, BackupEntry>(rules.NameComparer);
            var expected = new Dictionary<string, BackupEntry>(StringComparer.Ordinal);
            foreach (BackupEntry e in manifest.Entries)
            {
                string? problem = PathProblem(e.Path, rules);
                if (problem != null)
                {
                    Refuse(e.Path, problem);
                    continue;
                }
                if ((e.Type == BackupEntryType.Directory && !rules.AllowDirectories) || (e.Type == BackupEntryType.SymbolicLink && !rules.AllowLinks))
                {
                    Refuse(e.Path, $"a backup of {rules.Description} holds no {(e.Type == BackupEntryType.Directory ? "folders" : "links")}");
                    continue;
                }
                if (e.Type == BackupEntryType.SymbolicLink && (string.IsNullOrEmpty(e.LinkTarget) || e.LinkTarget!.Any(c => c < 0x20 || c == 0x7F)
                    || (!rules.AllowOutwardLinks && !ArchivePaths.IsSafeLinkTarget(e.Path, e.LinkTarget!))))
                {
                    Refuse(e.Path, rules.AllowOutwardLinks ? "it is a link without a valid target" : "it is a link that points outside the destination folder");
                    continue;
                }
                if (byName.TryGetValue(e.Path, out BackupEntry? first))
                {
                    Refuse(e.Path, first.Path == e.Path
                        ? "it is recorded more than once"
                        : $"it differs only in case from '{ArchiveRefusal.Printable(first.Path)}'; both would be written to one file here");
                    continue;
                }
                byName[e.Path] = e;
                if (e.Type == BackupEntryType.File)
                {
                    if (e.Size < 0 || e.Sha256 == null || e.Sha256.Length != 64 || e.Sha256.Any(c => !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))))
                    {
                        mismatched.Add(new BackupMismatch(e.Path, "the manifest records no valid size and SHA-256 for it"));
                    }
                    expected[rules.EntryPrefix + e.Path] = e;
                }
            }
            foreach (BackupEntry e in byName.Values)
            {
                // Nothing may be written beneath a file or through a link.
                int slash = -1;
                while ((slash = e.Path.IndexOf('/', slash + 1)) > 0)
                {
                    if (byName.TryGetValue(e.Path.Substring(0, slash), out BackupEntry? parent) && parent.Type != BackupEntryType.Directory)
                    {
                        Refuse(e.Path, parent.Type == BackupEntryType.SymbolicLink ? "it would be written through a link" : $"it lies beneath the file '{ArchiveRefusal.Printable(parent.Path)}'");
                        break;
                    }
                }
            }

            // The archive: names, duplicates, links and special entries, declared sizes, content.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            int checkedCount = 0;
            long checkedBytes = 0;
            foreach (Observed entry in entries)
            {
                cancel.ThrowIfCancellationRequested();
                string name = entry.Name;
                if (!seen.Add(name))
                {
                    Refuse(name, "the archive holds more than one entry of that name");
                    continue;
                }
                string? linkProblem = entry.Special;
                if (linkProblem != null)
                {
                    Refuse(name, linkProblem);
                    continue;
                }
                if (!name.StartsWith(rules.EntryPrefix, StringComparison.Ordinal) || PathProblem(name.Substring(rules.EntryPrefix.Length), rules) != null)
                {
                    string? why = name.StartsWith(rules.EntryPrefix, StringComparison.Ordinal) ? PathProblem(name.Substring(rules.EntryPrefix.Length), rules) : PathProblem(name, rules);
                    if (why != null)
                    {
                        Refuse(name, why);
                    }
                    else
                    {
                        extra.Add(name);
                    }
                    continue;
                }
                if (!expected.TryGetValue(name, out BackupEntry? record))
                {
                    extra.Add(name);
                    continue;
                }
                checkedCount++;
                if (entry.Length != record.Size)
                {
                    mismatched.Add(new BackupMismatch(record.Path, $"the archive declares {entry.Length} bytes, the manifest {record.Size}"));
                    continue;
                }
                try
                {
                    (string entrySha, long length, string? contentProblem) = entry.Hash(record);
                    checkedBytes += length;
                    if (length != record.Size)
                    {
                        mismatched.Add(new BackupMismatch(record.Path, length > record.Size ? $"more than the recorded {record.Size} bytes" : $"size {length}, recorded {record.Size}"));
                    }
                    else if (!string.Equals(entrySha, record.Sha256, StringComparison.Ordinal))
                    {
                        mismatched.Add(new BackupMismatch(record.Path, "content differs from the recorded SHA-256"));
                    }
                    else if (rules.ContentProblem != null && contentProblem != null)
                    {
                        mismatched.Add(new BackupMismatch(record.Path, contentProblem));
                    }
                }
                catch (InvalidDataException ex)
                {
                    mismatched.Add(new BackupMismatch(record.Path, "unreadable: " + ex.Message));
                }
                progress?.Report(new OperationProgress("Verifying", record.Path, checkedCount, expected.Count, checkedBytes));
            }
            foreach (KeyValuePair<string, BackupEntry> e in expected)
            {
                if (!seen.Contains(e.Key))
                {
                    missing.Add(e.Value.Path);
                }
            }
            return new PorterBackupVerification(archivePath, sha, true, manifest.Source, checkedCount, checkedBytes, missing, extra, mismatched,
                manifest.Skipped, null, refused, manifest.Kind);
        }

        /// <summary>SHA-256 and length of at most <paramref name="limit"/> bytes: a zip bomb is read no further than it may be long.</summary>
        [MethodImpl(Hot.Path)]
        private static string HashAtMost(Stream source, long limit, byte[] buffer, out long length, CancellationToken cancel, MemoryStream? keep = null)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            length = 0;
            int n;
            while (length < limit && (n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, limit - length))) > 0)
            {
                cancel.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, n);
                keep?.Write(buffer, 0, n);
                length += n;
            }
            return Hex.Of(hash.GetHashAndReset());
        }

        /// <summary>True when an entry's content is kept to be judged by its kind: under the kind's prefix, and no larger than it allows.</summary>
        private static bool Keeps(ArchiveKindRules? rules, string name, long size) =>
            rules?.ContentProblem != null && name.StartsWith(rules.EntryPrefix, StringComparison.Ordinal) && size <= rules.MaxContentBytes;

        /// <summary>What the kind finds wrong in a kept entry (one too large to keep is wrong by size), or null.</summary>
        private static string? ContentProblemOf(ArchiveKindRules? rules, string name, MemoryStream? kept)
        {
            if (rules?.ContentProblem == null || !name.StartsWith(rules.EntryPrefix, StringComparison.Ordinal))
            {
                return null;
            }
            return kept == null
                ? $"it is larger than the {rules.MaxContentBytes} bytes an entry of {rules.Description} may hold"
                : rules.ContentProblem(name.Substring(rules.EntryPrefix.Length), kept.ToArray());
        }

        private static PorterBackupVerification Failed(string path, string sha, string problem, bool manifestFound) =>
            new PorterBackupVerification(path, sha, manifestFound, null, 0, 0, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<BackupMismatch>(),
                Array.Empty<BackupSkippedItem>(), problem);
    }
}
