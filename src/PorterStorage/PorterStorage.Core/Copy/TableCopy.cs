using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.Copy
{
    /// <summary>
    /// Copies the azure.table plugin's table: to another table, entity by entity as stored; or to a blob container in exactly the
    /// layout and index tags the azure.blob plugin (v0.9+) reads and queries (format A§1.2), the way off the dropped table plugin.
    /// The table is only read. Both are rerun-safe: what the destination already holds exactly is skipped, and data there that
    /// differs is refused without <c>force</c>. Both are verified at the end: the destination read back, and for a container
    /// Porter's own tag queries.
    /// </summary>
    public static class TableCopy
    {
        /// <summary>
        /// Every entity of <paramref name="source"/> into the table <paramref name="destination"/> (created when missing). Raises
        /// <c>TableNotFound</c>, <c>TableNotEmpty</c> (entities there that the source does not hold as they are, without
        /// <paramref name="force"/>), the Azure errors. Entities the destination does not hold exactly afterwards are the result's mismatches.
        /// </summary>
        public static PorterContainerCopyResult ToTable(PorterAzureTable source, PorterAzureTable destination, bool force, Action<CopyEvent>? onEvent,
            CancellationToken cancel)
        {
            RequestCount before = ContainerCopy.Requests(source, destination);
            var clock = Stopwatch.StartNew();
            string from = source.TableUri!.ToString(), to = destination.TableUri!.ToString();
            if (from == to)
            {
                throw new PorterStorageException(ErrorIds.AzureStoreKindMismatch, PorterErrorKind.InvalidArgument, to, $"The source and the destination are the same table '{to}'.");
            }
            List<PorterTableEntity> entities = AzureTablePorterStore.ReadAll(source.CreateTableClient(), from, cancel);
            global::Azure.Data.Tables.TableClient target = destination.CreateTableClient();
            TableWriter.EnsureTable(target, to, cancel);
            Dictionary<string, PorterTableEntity> existing = AzureTablePorterStore.ReadAll(target, to, cancel).ToDictionary(e => e.Key, StringComparer.Ordinal);
            var sourceKeys = new HashSet<string>(entities.Select(e => e.Key), StringComparer.Ordinal);
            string? foreign = existing.Keys.FirstOrDefault(k => !sourceKeys.Contains(k))
                              ?? entities.Where(e => existing.TryGetValue(e.Key, out PorterTableEntity? d) && !TableEntityCodec.Same(e, d)).Select(e => e.Key).FirstOrDefault();
            if (foreign != null && !force)
            {
                throw new PorterStorageException(ErrorIds.TableNotEmpty, PorterErrorKind.ResourceExists, to,
                    $"The destination '{to}' holds entities that differ from the source (e.g. '{foreign}'); use -Force to copy over them.");
            }
            List<PorterTableEntity> todo = entities.Where(e => !(existing.TryGetValue(e.Key, out PorterTableEntity? d) && TableEntityCodec.Same(e, d))).ToList();
            long bytes = 0;
            int copied = 0;
            TableWriter.Upsert(target, to, todo, batch =>
            {
                foreach (PorterTableEntity e in batch)
                {
                    long size = TableEntityJson.ToJson(e).Length;
                    bytes += size;
                    copied++;
                    onEvent?.Invoke(new CopyEvent(e.Key, true, size, null) { ToCopy = todo.Count });
                }
            }, cancel);
            List<string> mismatches = TableWriter.Differences(entities, AzureTablePorterStore.ReadAll(target, to, cancel));
            var result = new PorterContainerCopyResult(source.TableUri, destination.TableUri!, entities.Count, copied, entities.Count - todo.Count, 0, bytes, 0,
                mismatches, new IndexCheck(Array.Empty<IndexMiss>(), TimeSpan.Zero, 0), clock.Elapsed);
            result.Record(ContainerCopy.Requests(source, destination).Since(before));
            return result;
        }

        /// <summary>One Porter item of the table as the azure.blob plugin keeps it: the blob, its content and its index tags.</summary>
        internal sealed class PlannedBlob
        {
            internal PlannedBlob(string name, byte[] content, IReadOnlyDictionary<string, string> tags, string itemType, string? group)
            {
                Name = name;
                Content = content;
                Tags = tags;
                ItemType = itemType;
                Group = group;
                Md5 = MD5Of(content);
            }

            internal string Name { get; }

            internal byte[] Content { get; }

            internal IReadOnlyDictionary<string, string> Tags { get; }

            internal string ItemType { get; }

            internal string? Group { get; }

            internal byte[] Md5 { get; }
        }

        private static byte[] MD5Of(byte[] content)
        {
            using MD5 md5 = MD5.Create();
            return md5.ComputeHash(content);
        }

        /// <summary>
        /// The blobs the azure.blob plugin would hold for the table's items: <c>&lt;type&gt;/&lt;name&gt;</c> (the schema as <c>schema</c>),
        /// the decoded (decompressed) document, <c>type</c> and the group tag. Entities of partitions Porter never writes are
        /// <paramref name="leftOut"/>. Raises <c>TableEntityUndecodable</c> and <c>TableEntityTooLarge</c> for the first entity that is
        /// not a readable item: nothing is moved while one would be lost.
        /// </summary>
        internal static List<PlannedBlob> Plan(IReadOnlyList<PorterTableEntity> entities, string tableLocation, out List<string> leftOut)
        {
            var planned = new List<PlannedBlob>();
            leftOut = new List<string>();
            foreach (PorterTableEntity e in entities)
            {
                if (!TableEntityCodec.IsPorterPartition(e.PartitionKey) || (e.PartitionKey == TableEntityCodec.SchemaPartition && e.RowKey != TableEntityCodec.SchemaRow))
                {
                    leftOut.Add(e.Key);
                    continue;
                }
                string location = AzureTablePorterStore.EntityLocation(tableLocation, e);
                TableItem item = TableEntityCodec.Decode(e, location);
                string? problem = PorterBlobTags.BlobProblem(item.ItemType, item.Name, item.Group);
                if (problem != null)
                {
                    throw new PorterStorageException(ErrorIds.TableEntityNotMovable, PorterErrorKind.InvalidData, location,
                        $"The entity '{location}' cannot be kept by the azure.blob plugin: {problem}. Nothing was moved; rename or remove it in the table (after a backup) and move again.");
                }
                string name = item.ItemType.Length == 0 ? item.Name : item.ItemType + "/" + item.Name;
                planned.Add(new PlannedBlob(name, item.Data, PorterBlobTags.For(item.ItemType, item.Group), item.ItemType, item.Group));
            }
            return planned;
        }

        /// <summary>
        /// Every Porter item of the table <paramref name="source"/> written into the container <paramref name="destination"/> (created
        /// when missing) as the azure.blob plugin writes it, with its tags in the same request, then verified: every blob listed
        /// with its length, MD5 and tags, read back byte for byte, and found by the plugin's own tag queries (each type's, paged, and a
        /// sample of its group queries: <see cref="PorterQueries"/>) within <paramref name="indexTimeout"/>. The table is only read. Raises <c>ContainerNotEmpty</c> (blobs
        /// there that are not the table's items as they are, without <paramref name="force"/>), <c>TableEntityUndecodable</c>,
        /// <c>TableEntityTooLarge</c>, the Azure errors.
        /// </summary>
        public static PorterContainerCopyResult ToContainer(PorterAzureTable source, PorterAzureContainer destination, int concurrency, bool force, TimeSpan indexTimeout,
            Action<CopyEvent>? onEvent, CancellationToken cancel)
        {
            RequestCount before = ContainerCopy.Requests(source, destination);
            var clock = Stopwatch.StartNew();
            string from = source.TableUri!.ToString(), to = destination.ContainerUri.ToString();
            List<PorterTableEntity> entities = AzureTablePorterStore.ReadAll(source.CreateTableClient(), from, cancel);
            List<PlannedBlob> planned = Plan(entities, from, out List<string> leftOut);

            BlobContainerClient container = destination.CreateContainerClient();
            AccountCheck.RequireBlobIndex(container, to, "Moving the table into a container", cancel);
            ContainerChecks.EnsureExists(container, to, cancel);
            Dictionary<string, BlobItem> existing = List(container, to, cancel);
            var plannedByName = planned.ToDictionary(p => p.Name, StringComparer.Ordinal);
            string? foreign = existing.Keys.FirstOrDefault(n => !plannedByName.ContainsKey(n) && !n.StartsWith(BlobIndexProbe.ProbePrefix, StringComparison.Ordinal))
                              ?? planned.Where(p => existing.TryGetValue(p.Name, out BlobItem? b) && !Same(p, b)).Select(p => p.Name).FirstOrDefault();
            if (foreign != null && !force)
            {
                throw new PorterStorageException(ErrorIds.ContainerNotEmpty, PorterErrorKind.ResourceExists, to,
                    $"The container '{to}' holds blobs that are not the table's items as they are (e.g. '{foreign}'); use -Force to write over them.");
            }
            List<PlannedBlob> todo = planned.Where(p => !(existing.TryGetValue(p.Name, out BlobItem? b) && Same(p, b))).ToList();

            async Task<CopyEvent> Write(PlannedBlob blob, CancellationToken stop)
            {
                try
                {
                    await container.GetBlobClient(blob.Name).UploadAsync(BinaryData.FromBytes(blob.Content), new BlobUploadOptions
                    {
                        Tags = blob.Tags.Count > 0 ? blob.Tags.ToDictionary(kv => kv.Key, kv => kv.Value) : null,
                        HttpHeaders = new BlobHttpHeaders { ContentHash = blob.Md5 },
                    }, stop).ConfigureAwait(false);
                    return new CopyEvent(blob.Name, true, blob.Content.Length, null);
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    PorterStorageException named = AzureErrors.Translate(ex, blob.Name, "Writing the moved blob");
                    return new CopyEvent(blob.Name, false, 0, new PorterStorageException(ErrorIds.BlobCopyFailed, named.Kind, blob.Name, named.Message, ex));
                }
            }

            int copied = 0, failed = 0;
            long bytes = 0;
            foreach (CopyEvent e in BoundedWork.Run<PlannedBlob, CopyEvent>(todo, concurrency, Write, cancel))
            {
                if (e.Copied)
                {
                    copied++;
                    bytes += e.Bytes;
                }
                else
                {
                    failed++;
                }
                e.ToCopy = todo.Count;
                onEvent?.Invoke(e);
            }

            List<string> mismatches = Verify(planned, container, to, concurrency, cancel);
            mismatches.AddRange(planned.Where(Unqueryable).Select(p =>
                $"{p.Name}: a tag value holds a quote, which Porter's unescaped tag query cannot name; Porter will not list it"));
            IndexCheck index = mismatches.Count == 0 && failed == 0
                ? WaitForPorterQueries(destination, planned, indexTimeout, cancel)
                : new IndexCheck(Array.Empty<IndexMiss>(), TimeSpan.Zero, 0);
            var result = new PorterContainerCopyResult(source.TableUri, destination.ContainerUri, planned.Count, copied, planned.Count - todo.Count, failed, bytes,
                planned.Count(p => p.Tags.Count > 0), mismatches, index, clock.Elapsed)
            {
                LeftOut = leftOut,
                ConfigChange = TableConfigChange.Describe(source, destination),
            };
            result.Record(ContainerCopy.Requests(source, destination).Since(before));
            return result;
        }

        /// <summary>
        /// After <see cref="ToContainer"/>: switches the config that named the table to the azure.blob plugin
        /// (<see cref="TableConfigChange.Apply"/>), only when the move is verified (else <c>ConfigNotUpdated</c>), and records it in the
        /// result. Returns where the old config text was kept.
        /// </summary>
        public static string UpdateConfig(PorterContainerCopyResult moved, PorterAzureTable source, PorterAzureContainer destination, DateTime localNow)
        {
            if (!moved.Verified)
            {
                throw new PorterStorageException(ErrorIds.ConfigNotUpdated, PorterErrorKind.InvalidOperation, destination.ContainerUri.ToString(),
                    "The Porter config was not changed: the move is not verified yet (see the errors and warnings above); run it again.");
            }
            string kept = TableConfigChange.Apply(source, destination, localNow);
            moved.ConfigUpdated = source.ConfigFileName;
            return kept;
        }

        private static Dictionary<string, BlobItem> List(BlobContainerClient container, string location, CancellationToken cancel)
        {
            try
            {
                return container.GetBlobs(BlobTraits.Tags, BlobStates.None, null, cancel).ToDictionary(b => b.Name, StringComparer.Ordinal);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, location, "Listing the destination");
            }
        }

        /// <summary>A listed blob is the planned one: same length, MD5 and tags (exactly Porter's, nothing more).</summary>
        private static bool Same(PlannedBlob planned, BlobItem blob) =>
            blob.Properties.ContentLength == planned.Content.Length
            && blob.Properties.ContentHash != null && blob.Properties.ContentHash.AsSpan().SequenceEqual(planned.Md5)
            && SameTags(planned.Tags, blob.Tags);

        private static bool SameTags(IReadOnlyDictionary<string, string> expected, IDictionary<string, string>? actual) =>
            (actual?.Count ?? 0) == expected.Count && expected.All(kv => actual != null && actual.TryGetValue(kv.Key, out string? v) && v == kv.Value);

        /// <summary>Every planned blob listed with its length, MD5 and tags, and read back byte for byte; each that is not, as "name: why".</summary>
        private static List<string> Verify(List<PlannedBlob> planned, BlobContainerClient container, string location, int concurrency, CancellationToken cancel)
        {
            Dictionary<string, BlobItem> listed = List(container, location, cancel);
            var mismatches = new System.Collections.Concurrent.ConcurrentBag<string>();
            var present = new List<PlannedBlob>();
            foreach (PlannedBlob p in planned)
            {
                if (!listed.TryGetValue(p.Name, out BlobItem? b))
                {
                    mismatches.Add($"{p.Name}: missing");
                }
                else if (!Same(p, b))
                {
                    mismatches.Add($"{p.Name}: its length, MD5 or tags differ from the table's item");
                }
                else
                {
                    present.Add(p);
                }
            }
            BoundedWork.ForEach(present, concurrency, p =>
            {
                try
                {
                    byte[] read = container.GetBlobClient(p.Name).DownloadContent(cancel).Value.Content.ToArray();
                    if (!read.AsSpan().SequenceEqual(p.Content))
                    {
                        mismatches.Add($"{p.Name}: its content differs from the table's item");
                    }
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    mismatches.Add($"{p.Name}: {AzureErrors.Translate(ex, p.Name, "Reading the blob").Message}");
                }
                return true;
            }, cancel);
            return mismatches.OrderBy(m => m, StringComparer.Ordinal).ToList();
        }


        /// <summary>A blob whose tag value holds a quote: the plugin's query (values not escaped) cannot be sent for it.</summary>
        private static bool Unqueryable(PlannedBlob p) => p.Tags.Values.Any(v => v.IndexOf('\'') >= 0);

        /// <summary>How many groups of each grouped type the verification asks Porter's group query for (the first, the middle and the last).</summary>
        internal const int SampledGroupsPerType = 3;

        /// <summary>
        /// The queries that verify a move and the blobs each must return, bounded whatever the store's size: Porter's query for each
        /// type (<c>"type"='claims'</c>: every blob of the type, paged), and, for a sample of <see cref="SampledGroupsPerType"/> groups of
        /// each grouped type, Porter's query for the type with its group. The listing already shows every blob's tags exactly; what
        /// the index must show is that each blob is found (its type's query) and that the account answers Porter's group queries
        /// (the sample). So a store of 100,000 groups is verified by its type queries' pages and nine group queries, not 100,000.
        /// A blob whose tag value holds a quote is left out: Porter's unescaped query cannot name it (a mismatch of its own).
        /// </summary>
        internal static SortedDictionary<string, HashSet<string>> PorterQueries(IEnumerable<PlannedBlob> planned)
        {
            var pending = new SortedDictionary<string, HashSet<string>>(StringComparer.Ordinal);
            void Expect(string condition, string blob)
            {
                if (!pending.TryGetValue(condition, out HashSet<string>? names))
                {
                    pending[condition] = names = new HashSet<string>(StringComparer.Ordinal);
                }
                names.Add(blob);
            }
            var groups = new Dictionary<string, SortedDictionary<string, List<PlannedBlob>>>(StringComparer.Ordinal);
            foreach (PlannedBlob p in planned)
            {
                if (Unqueryable(p) || !p.Tags.TryGetValue(PorterBlobTags.Type, out string? type))
                {
                    continue;
                }
                Expect(PorterBlobTags.TypeCondition(type), p.Name);
                if (p.Tags.Count > 1 && p.Group != null)
                {
                    if (!groups.TryGetValue(type, out SortedDictionary<string, List<PlannedBlob>>? ofType))
                    {
                        groups[type] = ofType = new SortedDictionary<string, List<PlannedBlob>>(StringComparer.Ordinal);
                    }
                    if (!ofType.TryGetValue(p.Group, out List<PlannedBlob>? members))
                    {
                        ofType[p.Group] = members = new List<PlannedBlob>();
                    }
                    members.Add(p);
                }
            }
            foreach (SortedDictionary<string, List<PlannedBlob>> ofType in groups.Values)
            {
                List<List<PlannedBlob>> all = ofType.Values.ToList();
                foreach (int at in Sample(all.Count, SampledGroupsPerType))
                {
                    foreach (PlannedBlob p in all[at])
                    {
                        Expect(GroupCondition(p.Tags), p.Name);
                    }
                }
            }
            return pending;
        }

        /// <summary>Up to <paramref name="wanted"/> positions of <paramref name="count"/>, spread evenly: the first, the last and between.</summary>
        internal static IEnumerable<int> Sample(int count, int wanted)
        {
            if (count <= wanted)
            {
                return Enumerable.Range(0, count);
            }
            return Enumerable.Range(0, wanted).Select(i => wanted == 1 ? 0 : (int)((long)i * (count - 1) / (wanted - 1))).Distinct();
        }

        /// <summary>Porter's List condition for a blob's type with its group (format A§1.3): every tag, keys in sorted order, values unescaped.</summary>
        private static string GroupCondition(IReadOnlyDictionary<string, string> tags) =>
            string.Join(" AND ", tags.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"\"{kv.Key}\"='{kv.Value}'"));

        private static IndexCheck WaitForPorterQueries(PorterAzureContainer storage, List<PlannedBlob> planned, TimeSpan timeout, CancellationToken cancel)
        {
            var types = planned.ToDictionary(p => p.Name, p => p.ItemType, StringComparer.Ordinal);
            return BlobIndexProbe.WaitForQueries(storage, PorterQueries(planned), types, Array.Empty<IndexMiss>(), timeout, cancel);
        }
    }
}
