using System;
using System.Linq;
using System.Collections.Generic;
using System.Text;

namespace PorterStorage
{
    /// <summary>A backup archive, as written by Backup-PorterHome (the evidence the migration asks for).</summary>
    public sealed class PorterBackup : CountedResult
    {
        internal PorterBackup(string path, string kind, string source, DateTime created, int fileCount, long totalBytes, long archiveBytes,
            string sha256, bool dataOnly, bool verified, TimeSpan duration, IReadOnlyList<BackupSkippedItem> skipped)
        {
            Path = path;
            Kind = kind;
            Source = source;
            Created = created;
            FileCount = fileCount;
            TotalBytes = totalBytes;
            ArchiveBytes = archiveBytes;
            Sha256 = sha256;
            DataOnly = dataOnly;
            Verified = verified;
            Duration = duration;
            Skipped = skipped;
        }

        /// <summary>The archive file.</summary>
        public string Path { get; }

        /// <summary><c>Home</c> for a PORTER_HOME backup, <c>Container</c> for an Azure plugin container.</summary>
        public string Kind { get; }

        /// <summary>What was backed up: the home's full path, or the container's URL.</summary>
        public string Source { get; }

        /// <summary>When the backup started (UTC).</summary>
        public DateTime Created { get; }

        public int FileCount { get; }

        /// <summary>Bytes of the files recorded.</summary>
        public long TotalBytes { get; }

        public long ArchiveBytes { get; }

        /// <summary>SHA-256 of the whole archive, lower-case hex.</summary>
        public string Sha256 { get; }

        public bool DataOnly { get; }

        /// <summary>True only when every file was recorded and every entry re-read equal to the manifest.</summary>
        public bool Verified { get; }

        public TimeSpan Duration { get; }

        /// <summary>Files that could not be recorded (unreadable, changed while read).</summary>
        public IReadOnlyList<BackupSkippedItem> Skipped { get; }

        /// <summary>The same backup, found at <paramref name="path"/> (a blob's URI when it was only read from a container).</summary>
        internal PorterBackup At(string path) =>
            new PorterBackup(path, Kind, Source, Created, FileCount, TotalBytes, ArchiveBytes, Sha256, DataOnly, Verified, Duration, Skipped);

        /// <summary>The blob the archive was also copied to (-CopyTo), without any SAS; null when it was not.</summary>
        public Uri? CopiedTo { get; internal set; }

        /// <summary>
        /// The run this backup was made for (-RunId), recorded with the copy (-CopyTo) so that a restarted runbook finds the backup
        /// it made and reuses it; null when none was given.
        /// </summary>
        public string? RunId { get; internal set; }

        /// <summary>
        /// True when this backup was read from a blob's metadata only (Get-PorterBackup -Storage without -Verify): its facts are what
        /// the copy recorded when it was made (only a verified archive is copied), and <see cref="Verified"/> is false because nothing
        /// was checked now; Get-PorterBackup -Storage -Verify (or -Destination) downloads the archive and checks it.
        /// </summary>
        public bool MetadataOnly { get; internal set; }

        /// <summary>What makes this archive one file (device and inode) when the catalogue read it; null otherwise.</summary>
        internal string? FileKey { get; set; }

        /// <summary>The archive file's status when the catalogue read it (Linux); a removal checks it is still that file.</summary>
        internal Core.IO.FileIdentity? Identity { get; set; }

        public override string ToString() => Path;
    }

    /// <summary>An archive entry that no restore may write, why, and the error id it is refused with.</summary>
    public sealed class ArchiveRefusal
    {
        public ArchiveRefusal(string errorId, string entry, string reason)
        {
            ErrorId = errorId;
            Entry = entry;
            Reason = reason;
        }

        public string ErrorId { get; }

        /// <summary>The entry as recorded (a manifest path or a zip entry name).</summary>
        public string Entry { get; }

        public string Reason { get; }

        /// <summary>A name with control characters shown as <c>\uXXXX</c>, so a message never carries them.</summary>
        public static string Printable(string name)
        {
            var sb = new StringBuilder(name.Length);
            foreach (char c in name)
            {
                if (c < 0x20 || c == 0x7F)
                {
                    sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append(c);
                }
            }
            return sb.ToString();
        }

        public override string ToString() => $"{Printable(Entry)}: {Reason} ({ErrorId})";
    }

    /// <summary>One archive entry that does not match its manifest record.</summary>
    public sealed class BackupMismatch
    {
        public BackupMismatch(string path, string reason)
        {
            Path = path;
            Reason = reason;
        }

        public string Path { get; }

        public string Reason { get; }

        public override string ToString() => $"{Path}: {Reason}";
    }

    /// <summary>The result of re-reading every byte of an archive against its manifest.</summary>
    public sealed class PorterBackupVerification
    {
        internal PorterBackupVerification(string path, string? sha256, bool manifestFound, string? source, int entriesChecked, long bytesChecked,
            IReadOnlyList<string> missing, IReadOnlyList<string> extra, IReadOnlyList<BackupMismatch> mismatched,
            IReadOnlyList<BackupSkippedItem> skipped, string? problem, IReadOnlyList<ArchiveRefusal>? refused = null, string? kind = null)
        {
            Refused = refused ?? Array.Empty<ArchiveRefusal>();
            Kind = kind;
            Path = path;
            Sha256 = sha256;
            ManifestFound = manifestFound;
            Source = source;
            EntriesChecked = entriesChecked;
            BytesChecked = bytesChecked;
            Missing = missing;
            Extra = extra;
            Mismatched = mismatched;
            Skipped = skipped;
            Problem = problem;
        }

