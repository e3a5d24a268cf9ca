using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using global::Azure.Core.Pipeline;
using global::Azure.Storage.Blobs;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The retries every Azure request gets (<see cref="AzureRetry"/>) and the account's adaptive concurrency, against a scripted
    /// transport and a simulated clock: no sleeping, no timing in any assertion.
    /// </summary>
    public class AzureBackoffTests
    {
        private static readonly Uri Blob = new Uri("http://127.0.0.1:9/acct/c/claims/b");

        /// <summary>A client of one blob whose every request goes through <paramref name="script"/>, counted by <paramref name="counter"/>.</summary>
        private static BlobClient Client(RequestCounter counter, Script script)
        {
            var options = new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(script)) };
            counter.AttachTo(options);
            return new BlobClient(Blob, options);
        }

        private static (RequestCounter Counter, SimulatedClock Clock) Account(TimeSpan? networkTimeout = null)
        {
            var counter = new RequestCounter();
            var clock = new SimulatedClock();
            counter.Retry.Clock = clock;
            counter.Retry.NetworkTimeout = networkTimeout ?? TimeSpan.FromSeconds(60);
            return (counter, clock);
        }

        [Fact]
        public void Busy503WithoutRetryAfter_WaitsHalfASecondDoubling_ThenFinishes_CountsBackOffs()
        {
            (RequestCounter counter, SimulatedClock clock) = Account();
            var script = new Script(Script.Answer(() => Script.Busy(503)), Script.Answer(() => Script.Busy(503)), Script.Answer(() => Script.Busy(503)), Script.Answer(() => Script.Status(HttpStatusCode.Accepted)));
            Client(counter, script).DeleteIfExists();
            RequestCount made = counter.Snapshot();
            Assert.Equal(1, made.Requests);
            Assert.Equal(3, made.Retries);
            Assert.Equal(3, made.BackOffs);
            Assert.Equal(3, clock.Slept.Count);
            for (int i = 0; i < 3; i++)
            {
                double expected = 0.5 * Math.Pow(2, i);
                Assert.InRange(clock.Slept[i].TotalSeconds, expected * 0.8, expected * 1.2);
            }
            Assert.True(counter.Concurrency.Halvings >= 1);
        }

        [Theory]
        [InlineData(503, "Retry-After", "7", 7000)]
        [InlineData(503, "x-ms-retry-after-ms", "1500", 1500)]
        [InlineData(429, "x-ms-retry-after-ms", "2500", 2500)]
        [InlineData(500, "retry-after-ms", "900", 900)]
        [InlineData(503, "Retry-After", "600", 120000)] // a single wait is cut to two minutes
        public void ServersWait_IsHonoured_WhenLongerThanTheBackOffsOwn(int status, string header, string value, int expectedMs)
        {
            (RequestCounter counter, SimulatedClock clock) = Account();
            var script = new Script(Script.Answer(() => Script.Busy(status, (header, value))), Script.Answer(() => Script.Status(HttpStatusCode.Accepted)));
            Client(counter, script).DeleteIfExists();
            Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Assert.Single(clock.Slept));
            Assert.Equal(1, counter.BackOffs);
        }

        /// <summary>A Retry-After of 0 (or shorter than the back-off) does not make a busy service hammered: the back-off's own wait stands.</summary>
        [Fact]
        public void RetryAfterZero_StillBacksOff()
        {
            (RequestCounter counter, SimulatedClock clock) = Account();
            var script = new Script(Script.Answer(() => Script.Busy(503, ("Retry-After", "0"))), Script.Answer(() => Script.Busy(503, ("Retry-After", "0"))), Script.Answer(() => Script.Status(HttpStatusCode.Accepted)));
            Client(counter, script).DeleteIfExists();
            Assert.Equal(2, clock.Slept.Count);
            Assert.InRange(clock.Slept[0].TotalSeconds, 0.4, 0.6);
            Assert.InRange(clock.Slept[1].TotalSeconds, 0.8, 1.2);
        }

        /// <summary>
        /// A wait named to the millisecond (Cosmos DB for Table's x-ms-retry-after-ms) is the service's measure of its throughput: it is
        /// taken as it is, even below the back-off's own, so a throttled table is not slowed further than it asks.
        /// </summary>
        [Theory]
        [InlineData(429, "x-ms-retry-after-ms", "5")]
        [InlineData(503, "retry-after-ms", "40")]
        public void AWaitNamedInMilliseconds_IsTakenAsItIs(int status, string header, string value)
        {
            (RequestCounter counter, SimulatedClock clock) = Account();
            var script = new Script(Script.Answer(() => Script.Busy(status, (header, value))), Script.Answer(() => Script.Busy(status, (header, value))),
                Script.Answer(() => Script.Status(HttpStatusCode.Accepted)));
            Client(counter, script).DeleteIfExists();
            Assert.Equal(new[] { TimeSpan.FromMilliseconds(int.Parse(value)), TimeSpan.FromMilliseconds(int.Parse(value)) }, clock.Slept);
        }

        /// <summary>Retries after a busy service do not use up those of a reset: ten 503s, then a reset, then an answer.</summary>
        [Fact]
        public void ManyBusyAnswers_ThenAReset_TheResetIsStillRetried()
        {
            (RequestCounter counter, SimulatedClock clock) = Account();
            var steps = Enumerable.Repeat(Script.Answer(() => Script.Busy(503)), 10).ToList();
            steps.Add((request, cancel) => throw new HttpRequestException("connection reset", new System.IO.IOException("reset")));
            steps.Add(Script.Answer(() => Script.Status(HttpStatusCode.Accepted)));
            Client(counter, new Script(steps.ToArray())).DeleteIfExists();
            Assert.Equal(11, counter.Retries);
            Assert.Equal(10, counter.BackOffs);
        }

        /// <summary>A 500 that is not OperationTimedOut is a plain retriable failure, not a busy service: no back-off is counted.</summary>
        [Fact]
        public void Other500_IsRetried_ButIsNoBackOff()
        {
            (RequestCounter counter, SimulatedClock clock) = Account();
            var script = new Script(Script.Answer(() => Script.Status(HttpStatusCode.InternalServerError)), Script.Answer(() => Script.Status(HttpStatusCode.Accepted)));
            Client(counter, script).DeleteIfExists();
            Assert.Equal(1, counter.Retries);
            Assert.Equal(0, counter.BackOffs);
            Assert.Equal(0, counter.Concurrency.Halvings);
        }

        /// <summary>Thirty minutes of 503 without Retry-After on one request: it waits them out (within the 40 minutes one request may wait).</summary>
        [Fact]
        public void ThirtyMinutesOfBusy_OneRequestWaitsThemOut()
        {
            (RequestCounter counter, SimulatedClock clock) = Account();
            var script = new Script(Script.Answer(() => clock.Now < TimeSpan.FromMinutes(30) ? Script.Busy(503) : Script.Status(HttpStatusCode.Accepted)));
            Client(counter, script).DeleteIfExists();
            TimeSpan waited = new TimeSpan(clock.Slept.Sum(s => s.Ticks));
            Assert.InRange(waited, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(40));
            Assert.All(clock.Slept, s => Assert.True(s <= TimeSpan.FromMinutes(2)));
            Assert.Equal(clock.Slept.Count, counter.BackOffs);
        }

        [Fact]
        public void BusyPastTheBound_AzureThrottled_NamingTheOperationAndTheWait_NeverTheAddress()
        {
            (RequestCounter counter, SimulatedClock clock) = Account();
            var script = new Script(Script.Answer(() => Script.Busy(503)));
            Exception raw = Assert.ThrowsAny<Exception>(() => Client(counter, script).DeleteIfExists());
            AzureRetriesExhaustedException gaveUp = Assert.IsType<AzureRetriesExhaustedException>(raw);
            Assert.False(gaveUp.TimedOut);
            TimeSpan waited = new TimeSpan(clock.Slept.Sum(s => s.Ticks));
            Assert.True(waited <= TimeSpan.FromMinutes(40), waited.ToString());
            Assert.True(waited >= TimeSpan.FromMinutes(36), waited.ToString());

            PorterStorageException named = AzureErrors.Translate(raw, "c/claims/b", "Reading the blob");
            Assert.Equal(ErrorIds.AzureThrottled, named.ErrorId);
            Assert.Equal(PorterErrorKind.ResourceBusy, named.Kind);
            Assert.Contains("Reading the blob on 'c/claims/b'", named.Message);
            Assert.Contains("HTTP 503 ServerBusy", named.Message);
            Assert.Contains(" min of waiting", named.Message);
            Assert.Contains("Run the command again later", named.Message);
            Assert.DoesNotContain("127.0.0.1", named.Message);
        }

        [Fact]
        public void EveryAttemptOutlivesTheNetworkTimeout_AzureRequestTimedOut_NotTheSdksText()
        {
            (RequestCounter counter, SimulatedClock clock) = Account(TimeSpan.FromMilliseconds(100));
            var script = new Script(Script.Stall);
            Exception raw = Assert.ThrowsAny<Exception>(() => Client(counter, script).DeleteIfExists());
            AzureRetriesExhaustedException gaveUp = Assert.IsType<AzureRetriesExhaustedException>(raw);
            Assert.True(gaveUp.TimedOut);
            Assert.Equal(7, gaveUp.Attempts);
            Assert.Equal(7, script.Calls);
            Assert.Equal(6, counter.BackOffs);

            PorterStorageException named = AzureErrors.Translate(raw, "c/claims/b", "Reading the blob");
            Assert.Equal(ErrorIds.AzureRequestTimedOut, named.ErrorId);
            Assert.Contains("Reading the blob on 'c/claims/b' did not finish: 7 attempt(s) each outlived the network timeout of 0.1 s", named.Message);
            Assert.DoesNotContain("configured timeout", named.Message);
        }

        /// <summary>A listing whose attempt timed out asks for half the page again; the next page is asked as the marker says.</summary>
        [Fact]
        public void TimedOutListing_RetriedWithHalfThePage()
        {
            // The answer comes at once, in process, but must beat the network timeout on a loaded machine too: 100 ms did not, once
            // in a run of three suites side by side (a fourth, smaller page was asked). The stalls end with the timeout, so 2 s each.
            (RequestCounter counter, SimulatedClock clock) = Account(TimeSpan.FromSeconds(2));
            const string empty = "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"http://127.0.0.1:9/acct\" ContainerName=\"c\"><Blobs /><NextMarker /></EnumerationResults>";
            var script = new Script(Script.Stall, Script.Stall, Script.Answer(() => Script.Xml(empty)));
            var options = new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(script)) };
            counter.AttachTo(options);
            var container = new BlobContainerClient(new Uri("http://127.0.0.1:9/acct/c"), options);
            Assert.Empty(container.GetBlobs().ToList());
            Assert.Equal(3, script.Queries.Count);
            Assert.DoesNotContain("maxresults", script.Queries[0]);
            Assert.Contains("maxresults=2500", script.Queries[1]);
            Assert.Contains("maxresults=1250", script.Queries[2]);
            Assert.Contains("comp=list", script.Queries[2]);
        }

        /// <summary>Ctrl+C (the caller's token) during a stalled attempt, or during a back-off, is a cancellation, never an error of ours.</summary>
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void CallersCancellation_StaysACancellation(bool duringAStall)
        {
            var counter = new RequestCounter(); // the machine's clock: the back-off really waits (Retry-After: 3600)
            using var started = new ManualResetEventSlim();
            var script = new Script((request, token) =>
            {
                started.Set();
                return duringAStall ? Script.Stall(request, token) : Task.FromResult(Script.Busy(503, ("Retry-After", "3600")));
            });
            using var cancel = new CancellationTokenSource();
            BlobClient client = Client(counter, script);
            Task call = Task.Run(() => client.DeleteIfExists(cancellationToken: cancel.Token));
            Assert.True(started.Wait(TimeSpan.FromSeconds(60)));
            cancel.Cancel();
            var caught = Assert.ThrowsAny<AggregateException>(() => call.Wait(TimeSpan.FromSeconds(60)));
            Assert.IsAssignableFrom<OperationCanceledException>(caught.InnerException);
            Assert.Throws<OperationCanceledException>(() => AzureErrors.Translate(caught.InnerException!, "c", "Reading the blob"));
            Assert.Equal(1, script.Calls);
        }

        /// <summary>The SDK's own timeout on a body read outside the pipeline is named too.</summary>
        [Fact]
        public void SdksTimeoutText_IsAzureRequestTimedOut()
        {
            var sdk = new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout of 0:01:00. Network timeout can be adjusted in ClientOptions.Retry.NetworkTimeout.");
            PorterStorageException named = AzureErrors.Translate(sdk, "c/b", "Reading the blob");
            Assert.Equal(ErrorIds.AzureRequestTimedOut, named.ErrorId);
            Assert.DoesNotContain("configured timeout", named.Message);
        }

        /// <summary>A transport that answers each attempt with the next step of a script (the last step repeats).</summary>
        internal sealed class Script : HttpMessageHandler
        {
            private readonly Step[] _steps;
            private int _next;

            public Script(params Step[] steps) => _steps = steps;

            public delegate Task<HttpResponseMessage> Step(HttpRequestMessage request, CancellationToken cancel);

            /// <summary>Holds the attempt until the client gives up on it.</summary>
            public static readonly Step Stall = async (request, cancel) =>
            {
                await Task.Delay(Timeout.Infinite, cancel).ConfigureAwait(false);
                throw new InvalidOperationException("unreachable");
            };

            public static Step Answer(Func<HttpResponseMessage> make) => (request, cancel) => Task.FromResult(make());

            public int Calls => Volatile.Read(ref _next);

            public List<string> Queries { get; } = new List<string>();

            public static HttpResponseMessage Status(HttpStatusCode status, string? code = null, params (string Name, string Value)[] headers)
            {
                var response = new HttpResponseMessage(status) { Content = new StringContent(string.Empty) };
                response.Headers.Add("x-ms-request-id", Guid.NewGuid().ToString());
                if (code != null)
                {
                    response.Headers.Add("x-ms-error-code", code);
                }
                foreach ((string name, string value) in headers)
                {
                    response.Headers.TryAddWithoutValidation(name, value);
                }
                return response;
            }

            public static HttpResponseMessage Busy(int status, params (string Name, string Value)[] headers) =>
                Status((HttpStatusCode)status, status == 500 ? "OperationTimedOut" : status == 429 ? "TooManyRequests" : "ServerBusy", headers);

            public static HttpResponseMessage Xml(string body)
            {
                HttpResponseMessage response = Status(HttpStatusCode.OK);
                response.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/xml");
                return response;
            }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                int at = Interlocked.Increment(ref _next) - 1;
                lock (Queries)
                {
                    Queries.Add(request.RequestUri!.Query);
                }
                return _steps[Math.Min(at, _steps.Length - 1)](request, cancellationToken).ContinueWith(t =>
                {
                    t.Result.RequestMessage = request;
                    return t.Result;
                }, cancellationToken, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
                SendAsync(request, cancellationToken).GetAwaiter().GetResult();
        }
    }

    /// <summary>A clock whose sleeps return at once and move its time on by their length (as if they took turns); records them.</summary>
    internal sealed class SimulatedClock : BackoffClock
    {
        private long _ticks;

        /// <summary>Called with the new time after each sleep (a test moves the fault proxy's clock with it).</summary>
        public Action<TimeSpan>? Moved { get; set; }

        public List<TimeSpan> Slept { get; } = new List<TimeSpan>();

        public override TimeSpan Now => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

        public override void Sleep(TimeSpan delay, CancellationToken cancel)
        {
            cancel.ThrowIfCancellationRequested();
            lock (Slept)
            {
                Slept.Add(delay);
            }
            var now = TimeSpan.FromTicks(Interlocked.Add(ref _ticks, delay.Ticks));
            Moved?.Invoke(now);
        }

        public override Task SleepAsync(TimeSpan delay, CancellationToken cancel)
        {
            Sleep(delay, cancel);
            return Task.CompletedTask;
        }
    }
}
