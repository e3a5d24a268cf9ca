using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using CsCheck;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The azure.table plugin's entity (format A§1.7, <c>pkg/azure/table/store.go</c>): PartitionKey = type, RowKey = name,
    /// <c>group</c> (<c>""</c> when none), <c>data</c> Edm.Binary (absent for nil data), the schema under <c>schema</c>/<c>schema</c>,
    /// the plugin's 65,536-byte limit, NextLink paging; and the one canonical JSON form backups hold.
    /// </summary>
    public class TableEntityCodecTests
    {
        private const string Where = "https://acct.table.core.windows.net/porter/x";

        private static PorterTableEntity Entity(string pk, string rk, params TableProperty[] properties) => new PorterTableEntity(pk, rk, properties);

        private static TableProperty Str(string name, string value) => new TableProperty(name, TableProperty.EdmString, value);

        private static TableProperty Bin(string name, byte[] value) => new TableProperty(name, TableProperty.EdmBinary, value);

        [Fact]
        public void Encode_IsThePluginsSave_GroupAlways_DataOnlyWhenThereIsSome()
        {
            PorterTableEntity marker = TableEntityCodec.Encode("installations", null, "mysql", Array.Empty<byte>());
            Assert.Equal(("installations", "mysql"), (marker.PartitionKey, marker.RowKey));
            Assert.Equal(new[] { "group" }, marker.Properties.Select(p => p.Name));
            Assert.Equal("", marker.Property("group")!.Value);

            byte[] claim = Encoding.UTF8.GetBytes("{\"id\":\"01\"}");
            PorterTableEntity saved = TableEntityCodec.Encode("claims", "mysql", "01EZ", claim);
            Assert.Equal(TableProperty.EdmBinary, saved.Property("data")!.EdmType);
            Assert.Equal(claim, (byte[])saved.Property("data")!.Value);
            Assert.Equal("mysql", saved.Property("group")!.Value);

            PorterTableEntity schema = TableEntityCodec.Encode("", null, "schema", Encoding.UTF8.GetBytes("{}"));
            Assert.Equal(("schema", "schema"), (schema.PartitionKey, schema.RowKey));
        }

        [Fact]
        public void Decode_ThePluginsShapes()
        {
            TableItem schema = TableEntityCodec.Decode(Entity("schema", "schema", Str("group", ""), Bin("data", new byte[] { 123, 125 })), Where);
            Assert.Equal("", schema.ItemType);
            Assert.Equal("schema", schema.Name);
            Assert.Null(schema.Group);

            // Nil data: the service keeps no data property at all; Read returns empty.
            TableItem marker = TableEntityCodec.Decode(Entity("installations", "mysql", Str("group", "")), Where);
            Assert.Empty(marker.Data);
            Assert.True(marker.HasGroup);
            Assert.Null(marker.Group);

            TableItem claim = TableEntityCodec.Decode(Entity("claims", "01EZ", Str("group", "mysql"), Bin("data", new byte[] { 1, 2, 3 })), Where);
            Assert.Equal(("claims", "01EZ", "mysql"), (claim.ItemType, claim.Name, claim.Group));
            Assert.Equal(new byte[] { 1, 2, 3 }, claim.Data);

            // A partition key "schema" with another row key is an item of the type "schema", not the schema document.
            Assert.Equal("schema", TableEntityCodec.Decode(Entity("schema", "other"), Where).ItemType);

            TableItem ungrouped = TableEntityCodec.Decode(Entity("claims", "01F0", Bin("data", new byte[] { 1 })), Where);
            Assert.False(ungrouped.HasGroup);
        }

        [Fact]
        public void Decode_TheLimitIsThePlugins_65536Bytes()
        {
            Assert.Equal(65536, TableEntityCodec.Decode(Entity("outputs", "r-o", Str("group", "r"), Bin("data", new byte[65536])), Where).Data.Length);
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() =>
                TableEntityCodec.Decode(Entity("outputs", "r-o", Str("group", "r"), Bin("data", new byte[65537])), Where));
            Assert.Equal(ErrorIds.TableEntityTooLarge, ex.ErrorId);
            Assert.Equal(Where, ex.Target);
        }

        [Fact]
        public void Decode_CompressedData_IsInflated_AndABadOneIsNamed()
        {
            byte[] doc = Encoding.UTF8.GetBytes(new string('x', 5000));
            using var packed = new MemoryStream();
            using (var gzip = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(doc, 0, doc.Length);
            }
            TableItem item = TableEntityCodec.Decode(Entity("claims", "01", Str("group", "a"), Bin("data", packed.ToArray()),
                new TableProperty("compressed", TableProperty.EdmBoolean, true)), Where);
            Assert.True(item.Compressed);
            Assert.Equal(doc, item.Data);

            Assert.Equal(new byte[] { 9 }, TableEntityCodec.Decode(Entity("claims", "01", Str("group", "a"), Bin("data", new byte[] { 9 }),
                new TableProperty("compressed", TableProperty.EdmBoolean, false)), Where).Data);

            foreach (PorterTableEntity bad in new[]
            {
                Entity("claims", "01", Str("group", "a"), Bin("data", new byte[] { 1, 2, 3 }), new TableProperty("compressed", TableProperty.EdmBoolean, true)),
                Entity("claims", "01", Str("group", "a"), Bin("data", new byte[] { 1 }), Str("compressed", "true")),
                Entity("claims", "01", Str("group", "a"), Str("data", "a string, not binary")),
                Entity("claims", "01", new TableProperty("group", TableProperty.EdmInt32, 3), Bin("data", new byte[] { 1 })),
            })
            {
                PorterStorageException ex = Assert.Throws<PorterStorageException>(() => TableEntityCodec.Decode(bad, Where));
                Assert.Equal(ErrorIds.TableEntityUndecodable, ex.ErrorId);
                Assert.Contains(Where, ex.Message);
            }
        }

        [Fact]
        public void Inflate_PastTheLimit_IsRefused_NotExpandedWithoutEnd()
        {
            using var packed = new MemoryStream();
            using (var gzip = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(new byte[1024 * 1024], 0, 1024 * 1024);
            }
            Assert.Equal(1024 * 1024, TableEntityCodec.Inflate(packed.ToArray(), Where, 1024 * 1024).Length);
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => TableEntityCodec.Inflate(packed.ToArray(), Where, 1024 * 1024 - 1));
            Assert.Equal(ErrorIds.TableEntityUndecodable, ex.ErrorId);
            Assert.Contains("expands beyond", ex.Message);
        }

        private static byte[] Gzip(byte[] doc)
        {
            using var packed = new MemoryStream();
            using (var gzip = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(doc, 0, doc.Length);
            }
            return packed.ToArray();
        }

        /// <summary>Go's gzip reader refuses a stream cut short or followed by bytes; GZipStream alone does not, so the trailer is checked.</summary>
        [Fact]
        public void Inflate_AStreamCutShortPaddedOrFollowed_IsRefused_NeverATruncatedDocument()
        {
            byte[] doc = Encoding.UTF8.GetBytes("{\"id\":\"gz\",\"payload\":\"" + new string('a', 500) + "\"}");
            byte[] good = Gzip(doc);
            Assert.Equal(doc, TableEntityCodec.Inflate(good, Where));
            foreach (byte[] bad in new[]
            {
                good.Take(good.Length - 20).ToArray(),
                good.Take(good.Length - 8).ToArray(),
                good.Concat(new byte[] { 1, 2, 3 }).ToArray(),
                good.Concat(new byte[16]).ToArray(),
            })
            {
                PorterStorageException ex = Assert.Throws<PorterStorageException>(() => TableEntityCodec.Inflate(bad, Where));
                Assert.Equal(ErrorIds.TableEntityUndecodable, ex.ErrorId);
            }
        }

        [Fact]
        public void EntryProblem_AnEntryMustHoldTheEntityItsNameRecords()
        {
            PorterTableEntity e = TableEntityCodec.Encode("claims", "app", "01A", new byte[] { 1 });
            byte[] json = TableEntityJson.ToJson(e);
            Assert.Null(TableEntityJson.EntryProblem("claims/01A", json));
            Assert.Contains("not the one its name records", TableEntityJson.EntryProblem("claims/01a", json));
            Assert.Contains("not an entity", TableEntityJson.EntryProblem("claims/01A", Encoding.UTF8.GetBytes("{}")));
            Assert.Contains("not an entity", TableEntityJson.EntryProblem("a/b",
                Encoding.UTF8.GetBytes("{\"PartitionKey\":\"a\",\"RowKey\":\"b\",\"properties\":[{\"name\":\"\",\"type\":\"Edm.String\",\"value\":\"x\"}]}")));
            Assert.Contains("not an entity", TableEntityJson.EntryProblem("a/b",
                Encoding.UTF8.GetBytes("{\"PartitionKey\":\"a\",\"RowKey\":\"b\",\"properties\":[{\"name\":\"x@odata.type\",\"type\":\"Edm.String\",\"value\":\"Edm.Int64\"}]}")));
        }

        /// <summary>A table backup whose entry holds another entity than its name records fails Test-PorterBackup, so no restore starts on it.</summary>
        [Fact]
        public void ATableBackupWhoseEntryHoldsAnotherEntity_IsNotValid()
        {
            string path = Path.Combine(Path.GetTempPath(), "porterstorage-tests", Guid.NewGuid().ToString("N") + ".tar.gz");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            try
            {
                foreach ((string name, byte[] content, bool valid) in new[]
                {
                    ("claims/01A", TableEntityJson.ToJson(TableEntityCodec.Encode("claims", "app", "01A", new byte[] { 1 })), true),
                    ("claims/01A", TableEntityJson.ToJson(TableEntityCodec.Encode("claims", "app", "01B", new byte[] { 1 })), false),
                    ("claims/01A", Encoding.UTF8.GetBytes("not json"), false),
                })
                {
                    using (FileStream fs = File.Create(path))
                    using (var archive = ArchiveWriter.Create(fs, ArchiveFormat.TarGzip))
                    {
                        archive.Add("entities/" + name, content, DateTime.UtcNow);
                        archive.Add(new BackupManifest("table", DateTime.UtcNow, "t", false, "test",
                            new[] { new BackupEntry(name, BackupEntryType.File, content.Length,
                                Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content)).ToLowerInvariant(), null, DateTime.UtcNow, null) },
                            Array.Empty<PorterStorage.BackupSkippedItem>()));
                        archive.Finish();
                    }
                    PorterStorage.PorterBackupVerification check = BackupVerifier.Verify(path, null, null, CancellationToken.None);
                    Assert.Equal(valid, check.IsValid);
                    if (!valid)
                    {
                        Assert.Contains(check.Mismatched, m => m.Path == name);
                    }
                }
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void NonFiniteDoubles_AreWrittenAsTheServiceSpellsThem()
        {
            var e = new PorterTableEntity("notes", "n", new[]
            {
                new TableProperty("inf", TableProperty.EdmDouble, double.PositiveInfinity),
                new TableProperty("ninf", TableProperty.EdmDouble, double.NegativeInfinity),
                new TableProperty("nan", TableProperty.EdmDouble, double.NaN),
                new TableProperty("d", TableProperty.EdmDouble, 0.5),
            });
            Azure.Data.Tables.TableEntity sdk = AzureTablePorterStore.ToSdk(e);
            Assert.Equal("Infinity", sdk["inf"]);
            Assert.Equal("-Infinity", sdk["ninf"]);
            Assert.Equal("NaN", sdk["nan"]);
            Assert.Equal("Edm.Double", sdk["inf@odata.type"]);
            Assert.Equal(0.5, sdk["d"]);
            Assert.True(TableEntityCodec.Same(e, TableEntityJson.FromJson(TableEntityJson.ToJson(e))));
        }

        private static string? Moves(TableItem item) => PorterBlobTags.BlobProblem(item.ItemType, item.Name, item.Group);

        [Theory]
        [InlineData("claims", "", "app")]
        [InlineData("claims", ".", "app")]
        [InlineData("claims", "..", "app")]
        [InlineData("claims", "a.", "app")]
        [InlineData("claims", "a/", "app")]
        [InlineData("claims", "a\\b", "app")]
        [InlineData("claims", "01A", "o'neil")]
        [InlineData("claims", "01A", "grüße")]
        [InlineData("results", "01A", "@x")]
        public void MoveProblem_WhatNoBlobNameOrTagHolds(string type, string name, string group)
        {
            TableItem item = TableEntityCodec.Decode(TableEntityCodec.Encode(type, group, name, new byte[] { 1 }), Where);
            Assert.NotNull(Moves(item));
        }

        [Theory]
        [InlineData("claims", "01EZ", "my-app_1.2:x=y/z w+")]
        [InlineData("outputs", "01EZ-config.json", "01EZ")]
        [InlineData("credentials", "team.prod", "")]
        public void MoveProblem_WhatPorterWrites_Moves(string type, string name, string group)
        {
            TableItem item = TableEntityCodec.Decode(TableEntityCodec.Encode(type, group, name, new byte[] { 1 }), Where);
            Assert.Null(Moves(item));
            Assert.NotNull(Moves(TableEntityCodec.Decode(TableEntityCodec.Encode("claims", new string('g', 257), "01A", new byte[] { 1 }), Where)));
        }

        private static readonly Gen<TableProperty> Property = Gen.OneOf(
            Gen.String.Select(v => new TableProperty("s", TableProperty.EdmString, v)),
            Gen.Byte.Array[0, 300].Select(v => new TableProperty("b", TableProperty.EdmBinary, v)),
            Gen.Bool.Select(v => new TableProperty("f", TableProperty.EdmBoolean, v)),
            Gen.Long[DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks].Select(t => new TableProperty("t", TableProperty.EdmDateTime, new DateTimeOffset(t, TimeSpan.Zero))),
            Gen.Double.Select(v => new TableProperty("d", TableProperty.EdmDouble, v)),
            Gen.Guid.Select(v => new TableProperty("g", TableProperty.EdmGuid, v)),
            Gen.Int.Select(v => new TableProperty("i", TableProperty.EdmInt32, v)),
            Gen.Long.Select(v => new TableProperty("l", TableProperty.EdmInt64, v)));

        private static readonly Gen<PorterTableEntity> Entities =
            Gen.Select(Gen.String, Gen.String, Property.Array[0, 8], (pk, rk, ps) =>
                new PorterTableEntity(pk, rk, ps.Select((p, i) => new TableProperty(p.Name + i, p.EdmType, p.Value))));

        [Fact]
        public void Json_RoundTripsEveryPropertyAndType_Exactly()
        {
            Entities.Sample(e =>
            {
                PorterTableEntity back = TableEntityJson.FromJson(TableEntityJson.ToJson(e));
                Assert.True(TableEntityCodec.Same(e, back), $"{e.Key}: {string.Join(", ", e.Properties)}");
                Assert.Equal(e.Key, back.Key);
            });
        }

        [Fact]
        public void Json_Malformed_IsInvalidData_NeverAnotherException()
        {
            foreach (string bad in new[]
            {
                "", "[]", "{\"PartitionKey\":\"a\"}", "{\"PartitionKey\":\"a\",\"RowKey\":\"b\"}",
                "{\"PartitionKey\":\"a\",\"RowKey\":\"b\",\"properties\":[{\"name\":\"x\",\"type\":\"Edm.Int32\",\"value\":\"1.5\"}]}",
                "{\"PartitionKey\":\"a\",\"RowKey\":\"b\",\"properties\":[{\"name\":\"x\",\"type\":\"Edm.Binary\",\"value\":\"%%\"}]}",
                "{\"PartitionKey\":\"a\",\"RowKey\":\"b\",\"properties\":[{\"name\":\"x\",\"type\":\"Edm.Thing\",\"value\":\"1\"}]}",
                "{\"PartitionKey\":\"a\",\"RowKey\":\"b\",\"properties\":[{\"name\":\"x\",\"type\":\"Edm.String\",\"value\":\"1\"},{\"name\":\"x\",\"type\":\"Edm.String\",\"value\":\"2\"}]}",
                "{\"PartitionKey\":\"a\",\"RowKey\":\"b\",\"properties\":[{\"name\":\"RowKey\",\"type\":\"Edm.String\",\"value\":\"1\"}]}",
            })
            {
                Assert.Throws<InvalidDataException>(() => TableEntityJson.FromJson(Encoding.UTF8.GetBytes(bad)));
            }
            Gen.Byte.Array[0, 200].Sample(bytes =>
            {
                try
                {
                    TableEntityJson.FromJson(bytes);
                }
                catch (InvalidDataException)
                {
                }
            });
        }

        [Fact]
        public void EscapeKey_IsOneToOne_AndNeverAPathTrick()
        {
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string key in new[] { "", ".", "..", "...", "a.b", "%", "%25", "a/b", "a\\b", "ü", "schema", " ", "CON" })
            {
                string escaped = PorterTableEntity.EscapeKey(key);
                Assert.DoesNotContain('/', escaped);
                Assert.DoesNotContain('\\', escaped);
                Assert.NotEqual(".", escaped);
                Assert.NotEqual("..", escaped);
                Assert.NotEqual("", escaped);
                Assert.False(seen.TryGetValue(escaped, out string? other), $"'{key}' and '{other}' escape alike");
                seen[escaped] = key;
            }
            Gen.Select(Gen.String, Gen.String).Sample((a, b) => a == b || PorterTableEntity.EscapeKey(a) != PorterTableEntity.EscapeKey(b));
        }

        /// <summary>
        /// Paging as the service does it: a page ends with x-ms-continuation-NextPartitionKey/NextRowKey, the next request carries
        /// them, the last page has none. Every entity of every page is read, binary data decoded from its Edm.Binary annotation.
        /// </summary>
        [Fact]
        public void ReadAll_FollowsEveryContinuation_AndDecodesBinaryThroughTheSdk()
        {
            var transport = new PagedTransport(pages: 3, perPage: 2);
            var options = new TableClientOptions { Transport = transport };
            options.Retry.MaxRetries = 0;
            var table = new TableServiceClient(new Uri("https://acct.table.core.windows.net"), new TableSharedKeyCredential("acct", Convert.ToBase64String(new byte[32])), options)
                .GetTableClient("porter");
            List<PorterTableEntity> all = AzureTablePorterStore.ReadAll(table, "https://acct.table.core.windows.net/porter", CancellationToken.None);
            Assert.Equal(6, all.Count);
            Assert.Equal(3, transport.Requests.Count);
            Assert.DoesNotContain("NextPartitionKey", transport.Requests[0]);
            Assert.Contains("NextPartitionKey=1", transport.Requests[1]);
            Assert.Contains("NextRowKey=r1", transport.Requests[1]);
            Assert.Contains("NextPartitionKey=2", transport.Requests[2]);
            foreach (PorterTableEntity e in all)
            {
                TableItem item = TableEntityCodec.Decode(e, e.Key);
                Assert.Equal("claims", item.ItemType);
                Assert.Equal(e.RowKey == "r0-0" ? "" : "app", item.Group ?? "");
                Assert.Equal(Encoding.UTF8.GetBytes("doc " + e.RowKey), item.Data);
                Assert.Equal(TableProperty.EdmBinary, e.Property("data")!.EdmType);
            }
        }

        private sealed class PagedTransport : HttpPipelineTransport
        {
            private readonly int _pages;
            private readonly int _perPage;

            public PagedTransport(int pages, int perPage)
            {
                _pages = pages;
                _perPage = perPage;
            }

            public List<string> Requests { get; } = new List<string>();

            public override Request CreateRequest() => new FakeRequest();

            public override void Process(HttpMessage message)
            {
                string uri = message.Request.Uri.ToUri().Query;
                Requests.Add(uri);
                int page = 0;
                string marker = "NextPartitionKey=";
                int at = uri.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    page = int.Parse(uri.Substring(at + marker.Length).Split('&')[0]);
                }
                var json = new StringBuilder("{\"odata.metadata\":\"x\",\"value\":[");
                for (int i = 0; i < _perPage; i++)
                {
                    string rk = $"r{page}-{i}";
                    string group = page == 0 && i == 0 ? "" : "app";
                    json.Append(i > 0 ? "," : "").Append($"{{\"odata.etag\":\"W/\\\"x\\\"\",\"PartitionKey\":\"claims\",\"RowKey\":\"{rk}\",\"Timestamp\":\"2020-11-18T15:36:51.5057167Z\",\"group\":\"{group}\",")
                        .Append($"\"data@odata.type\":\"Edm.Binary\",\"data\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes("doc " + rk))}\"}}");
                }
                json.Append("]}");
                var headers = new Dictionary<string, string> { ["Content-Type"] = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8" };
                if (page + 1 < _pages)
                {
                    headers["x-ms-continuation-NextPartitionKey"] = (page + 1).ToString();
                    headers["x-ms-continuation-NextRowKey"] = "r" + (page + 1);
                }
                message.Response = new FakeResponse(200, Encoding.UTF8.GetBytes(json.ToString()), headers);
            }

            public override ValueTask ProcessAsync(HttpMessage message)
            {
                Process(message);
                return default;
            }
        }
    }
}
