namespace PorterStorage.Core
{
    /// <summary>
    /// Progress of a long operation on a home or container (backing up, verifying, restoring, copying, migrating):
    /// what is being done, the item at hand, how many of how many of what (files, blobs, items), and the bytes so far.
    /// </summary>
    public sealed class OperationProgress
    {
        public OperationProgress(string activity, string? item, int done, int total, long bytes, string unit = "files")
        {
            Activity = activity;
            Item = item;
            Done = done;
            Total = total;
            Bytes = bytes;
            Unit = unit;
        }

        public string Activity { get; }

        public string? Item { get; }

        public int Done { get; }

        /// <summary>How many there are in all; 0 when not known in advance.</summary>
        public int Total { get; }

        /// <summary>Bytes so far; 0 when the operation does not count bytes.</summary>
        public long Bytes { get; }

        /// <summary>What <see cref="Done"/> and <see cref="Total"/> count, in the plural ("files", "blobs", "items").</summary>
        public string Unit { get; }

        /// <summary>The status line: "Copying: 12 of 40 blobs, 96 KB".</summary>
        public override string ToString()
        {
            string count = Total > 0 ? $"{Done} of {Total} {Unit}" : $"{Done} {Unit}";
            return Bytes > 0 ? $"{Activity}: {count}, {FormatBytes(Bytes)}" : $"{Activity}: {count}";
        }

        internal static string FormatBytes(long bytes) =>
            bytes >= 10L * 1024 * 1024 ? $"{bytes / (1024 * 1024)} MB" : bytes >= 1024 ? $"{bytes / 1024} KB" : $"{bytes} B";
    }
}
