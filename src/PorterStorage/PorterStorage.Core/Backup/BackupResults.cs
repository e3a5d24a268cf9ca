using System;
using System.Collections.Generic;

namespace PorterStorage.Core.Backup
{
    /// <summary>A backup archive, as written by Backup-PorterHome (the evidence the migration asks for).</summary>
    public sealed class PorterBackup
    {
        internal PorterBackup(string path, string kind, string homePath, DateTime created, int fileCount, long totalBytes, long archiveBytes,
            string sha256, bool dataOnly, bool verified, TimeSpan duration, IReadOnlyList<BackupSkippedItem> skipped)
        {
            Path = path;
            Kind = kind;
            HomePath = homePath;
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

        /// <summary><c>Home</c> for a PORTER_HOME backup.</summary>
        public string Kind { get; }

        /// <summary>The home that was backed up.</summary>
        public string HomePath { get; }

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

        public override string ToString() => Path;
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
        internal PorterBackupVerification(string path, string? sha256, bool manifestFound, string? homePath, int entriesChecked, long bytesChecked,
            IReadOnlyList<string> missing, IReadOnlyList<string> extra, IReadOnlyList<BackupMismatch> mismatched,
            IReadOnlyList<BackupSkippedItem> skipped, string? problem)
        {
            Path = path;
            Sha256 = sha256;
            ManifestFound = manifestFound;
            HomePath = homePath;
            EntriesChecked = entriesChecked;
            BytesChecked = bytesChecked;
            Missing = missing;
            Extra = extra;
            Mismatched = mismatched;
            Skipped = skipped;
            Problem = problem;
        }

        public string Path { get; }

        /// <summary>SHA-256 of the archive file as read now.</summary>
        public string? Sha256 { get; }

        public bool ManifestFound { get; }

        /// <summary>The home recorded in the manifest.</summary>
        public string? HomePath { get; }

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

        /// <summary>Why the archive could not be checked at all (unreadable zip, no manifest, hash differs from the expected one).</summary>
        public string? Problem { get; }

        /// <summary>Every entry is intact and nothing is missing, extra or skipped.</summary>
        public bool IsValid => ManifestFound && Problem == null && Missing.Count == 0 && Extra.Count == 0 && Mismatched.Count == 0 && Skipped.Count == 0;

        public override string ToString() => IsValid ? $"{Path}: valid ({EntriesChecked} entries)" : $"{Path}: NOT valid";
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

        public override string ToString() => Destination;
    }

    /// <summary>Progress of a backup, verification or restore.</summary>
    public sealed class BackupProgress
    {
        public BackupProgress(string activity, string? item, int done, int total, long bytes)
        {
            Activity = activity;
            Item = item;
            Done = done;
            Total = total;
            Bytes = bytes;
        }

        public string Activity { get; }

        public string? Item { get; }

        public int Done { get; }

        public int Total { get; }

        public long Bytes { get; }
    }
}
