using System;
using global::Azure;

namespace PorterStorage.Core.AzureTable
{
    /// <summary>
    /// What a table write makes of throttling the client's own retries (<see cref="AzureRetry"/>, which waits what the service
    /// asks: Cosmos DB for Table's <c>x-ms-retry-after-ms</c>) did not outlast: which answers are throttling, and the wait they ask.
    /// </summary>
    internal static class TableThrottling
    {
        /// <summary>True for an answer that says "too many requests, come back later" (429, or 503 ServerBusy).</summary>
        internal static bool IsThrottled(RequestFailedException ex) => ex.Status == 429 || ex.Status == 503;
    }

    /// <summary>
    /// How many transactions a table write keeps in flight: it starts at the shared Azure concurrency and halves on each
    /// throttled answer, then grows back by one per transaction that lands (as azcopy's auto-tuning backs off and recovers).
    /// Used from the writing thread only.
    /// </summary>
    internal sealed class TableWindow
    {
        private readonly int _max;
        private int _limit;

        internal TableWindow(int max)
        {
            _max = Math.Max(1, max);
            _limit = _max;
        }

        internal int Limit => _limit;

        internal int Throttled { get; private set; }

        internal void OnThrottled(int times)
        {
            for (int i = 0; i < times; i++)
            {
                _limit = Math.Max(1, _limit / 2);
            }
            Throttled += times;
        }

        internal void OnLanded() => _limit = Math.Min(_max, _limit + 1);
    }
}
