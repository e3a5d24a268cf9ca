using System;
using System.Globalization;
using System.Threading;
using global::Azure;
using global::Azure.Core;
using global::Azure.Core.Pipeline;

namespace PorterStorage.Core.AzureTable
{
    /// <summary>
    /// How the table clients meet throttling. Azure Table Storage answers an overloaded partition with <c>503 ServerBusy</c>;
    /// Cosmos DB for Table answers a request over the provisioned throughput with <c>429</c> and the wait it wants in
    /// <c>x-ms-retry-after-ms</c>. Azure.Core's retry policy already retries a 429 and waits at least that header, but never less
    /// than its own exponential delay (0.5 s doubling to 8 s here), and gives up after its six retries. A table client waits
    /// what the service asked for (the exponential delay only when it names none) and retries a 429 up to
    /// <see cref="MaxThrottledRetries"/> times; other failures keep the shared settings.
    /// </summary>
    internal static class TableThrottling
    {
        /// <summary>How often one request answered 429 is sent again by the client itself.</summary>
        internal const int MaxThrottledRetries = 12;

        /// <summary>Retries as configured for every client, a 429 up to <see cref="MaxThrottledRetries"/> times, waiting what the service asks.</summary>
        internal static RetryPolicy Policy(int maxRetries, TimeSpan delay, TimeSpan maxDelay) => new ThrottledRetryPolicy(maxRetries, Delay(delay, maxDelay));

        /// <summary>The wait before a retry: what the service asked for, else <paramref name="delay"/> doubling to <paramref name="maxDelay"/>.</summary>
        internal static DelayStrategy Delay(TimeSpan delay, TimeSpan maxDelay) => new ServerFirstDelay(delay, maxDelay);

        /// <summary>The wait a throttled answer asks for: <c>x-ms-retry-after-ms</c> or <c>retry-after-ms</c> (milliseconds), else <c>Retry-After</c> (seconds); null when none.</summary>
        internal static TimeSpan? RequestedWait(Response? response)
        {
            if (response == null)
            {
                return null;
            }
            foreach (string name in new[] { "x-ms-retry-after-ms", "retry-after-ms" })
            {
                if (response.Headers.TryGetValue(name, out string? ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0)
                {
                    return TimeSpan.FromMilliseconds(value);
                }
            }
            if (response.Headers.TryGetValue("Retry-After", out string? seconds) && int.TryParse(seconds, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s >= 0)
            {
                return TimeSpan.FromSeconds(s);
            }
            return null;
        }

        /// <summary>True for an answer that says "too many requests, come back later" (429, or 503 ServerBusy).</summary>
        internal static bool IsThrottled(RequestFailedException ex) => ex.Status == 429 || ex.Status == 503;

        private sealed class ThrottledRetryPolicy : RetryPolicy
        {
            private const string ThrottledCount = "PorterStorage.TableThrottled";

            internal ThrottledRetryPolicy(int maxRetries, DelayStrategy delay) : base(maxRetries, delay)
            {
            }

            protected override bool ShouldRetry(HttpMessage message, Exception? exception)
            {
                if (exception != null || !message.HasResponse || message.Response.Status != 429 || message.CancellationToken.IsCancellationRequested)
                {
                    return base.ShouldRetry(message, exception);
                }
                int throttled = message.TryGetProperty(ThrottledCount, out object? count) && count is int n ? n : 0;
                message.SetProperty(ThrottledCount, throttled + 1);
                return throttled < MaxThrottledRetries;
            }

            protected override System.Threading.Tasks.ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception) =>
                new System.Threading.Tasks.ValueTask<bool>(ShouldRetry(message, exception));
        }

        /// <summary>The service's own wait when it names one, else the exponential delay of the shared settings.</summary>
        private sealed class ServerFirstDelay : DelayStrategy
        {
            private readonly TimeSpan _delay;

            internal ServerFirstDelay(TimeSpan delay, TimeSpan maxDelay) : base(TimeSpan.FromMinutes(1), 0.2)
            {
                _delay = delay;
                MaxExponential = maxDelay;
            }

            private TimeSpan MaxExponential { get; }

            protected override TimeSpan GetNextDelayCore(Response? response, int retryNumber)
            {
                TimeSpan? asked = RequestedWait(response);
                if (asked != null)
                {
                    return asked.Value;
                }
                double ms = _delay.TotalMilliseconds * Math.Pow(2, Math.Max(0, Math.Min(retryNumber - 1, 16)));
                return TimeSpan.FromMilliseconds(Math.Min(ms, MaxExponential.TotalMilliseconds));
            }
        }
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