        public string Path { get; }

        /// <summary>The manifest the check read (null when none could be read): what a restore or a migration's evidence works from.</summary>
        internal BackupManifest? Manifest { get; set; }

        /// <summary>SHA-256 of the archive file as read now.</summary>
        public string? Sha256 { get; }

        public bool ManifestFound { get; }

        /// <summary>What the manifest says was backed up: a home's full path, or a container's URL.</summary>
        public string? Source { get; }

        public int EntriesChecked { get; }

        public long BytesChecked { get; }

        /// <summary>Recorded in the manifest, absent from the archive.</summary>
        public IReadOnlyList<string> Missing { get; }

        /// <summary>In the archive, not recorded in the manifest.</summary>
        public IReadOnlyList<string> Extra { get; }

        /// <summary>Present but different in size or hash, or unreadable.</summary>
        public IReadOnlyList<BackupMismatch> Mismatched { get; }

        /// <summary>Files the backup could not record when it was written.</summary>
        public IReadOnlyList<BackupSkippedItem> Skipped { get; }

        /// <summary>Why the archive could not be checked at all (an unreadable archive, no manifest, hash differs from the expected one).</summary>
        public string? Problem { get; }

        /// <summary>The manifest's kind (<c>home</c>, <c>container</c>), when it could be read.</summary>
        public string? Kind { get; }

        /// <summary>Entries no restore may write (unsafe paths, links, duplicates, clashes), each with its error id.</summary>
        public IReadOnlyList<ArchiveRefusal> Refused { get; }

        /// <summary>Every entry is intact and safe, and nothing is missing, extra, refused or skipped.</summary>
        public bool IsValid => ManifestFound && Problem == null && Refused.Count == 0 && Missing.Count == 0 && Extra.Count == 0 && Mismatched.Count == 0 && Skipped.Count == 0;

        /// <summary>
        /// Why the archive is not valid, as the error id a restore or the migration's evidence check raises for it:
        /// <c>UnsafeArchiveEntry</c> when an entry is refused, else <c>BackupCorrupt</c>; null when valid.
        /// </summary>
        public string? ErrorId => IsValid ? null : Refused.Count > 0 ? Refused[0].ErrorId : ErrorIds.BackupCorrupt;

        /// <summary>A sentence naming what is wrong; null when valid.</summary>
        public string? Reason => IsValid ? null : ProblemText();

        /// <summary>The error a restore raises for this archive (null when valid): the refused entry, else the archive, as target.</summary>
        public PorterStorageException? ToException()
        {
            if (IsValid)
            {
                return null;
            }
            if (Refused.Count > 0)
            {
                ArchiveRefusal first = Refused[0];
                return new PorterStorageException(first.ErrorId, PorterErrorKind.InvalidData, first.Entry,
                    $"The backup '{Path}' holds the entry '{ArchiveRefusal.Printable(first.Entry)}', which is refused: {first.Reason}.");
            }
            return BackupManifest.Corrupt(Path, ProblemText(), null);
        }

        public override string ToString() => IsValid ? $"{Path}: valid ({EntriesChecked} entries)" : $"{Path}: NOT valid";

        /// <summary>A sentence naming what is wrong with an archive.</summary>
        internal string ProblemText()
        {
            if (Problem != null)
            {
                return Problem;
            }
            var parts = new List<string>();
            if (Refused.Count > 0)
            {
                parts.Add("refused: " + string.Join(", ", Refused.Take(5).Select(r => $"'{ArchiveRefusal.Printable(r.Entry)}' ({r.Reason})")));
            }
            if (Mismatched.Count > 0)
            {
                parts.Add("changed: " + string.Join(", ", Mismatched.Take(5).Select(m => m.Path)));
            }
            if (Missing.Count > 0)
            {
                parts.Add("missing: " + string.Join(", ", Missing.Take(5)));
            }
            if (Extra.Count > 0)
            {
                parts.Add("not in the manifest: " + string.Join(", ", Extra.Take(5)));
            }
            if (Skipped.Count > 0)
            {
                parts.Add("not recorded when written: " + string.Join(", ", Skipped.Take(5).Select(s => s.Path)));
            }
            return string.Join("; ", parts);
        }
    }

    /// <summary>What Restore-PorterHome did.</summary>
    public sealed class PorterRestoreResult
    {
        internal PorterRestoreResult(string archivePath, string destination, string? movedAside, int fileCount, long totalBytes, TimeSpan duration)
        {
            ArchivePath = archivePath;
            Destination = destination;
            MovedAside = movedAside;
            FileCount = fileCount;
            TotalBytes = totalBytes;
            Duration = duration;
        }

        public string ArchivePath { get; }

        /// <summary>The restored home (binds to -Path of the next cmdlet through its alias HomePath).</summary>
        public string Destination { get; }

        public string HomePath => Destination;

        /// <summary>Where the folder that stood at the destination was moved, or null.</summary>
        public string? MovedAside { get; }

        public int FileCount { get; }

        public long TotalBytes { get; }

        public TimeSpan Duration { get; }

        /// <summary>Restored items (paths as the backup records them, "." for the folder) that could not be given the owner the backup recorded: the process may not change owners (run as root to keep them).</summary>
        public IReadOnlyList<string> OwnersNotSet { get; internal set; } = Array.Empty<string>();

        public override string ToString() => Destination;
    }
}
