namespace PorterStorage.Core.Model
{
    /// <summary>Counts what a store's requests to a service cost; a remote store has one, a local store none.</summary>
    public interface IRequestCounter
    {
        /// <summary>What was counted up to now, to subtract from a later snapshot.</summary>
        RequestCount Snapshot();
    }

    /// <summary>How many requests an operation made against Azure, how many of them were retried, and how often it backed off.</summary>
    public readonly struct RequestCount
    {
        public RequestCount(long requests, long retries, long backOffs = 0)
        {
            Requests = requests;
            Retries = retries;
            BackOffs = backOffs;
        }

        public long Requests { get; }

        public long Retries { get; }

        public long BackOffs { get; }

        /// <summary>What was made between <paramref name="before"/> and this count.</summary>
        public RequestCount Since(RequestCount before) =>
            new RequestCount(Requests - before.Requests, Retries - before.Retries, BackOffs - before.BackOffs);

        public static RequestCount operator +(RequestCount a, RequestCount b) =>
            new RequestCount(a.Requests + b.Requests, a.Retries + b.Retries, a.BackOffs + b.BackOffs);

        public override string ToString() => $"{Requests} request(s), {Retries} retried, {BackOffs} back-off(s)";
    }
}

namespace PorterStorage
{
    /// <summary>A result of work that may reach Azure: how many requests it made, and how many of them were sent again.</summary>
    public abstract class CountedResult
    {
        /// <summary>Requests made to Azure (each once, however often sent); 0 for a local store.</summary>
        public long Requests { get; internal set; }

        /// <summary>Of those, how many were sent again after throttling, a timeout or a reset.</summary>
        public long RetriedRequests { get; internal set; }

        /// <summary>
        /// How often the work backed off: waited for a busy service (503, 500 OperationTimedOut, 429) or after a request that
        /// outlived the network timeout, with fewer requests at once until the service kept up again.
        /// </summary>
        public long BackOffs { get; internal set; }

        internal void Record(RequestCount count)
        {
            Requests = count.Requests;
            RetriedRequests = count.Retries;
            BackOffs = count.BackOffs;
        }
    }
}
