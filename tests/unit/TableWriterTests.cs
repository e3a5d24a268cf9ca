using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The table writer against a service that throttles as Cosmos DB for Table does (429 with <c>x-ms-retry-after-ms</c>), limits a
    /// transaction to 2 MB, or refuses one transaction of many: everything is written in the end, or what was not is named.
    /// The service is a scripted transport: no network, no timing.
    /// </summary>
    public class TableWriterTests
    {
        private const string Where = "https://acct.table.core.windows.net/porter";

        private static PorterTableEntity Entity(string pk, string rk, byte[] data, string group = "g") =>
            new PorterTableEntity(pk, rk, new[] { new TableProperty("data", TableProperty.EdmBinary, data), new TableProperty("group", TableProperty.EdmString, group) });

        [Fact]
        public void Upsert_ThrottledPastTheClientsRetries_IsSentAgain_AndEverythingIsWritten()
        {
            // Every request of the first batch answered 429 more often than the client retries one request.
            int throttles = 20;
            var service = new ScriptedTransport((n, _) => n <= throttles ? 429 : 204);
            var written = new List<string>();
            TableWriter.Upsert(Client(service), Where, new[] { Entity("claims", "c1", new byte[] { 1 }) }, batch => written.AddRange(batch.Select(e => e.Key)), CancellationToken.None);
            Assert.Equal(new[] { "claims/c1" }, written);
            Assert.Equal(throttles + 1, service.Requests.Count);
        }

        [Fact]
        public void Upsert_OneTransactionRefused_TheOthersAreWritten_AndTableWriteIncompleteNamesWhatWasNot()
        {
            var service = new ScriptedTransport((_, path) => path.Contains("PartitionKey='p2'") ? 400 : 204);
            PorterTableEntity[] entities = Enumerable.Range(0, 5).Select(i => Entity("p" + i, "r", new byte[] { (byte)i })).ToArray();
            var written = new List<string>();
            TableWriteIncompleteException ex = Assert.Throws<TableWriteIncompleteException>(() =>
                TableWriter.Upsert(Client(service), Where, entities, batch => { lock (written) { written.AddRange(batch.Select(e => e.Key)); } }, CancellationToken.None));
            Assert.Equal(ErrorIds.TableWriteIncomplete, ex.ErrorId);
            Assert.Contains("4 of 5 entities were written and 1 were not ('p2/r')", ex.Message);
            Assert.Contains("run the same command again", ex.Message);
            Assert.Equal((4, 5), (ex.Written, ex.Total));
            Assert.Equal(new[] { "p2/r" }, ex.NotWritten);
            Assert.Equal("InvalidInput", ex.FirstFailure.Message.Split(' ').Last().TrimEnd('.'));
            Assert.Equal(new[] { "p0/r", "p1/r", "p3/r", "p4/r" }, written.OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal(5, service.Requests.Count);
        }

        [Fact]
        public void Batches_OnePartitionEach_AtMostOneHundred_AndUnder2MB_WhatTheServiceReceives()
        {
            var small = Enumerable.Range(0, 250).Select(i => Entity("outputs", $"o{i:D3}", new byte[10])).Concat(new[] { Entity("claims", "c", new byte[10]) }).ToList();
            Assert.Equal(new[] { 100, 100, 50, 1 }, TableWriter.Batches(small).Select(b => b.Count));
            Assert.All(TableWriter.Batches(small), b => Assert.Single(b.Select(e => e.PartitionKey).Distinct()));

            // Near the plugin's 64 KiB limit: 40 entities are 3.5 MB of payload, more than Cosmos DB takes in one transaction.
            var rng = new Random(5);
            var large = Enumerable.Range(0, 40).Select(i =>
            {
                var data = new byte[65_000];
                rng.NextBytes(data);
                return Entity("claims", $"01CLAIM{i:D19}", data, "installation-" + i);
            }).ToList();
            // Keys and strings the service receives escaped: non-ASCII in the URL and the JSON.
            var escaped = Enumerable.Range(0, 100).Select(i => new PorterTableEntity("päckage", new string('漢', 200) + i,
                new[] { new TableProperty("group", TableProperty.EdmString, new string('\u00e9', 300) + "\"\\\u0001") })).ToList();
            foreach (List<PorterTableEntity> entities in new[] { large, escaped })
            {
                List<List<PorterTableEntity>> batches = TableWriter.Batches(entities);
                Assert.All(batches, b => Assert.True(b.Sum(TableWriter.EstimatedBytes) <= TableWriter.MaxBatchBytes));
                // What is sent: each transaction refused, so that its body is recorded and nothing needs answering.
                var service = new ScriptedTransport((_, _) => 400);
                Assert.Equal(entities.Count, Assert.Throws<TableWriteIncompleteException>(() => TableWriter.Upsert(Client(service), Where, entities, null, CancellationToken.None)).NotWritten.Count);
                Assert.Equal(batches.Count, service.Requests.Count);
                // The transactions go at once, in any order: the smallest sent against the smallest estimate, and so on.
                IEnumerable<long> estimates = batches.Select(b => b.Sum(TableWriter.EstimatedBytes)).OrderBy(b => b);
                foreach ((long estimate, long sent) in estimates.Zip(service.Requests.Select(r => r.Bytes).OrderBy(b => b), (e, s) => (e, s)))
                {
                    Assert.True(sent <= 2_000_000, $"a transaction of {sent} bytes");
                    Assert.True(sent <= estimate + 8 * 1024, $"{sent} bytes sent, {estimate} estimated");
                }
            }
            Assert.Equal(2, TableWriter.Batches(large).Count);
        }

        private static TableClient Client(ScriptedTransport service)
        {
            var options = new TableClientOptions { Transport = service };
            options.Retry.MaxRetries = 6;
            options.Retry.Delay = TimeSpan.FromMilliseconds(1);
            options.Retry.MaxDelay = TimeSpan.FromMilliseconds(2);
            return new TableServiceClient(new Uri("https://acct.table.core.windows.net"), new TableSharedKeyCredential("acct", Convert.ToBase64String(new byte[32])), options)
                .GetTableClient("porter");
        }

        /// <summary>A table service answering the n-th request (from 1) to a path with the status its script gives; 429s ask for 1 ms.</summary>
        private sealed class ScriptedTransport : HttpPipelineTransport
        {
            private readonly Func<int, string, int> _status;

            public ScriptedTransport(Func<int, string, int> status) => _status = status;

            public List<(int Order, string Path, long Bytes)> Requests { get; } = new List<(int, string, long)>();

            public override Request CreateRequest() => new FakeRequest();

            public override void Process(HttpMessage message)
            {
                long bytes = 0;
                if (message.Request.Content != null)
                {
                    using var body = new MemoryStream();
                    message.Request.Content.WriteTo(body, CancellationToken.None);
                    bytes = body.Length;
                }
                string path = Uri.UnescapeDataString(message.Request.Uri.ToUri().AbsolutePath);
                int order;
                lock (Requests)
                {
                    order = Requests.Count + 1;
                    Requests.Add((order, path, bytes));
                }
                int status = _status(order, path);
                var headers = new Dictionary<string, string>();
                byte[] answer = Array.Empty<byte>();
                if (status >= 400)
                {
                    string code = status == 429 ? "TooManyRequests" : "InvalidInput";
                    answer = Encoding.UTF8.GetBytes($"{{\"odata.error\":{{\"code\":\"{code}\",\"message\":{{\"lang\":\"en-us\",\"value\":\"refused by the script\"}}}}}}");
                    headers["Content-Type"] = "application/json;odata=minimalmetadata";
                    headers["x-ms-error-code"] = code;
                    if (status == 429)
                    {
                        headers["x-ms-retry-after-ms"] = "1";
                    }
                }
                message.Response = new FakeResponse(status, answer, headers);
            }

            public override ValueTask ProcessAsync(HttpMessage message)
            {
                Process(message);
                return default;
            }
        }
    }
}
