using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Core;
using global::Azure.Core.Pipeline;

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// The retries of every request the module sends to Azure (in place of the SDK's), with the account's
    /// <see cref="AdaptiveConcurrency"/> asked for a slot before each attempt:
    /// <list type="bullet">
    /// <item>A busy service (503 ServerBusy, 500 OperationTimedOut, 429) is waited for 0.5 s doubling to
    /// <see cref="RetrySettings.MaxBusyWait"/>, or longer when it asks (<c>x-ms-retry-after-ms</c>, <c>retry-after-ms</c>,
    /// <c>Retry-After</c>); a request gives up once its waits would pass <see cref="RetrySettings.MaxTotalWait"/>.</item>
    /// <item>An attempt that outlived the network timeout is retried as a busy one (its time counts as waited, a listing asks for
    /// half the page), at most <see cref="RetrySettings.MaxRetries"/> times.</item>
    /// <item>A reset or another answer the SDK calls retriable is retried as before: 0.5 s doubling to 8 s, six times.</item>
    /// </list>
    /// When a busy service or timeouts outlast the retries, the request ends in <see cref="AzureRetriesExhaustedException"/>, which
    /// <see cref="AzureErrors.Translate"/> names; the caller's own cancellation stays a cancellation, a wait included.
    /// </summary>
    internal sealed class AzureRetry : HttpPipelinePolicy
    {
        private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(500);
        private static readonly TimeSpan MaxOtherWait = TimeSpan.FromSeconds(8);
        private readonly RequestCounter _account;

        public AzureRetry(RequestCounter account) => _account = account;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            Run(message, pipeline, false).GetAwaiter().GetResult();

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => Run(message, pipeline, true);

        private enum Outcome
        {
            Done,
            Busy,
            TimedOut,
            Retriable,
        }

        private async ValueTask Run(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
        {
            RetrySettings settings = _account.Retry;
            BackoffClock clock = settings.Clock;
            AdaptiveConcurrency limiter = _account.Concurrency;
            CancellationToken cancel = message.CancellationToken;
            // The lock's renewals are never held back behind other work: a lease that is not renewed in time is lost.
            bool limited = !IsLease(message);
            TimeSpan waited = TimeSpan.Zero;
            int retries = 0;      // every retry: the attempt number
            int busyRetries = 0;  // after a busy answer or a timeout: the back-off's step
            int timeouts = 0;
            int otherRetries = 0;
            while (true)
            {
                AdaptiveConcurrency.Slot slot = default;
                if (limited)
                {
                    slot = async ? await limiter.EnterAsync(cancel).ConfigureAwait(false) : limiter.Enter(cancel);
                }
                TimeSpan started = clock.Now;
                Exception? failure = null;
                try
                {
                    if (async)
                    {
                        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
                    }
                    else
                    {
                        ProcessNext(message, pipeline);
                    }
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
                Outcome outcome = Classify(message, failure);
                if (limited)
                {
                    limiter.Leave(slot, outcome == Outcome.Busy || outcome == Outcome.TimedOut);
                }
                if (outcome == Outcome.Done)
                {
                    Rethrow(failure);
                    return;
                }

                TimeSpan delay;
                bool giveUp;
                if (outcome == Outcome.Retriable)
                {
                    delay = Exponential(otherRetries, MaxOtherWait);
                    giveUp = otherRetries++ >= settings.MaxRetries;
                }
                else
                {
                    if (outcome == Outcome.TimedOut)
                    {
                        waited += clock.Now - started;
                        timeouts++;
                    }
                    // Never sooner than the service asks, nor than the back-off's own wait (a Retry-After of 0 is no licence to hammer);
                    // a wait named to the millisecond (Cosmos DB for Table's x-ms-retry-after-ms) is the service's exact measure of its
                    // throughput and is taken as it is.
                    delay = Exponential(busyRetries, settings.MaxBusyWait);
                    TimeSpan? asked = ServerDelay(message);
                    delay = asked.HasValue && (asked.Value > delay || NamedInMilliseconds(message)) ? asked.Value : delay;
                    delay = delay > settings.MaxBusyWait ? settings.MaxBusyWait : delay;
                    giveUp = waited + delay > settings.MaxTotalWait || (outcome == Outcome.TimedOut && timeouts > settings.MaxRetries);
                    busyRetries++;
                }
                if (giveUp)
                {
                    if (outcome == Outcome.Retriable)
                    {
                        Rethrow(failure);
                        return;
                    }
                    throw Exhausted(message, outcome == Outcome.TimedOut, retries + 1, waited, failure);
                }
                if (outcome != Outcome.Retriable)
                {
                    _account.NoteBusy();
                }
                if (message.HasResponse)
                {
                    message.Response.ContentStream?.Dispose();
                }
                if (delay > TimeSpan.Zero)
                {
                    if (async)
                    {
                        await clock.SleepAsync(delay, cancel).ConfigureAwait(false);
                    }
                    else
                    {
                        clock.Sleep(delay, cancel);
                    }
                }
                waited += delay;
                retries++;
                MessageProcessingContext context = message.ProcessingContext;
                context.RetryNumber = retries;
                if (outcome == Outcome.TimedOut)
                {
                    SmallerPage(message.Request);
                }
            }
        }

        private static Outcome Classify(HttpMessage message, Exception? failure)
        {
            if (failure != null)
            {
                if (message.CancellationToken.IsCancellationRequested)
                {
                    return Outcome.Done; // the caller's cancellation: never retried, never renamed
                }
                if (failure is OperationCanceledException)
                {
                    return Outcome.TimedOut; // not the caller's: the network timeout
                }
                return message.ResponseClassifier.IsRetriable(message, failure) ? Outcome.Retriable : Outcome.Done;
            }
            if (!message.HasResponse || !message.Response.IsError)
            {
                return Outcome.Done;
            }
            if (IsBusy(message.Response))
            {
                return Outcome.Busy;
            }
            return message.ResponseClassifier.IsRetriableResponse(message) ? Outcome.Retriable : Outcome.Done;
        }

        /// <summary>An answer that asks the client to slow down: 503 (ServerBusy), 429, or 500 OperationTimedOut.</summary>
        internal static bool IsBusy(Response response) =>
            response.Status == 503 || response.Status == 429
            || (response.Status == 500 && response.Headers.TryGetValue("x-ms-error-code", out string? code) && code == "OperationTimedOut");

        /// <summary>How long the service asked to wait: <c>x-ms-retry-after-ms</c>, <c>retry-after-ms</c>, or <c>Retry-After</c> (seconds or a date).</summary>
        internal static TimeSpan? ServerDelay(HttpMessage message) => message.HasResponse ? ServerDelay(message.Response) : null;

        /// <summary>As above, of an answer.</summary>
        internal static TimeSpan? ServerDelay(Response? response)
        {
            if (response == null)
            {
                return null;
            }
            ResponseHeaders headers = response.Headers;
            foreach (string name in new[] { "x-ms-retry-after-ms", "retry-after-ms" })
            {
                if (headers.TryGetValue(name, out string? ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0)
                {
                    return TimeSpan.FromMilliseconds(value);
                }
            }
            if (headers.TryGetValue("Retry-After", out string? after))
            {
                if (int.TryParse(after, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seconds) && seconds >= 0)
                {
                    return TimeSpan.FromSeconds(seconds);
                }
                if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
                {
                    TimeSpan until = at - DateTimeOffset.UtcNow;
                    return until > TimeSpan.Zero ? until : TimeSpan.Zero;
                }
            }
            return null;
        }

        /// <summary>True when the answer names its wait in milliseconds (<c>x-ms-retry-after-ms</c>, <c>retry-after-ms</c>).</summary>
        private static bool NamedInMilliseconds(HttpMessage message) =>
            message.HasResponse && (message.Response.Headers.TryGetValue("x-ms-retry-after-ms", out _) || message.Response.Headers.TryGetValue("retry-after-ms", out _));

        [ThreadStatic]
        private static Random? _jitter;

        /// <summary>0.5 s doubling with each retry, up to <paramref name="max"/>, with ±20% jitter so waiting requests do not return together.</summary>
        internal static TimeSpan Exponential(int retry, TimeSpan max)
        {
            double ms = FirstWait.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 20));
            ms = Math.Min(ms, max.TotalMilliseconds);
            _jitter ??= new Random(Guid.NewGuid().GetHashCode());
            return TimeSpan.FromMilliseconds(ms * (0.8 + 0.4 * _jitter.NextDouble()));
        }

        /// <summary>A listing that timed out asks for half as many items in its page (down to 100): the marker stays valid.</summary>
        internal static void SmallerPage(Request request)
        {
            string query = request.Uri.Query ?? string.Empty;
            bool listing = query.IndexOf("comp=list", StringComparison.Ordinal) >= 0 || query.IndexOf("comp=blobs", StringComparison.Ordinal) >= 0;
            if (!listing)
            {
                return;
            }
            int page = 5000;
            var parts = new System.Collections.Generic.List<string>();
            foreach (string part in query.TrimStart('?').Split(new[] { '&' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (part.StartsWith("maxresults=", StringComparison.Ordinal))
                {
                    int.TryParse(part.Substring("maxresults=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out page);
                    continue;
                }
                parts.Add(part);
            }
            parts.Add("maxresults=" + Math.Max(100, page / 2).ToString(CultureInfo.InvariantCulture));
            request.Uri.Query = "?" + string.Join("&", parts);
        }

        private static bool IsLease(HttpMessage message) => (message.Request.Uri.Query ?? string.Empty).IndexOf("comp=lease", StringComparison.Ordinal) >= 0;

        private AzureRetriesExhaustedException Exhausted(HttpMessage message, bool timedOut, int attempts, TimeSpan waited, Exception? failure)
        {
            int status = 0;
            string? code = null;
            if (!timedOut && message.HasResponse)
            {
                status = message.Response.Status;
                message.Response.Headers.TryGetValue("x-ms-error-code", out code);
            }
            return new AzureRetriesExhaustedException(timedOut, status, code, attempts, waited, _account.Retry.NetworkTimeout, failure);
        }

        private static void Rethrow(Exception? failure)
        {
            if (failure != null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
    }

    /// <summary>How a request is retried: the limits, and the clock its waits are measured and slept on.</summary>
    internal sealed class RetrySettings
    {
        /// <summary>Set to a number of seconds to shorten (or lengthen) the network timeout of one attempt, as tests do.</summary>
        public const string NetworkTimeoutVariable = "PORTERSTORAGE_AZURE_NETWORK_TIMEOUT_SECONDS";

        /// <summary>How long one attempt may take: 60 s, or <see cref="NetworkTimeoutVariable"/>.</summary>
        public TimeSpan NetworkTimeout { get; set; } = Seconds(NetworkTimeoutVariable, TimeSpan.FromSeconds(60));

        /// <summary>The longest single wait for a busy service (its own <c>Retry-After</c> is cut to this).</summary>
        public TimeSpan MaxBusyWait { get; set; } = TimeSpan.FromMinutes(2);

        /// <summary>Set to a number of seconds to change the most one request waits in all (<see cref="MaxTotalWait"/>).</summary>
        public const string MaxWaitVariable = "PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS";

        /// <summary>
        /// The most one request waits in all, for a busy service and timed-out attempts: 40 minutes (about azcopy's twenty tries of up
        /// to two minutes), or <see cref="MaxWaitVariable"/>.
        /// </summary>
        public TimeSpan MaxTotalWait { get; set; } = Seconds(MaxWaitVariable, TimeSpan.FromMinutes(40));

        /// <summary>Retries after resets, other retriable answers, and timeouts.</summary>
        public int MaxRetries { get; set; } = 6;

        public BackoffClock Clock { get; set; } = BackoffClock.System;

        private static TimeSpan Seconds(string variable, TimeSpan otherwise)
        {
            string? text = Environment.GetEnvironmentVariable(variable);
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : otherwise;
        }
    }

    /// <summary>The time the retries measure and sleep on: the machine's, or a test's simulated one.</summary>
    internal abstract class BackoffClock
    {
        public static readonly BackoffClock System = new MachineClock();

        /// <summary>Time passed since some fixed start.</summary>
        public abstract TimeSpan Now { get; }

        /// <summary>Waits <paramref name="delay"/>; raises <see cref="OperationCanceledException"/> at once when <paramref name="cancel"/> fires.</summary>
        public abstract void Sleep(TimeSpan delay, CancellationToken cancel);

        public abstract Task SleepAsync(TimeSpan delay, CancellationToken cancel);

        private sealed class MachineClock : BackoffClock
        {
            private readonly Stopwatch _watch = Stopwatch.StartNew();

            public override TimeSpan Now => _watch.Elapsed;

            public override void Sleep(TimeSpan delay, CancellationToken cancel)
            {
                cancel.WaitHandle.WaitOne(delay);
                cancel.ThrowIfCancellationRequested();
            }

            public override Task SleepAsync(TimeSpan delay, CancellationToken cancel) => Task.Delay(delay, cancel);
        }
    }

    /// <summary>
    /// A request whose busy answers (503, 500 OperationTimedOut, 429) or timed-out attempts outlasted its retries. A
    /// <see cref="RequestFailedException"/>, so every catch of the SDK's failures sees it; <see cref="AzureErrors.Translate"/> names it
    /// <c>AzureThrottled</c> or <c>AzureRequestTimedOut</c>. Its message holds no address.
    /// </summary>
    public sealed class AzureRetriesExhaustedException : RequestFailedException
    {
        internal AzureRetriesExhaustedException(bool timedOut, int status, string? code, int attempts, TimeSpan waited, TimeSpan networkTimeout, Exception? inner)
            : base(status, timedOut
                ? $"{attempts} attempt(s) outlived the network timeout of {networkTimeout.TotalSeconds:0.#} s; {Minutes(waited)} waited in all"
                : $"{attempts} attempt(s) answered HTTP {status}{(string.IsNullOrEmpty(code) ? string.Empty : " " + code)}; {Minutes(waited)} waited in all", code, inner)
        {
            TimedOut = timedOut;
            Attempts = attempts;
            Waited = waited;
            NetworkTimeout = networkTimeout;
        }

        /// <summary>True when the attempts outlived the network timeout; false when the service answered that it was busy.</summary>
        public bool TimedOut { get; }

        public int Attempts { get; }

        public TimeSpan Waited { get; }

        public TimeSpan NetworkTimeout { get; }

        internal static string Minutes(TimeSpan t) =>
            t.TotalMinutes >= 1 ? $"{t.TotalMinutes:0.#} min" : $"{t.TotalSeconds:0.#} s";
    }
}

namespace PorterStorage.Core.Azure
{
    using PorterStorage.Core.Errors;

    /// <summary>The module's own words for a busy service or timed-out requests whose retries ran out (never the SDK's text).</summary>
    internal static class AzureBackoffErrors
    {
        private const string Again = "Run the command again later: what was done is not done twice.";

        public static PorterStorageException Exhausted(AzureRetriesExhaustedException gaveUp, string target, string operation)
        {
            if (gaveUp.TimedOut)
            {
                return new PorterStorageException(ErrorIds.AzureRequestTimedOut, PorterErrorKind.ConnectionError, target,
                    $"{operation} on '{target}' did not finish: {gaveUp.Attempts} attempt(s) each outlived the network timeout of " +
                    $"{gaveUp.NetworkTimeout.TotalSeconds:0.#} s ({AzureRetriesExhaustedException.Minutes(gaveUp.Waited)} in all), with fewer requests at " +
                    $"once after each. The service is overloaded or the network to it is slow. {Again} If it recurs, send fewer requests at once " +
                    "(-ConcurrentTaskCount where the command takes it) or run closer to the account.", gaveUp);
            }
            string answer = $"HTTP {gaveUp.Status}{(string.IsNullOrEmpty(gaveUp.ErrorCode) ? string.Empty : " " + gaveUp.ErrorCode)}";
            return new PorterStorageException(ErrorIds.AzureThrottled, PorterErrorKind.ResourceBusy, target,
                $"{operation} on '{target}' stopped: the service stayed busy ({answer}) through {gaveUp.Attempts} attempts and " +
                $"{AzureRetriesExhaustedException.Minutes(gaveUp.Waited)} of waiting, the most one request waits, though the work had backed off to fewer " +
                $"requests at once. The account, or the partition holding these names, is over its scalability target (other load on it, or many " +
                $"names in one range). {Again} If it recurs, send fewer requests at once (-ConcurrentTaskCount where the command takes it) or move other load off the account.", gaveUp);
        }

        /// <summary>The SDK's network timeout on a body read outside the pipeline (the caller's cancellation never reads so).</summary>
        public static bool IsNetworkTimeout(System.OperationCanceledException ex) =>
            ex.Message.IndexOf("exceeded the configured timeout", System.StringComparison.Ordinal) >= 0;

        public static PorterStorageException TimedOut(System.OperationCanceledException ex, string target, string operation) =>
            new PorterStorageException(ErrorIds.AzureRequestTimedOut, PorterErrorKind.ConnectionError, target,
                $"{operation} on '{target}' did not finish: reading the service's answer outlived the network timeout after the SDK's retries. " +
                $"The service is overloaded or the network to it is slow. {Again}", ex);
    }
}
