using System.Threading;
using System.Threading.Tasks;
using global::Azure.Core;
using global::Azure.Core.Pipeline;

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// Counts the requests the SDK's clients of one account make, how many of them it had to send again (throttling,
    /// timeouts, resets) and how often it backed off; holds the account's <see cref="AdaptiveConcurrency"/> and retry settings, which
    /// its retry policy (<see cref="AzureRetry"/>) applies to every request. Shared by every client a <see cref="PorterAzureStorage"/>
    /// creates; safe across threads.
    /// </summary>
    public sealed class RequestCounter : IRequestCounter
    {
        private long _backOffs;
        private long _requests;
        private long _attempts;
        private long _responses;
        private int _lastStatus;

        /// <summary>Requests made (each counted once, however often it was sent).</summary>
        public long Requests => Interlocked.Read(ref _requests);

        /// <summary>Sends beyond the first: the retries.</summary>
        public long Retries => Interlocked.Read(ref _attempts) - Interlocked.Read(ref _requests);

        /// <summary>Answers received, of any status (an endpoint that answers is reachable, however it answers).</summary>
        public long Responses => Interlocked.Read(ref _responses);

        /// <summary>The status of the last answer received, or 0.</summary>
        public int LastStatus => Volatile.Read(ref _lastStatus);

        /// <summary>Waits for a busy service (503, 500 OperationTimedOut, 429) or after an attempt that outlived the network timeout.</summary>
        public long BackOffs => Interlocked.Read(ref _backOffs);

        /// <summary>How many requests this account's clients may have on the wire: lowered when the service is busy, grown back after.</summary>
        public AdaptiveConcurrency Concurrency { get; } = new AdaptiveConcurrency();

        /// <summary>The retries' limits and clock (tests shorten the network timeout and simulate the clock).</summary>
        internal RetrySettings Retry { get; } = new RetrySettings();

        internal void NoteBusy() => Interlocked.Increment(ref _backOffs);

        /// <summary>What was counted up to now, to subtract from a later <see cref="Snapshot"/>.</summary>
        public RequestCount Snapshot() => new RequestCount(Requests, Retries, BackOffs);

        /// <summary>
        /// Counts a client's calls (a policy run once per call) and every request it sends (its transport, wrapped). Counting at the
        /// transport sees what no pipeline policy does: a download whose answer broke off mid-body is resumed by the SDK's
        /// retriable stream with a request of its own, which is a retry here. Puts <see cref="AzureRetry"/> in place of the SDK's
        /// retries, with this account's network timeout.
        /// </summary>
        internal void AttachTo(ClientOptions options)
        {
            options.RetryPolicy = new AzureRetry(this);
            options.Retry.NetworkTimeout = Retry.NetworkTimeout;
            options.AddPolicy(new CallCounting(this), HttpPipelinePosition.PerCall);
            options.Transport = new CountingTransport(options.Transport, this);
        }

        private sealed class CallCounting : HttpPipelineSynchronousPolicy
        {
            private readonly RequestCounter _counter;

            public CallCounting(RequestCounter counter) => _counter = counter;

            public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _counter._requests);
        }

        private sealed class CountingTransport : HttpPipelineTransport
        {
            private readonly HttpPipelineTransport _inner;
            private readonly RequestCounter _counter;

            public CountingTransport(HttpPipelineTransport inner, RequestCounter counter)
            {
                _inner = inner;
                _counter = counter;
            }

            public override Request CreateRequest() => _inner.CreateRequest();

            public override void Process(HttpMessage message)
            {
                Interlocked.Increment(ref _counter._attempts);
                _inner.Process(message);
                Received(message);
            }

            public override async System.Threading.Tasks.ValueTask ProcessAsync(HttpMessage message)
            {
                Interlocked.Increment(ref _counter._attempts);
                await _inner.ProcessAsync(message).ConfigureAwait(false);
                Received(message);
            }

            private void Received(HttpMessage message)
            {
                if (message.HasResponse)
                {
                    Interlocked.Increment(ref _counter._responses);
                    Volatile.Write(ref _counter._lastStatus, message.Response.Status);
                    if (message.Response.Status == 403 && message.Request.Headers.TryGetValue("Authorization", out string? auth)
                        && auth.StartsWith("Bearer ", System.StringComparison.OrdinalIgnoreCase))
                    {
                        // Which credential was refused decides the advice: a role for a token, a SAS letter for a SAS.
                        AzureErrors.NoteTokenAnswer(message.Response);
                    }
                }
            }
        }
    }
}
