namespace PorterStorage.Core
{
    /// <summary>
    /// Progress of a long operation on a home or container (backing up, verifying, restoring, copying, migrating):
    /// what is being done, the item at hand, how many of how many, and the bytes so far.
    /// </summary>
    public sealed class OperationProgress
    {
        public OperationProgress(string activity, string? item, int done, int total, long bytes)
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
