using System;

namespace PorterStorage
{
    /// <summary>
    /// What Restore-PorterAzureContainer did with a backup of a remote store (<see cref="PorterContainerRestoreResult"/>,
    /// <see cref="PorterTableRestoreResult"/>): what it wrote, replaced and removed by <c>RestoreChanges</c>, and what it saved first.
    /// </summary>
    public abstract class PorterStoreRestoreResult : CountedResult
    {
        private protected PorterStoreRestoreResult(string archivePath, int restored, int replaced, int removed, string? preRestoreBackup, long bytes, TimeSpan duration)
        {
            ArchivePath = archivePath;
            Restored = restored;
            Replaced = replaced;
            Removed = removed;
            PreRestoreBackup = preRestoreBackup;
            Bytes = bytes;
            Duration = duration;
        }

        public string ArchivePath { get; }

        /// <summary>Items written: the backup's items the store did not hold, or held otherwise.</summary>
        public int Restored { get; }

        /// <summary>Of the items written, those that replaced an item of the same name (or keys) held otherwise.</summary>
        public int Replaced { get; }

        /// <summary>Items the backup does not hold, removed (after they were saved to <see cref="PreRestoreBackup"/>).</summary>
        public int Removed { get; }

        /// <summary>The backup of the store as it was before the restore changed it; null when nothing had to be replaced or removed.</summary>
        public string? PreRestoreBackup { get; }

        /// <summary>The bytes written (a table's entities as the backup holds them).</summary>
        public long Bytes { get; }

        public TimeSpan Duration { get; }
    }
}
