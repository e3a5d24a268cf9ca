using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Data.Tables;

namespace PorterStorage.Core.AzureTable
{
    /// <summary>
    /// Writes entities into a table as they are (every property and type, replacing an entity of the same keys) and checks them back.
    /// Entities of one partition go in transactions of up to 100 entities and 2 MB of payload (Cosmos DB for Table's limits, inside
    /// Azure Table Storage's 4 MiB), as many at once as <see cref="AzureConcurrency.Default"/>, fewer while the service throttles
    /// (<see cref="TableWindow"/>), so a table of thousands of entities costs tens of requests. A transaction answered 429 or 503 once the
    /// client's own retries are spent is sent again after the wait the service asked for, for up to <see cref="ThrottleBudget"/>. A
    /// transaction that fails otherwise does not stop the others: every one is sent and settled, and the write then raises
    /// <c>TableWriteIncomplete</c> saying how many entities were written and naming those that were not. Each unconditional write
    /// is an upsert, so a rerun finishes the work.
    /// </summary>
    internal static class TableWriter
    {
        internal const int MaxBatchEntities = 100;

        /// <summary>Cosmos DB for Table's 2 MB per transaction, less the transaction's own envelope.</summary>
        internal const int MaxBatchBytes = 2_000_000 - 8 * 1024;

        /// <summary>How long one transaction is sent again to a throttling service before it counts as not written.</summary>
        internal static readonly TimeSpan ThrottleBudget = TimeSpan.FromMinutes(5);

        /// <summary>Creates the table unless it exists; raises the Azure errors naming <paramref name="location"/>.</summary>
        internal static void EnsureTable(TableClient table, string location, CancellationToken cancel)
        {
            try
            {
                table.CreateIfNotExists(cancel);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, location, "Creating the table");
            }
        }

        /// <summary>
        /// Upserts (replace) every entity; <paramref name="written"/> is told of each batch that landed. Raises the first failure as a
        /// named error naming an entity of the failing batch; batches already sent stay written (a rerun writes them again, harmlessly).
        /// </summary>
        internal static void Upsert(TableClient table, string location, IReadOnlyList<PorterTableEntity> entities, Action<IReadOnlyList<PorterTableEntity>>? written,
            CancellationToken cancel) => Send(table, location, entities, _ => (TableTransactionActionType.UpsertReplace, ETag.All), false, "Writing the entities", written, cancel);

        /// <summary>
        /// Writes every entity only over what was read: one whose key <paramref name="read"/> holds replaces it only while it has the ETag
        /// read (If-Match), any other is only added. An entity another process wrote, added or removed meanwhile is left as it is, and
        /// the write raises <c>StoreChangedDuringRestore</c> naming it.
        /// </summary>
        internal static void WriteOverRead(TableClient table, string location, IReadOnlyList<PorterTableEntity> entities, IReadOnlyDictionary<string, PorterTableEntity> read,
            Action<IReadOnlyList<PorterTableEntity>>? written, CancellationToken cancel) =>
            Send(table, location, entities, e => read.TryGetValue(e.Key, out PorterTableEntity? was) && was.ETag != null
                ? (TableTransactionActionType.UpdateReplace, new ETag(was.ETag))
                : (TableTransactionActionType.Add, default(ETag)), true, "Writing the entities", written, cancel);

        /// <summary>Deletes entities read from the table only while each has the ETag read; one another process changed is left (<c>StoreChangedDuringRestore</c>).</summary>
        internal static void DeleteRead(TableClient table, string location, IReadOnlyList<PorterTableEntity> entities, Action<IReadOnlyList<PorterTableEntity>>? deleted,
            CancellationToken cancel) =>
            Send(table, location, entities, e => (TableTransactionActionType.Delete, e.ETag != null ? new ETag(e.ETag) : ETag.All), true, "Removing the entities", deleted, cancel);

        /// <summary>
        /// Deletes every entity (of any ETag); one already gone counts as deleted, so a rerun, or a transaction the service
        /// committed before its answer was lost, is harmless. Raises the first failure as <see cref="Upsert"/> does.
        /// </summary>
        internal static void Delete(TableClient table, string location, IReadOnlyList<PorterTableEntity> entities, Action<IReadOnlyList<PorterTableEntity>>? deleted,
            CancellationToken cancel) => Send(table, location, entities, _ => (TableTransactionActionType.Delete, ETag.All), false, "Removing the entities", deleted, cancel);

        /// <summary>
        /// The transactions that write <paramref name="entities"/>: one partition each (the service's rule), at most
        /// <see cref="MaxBatchEntities"/> entities and <see cref="MaxBatchBytes"/> of payload by <see cref="EstimatedBytes"/>, in the
        /// order given. An entity larger than a transaction on its own goes alone.
        /// </summary>
        internal static List<List<PorterTableEntity>> Batches(IReadOnlyList<PorterTableEntity> entities)
        {
            var batches = new List<List<PorterTableEntity>>();
            foreach (IGrouping<string, PorterTableEntity> partition in entities.GroupBy(e => e.PartitionKey, StringComparer.Ordinal))
            {
                var batch = new List<PorterTableEntity>();
                long bytes = 0;
                foreach (PorterTableEntity e in partition)
                {
                    long size = EstimatedBytes(e);
                    if (batch.Count > 0 && (batch.Count >= MaxBatchEntities || bytes + size > MaxBatchBytes))
                    {
                        batches.Add(batch);
                        batch = new List<PorterTableEntity>();
                        bytes = 0;
                    }
                    batch.Add(e);
                    bytes += size;
                }
                if (batch.Count > 0)
                {
                    batches.Add(batch);
                }
            }
            return batches;
        }

        private static void Send(TableClient table, string location, IReadOnlyList<PorterTableEntity> entities, Func<PorterTableEntity, (TableTransactionActionType Kind, ETag ETag)> how,
            bool conditional, string operation, Action<IReadOnlyList<PorterTableEntity>>? done, CancellationToken cancel)
        {
            TableTransactionActionType kind = entities.Count > 0 ? how(entities[0]).Kind : TableTransactionActionType.UpsertReplace;
            List<List<PorterTableEntity>> batches = Batches(entities);
            var window = new TableWindow(AzureConcurrency.Default);
            PorterStorageException? conflict = null;
            var failures = new List<(List<PorterTableEntity> Batch, PorterStorageException Error)>();
            var notSent = new List<PorterTableEntity>();
            int written = 0;
            var inFlight = new Queue<(List<PorterTableEntity> Batch, Task<int> Send)>();
            PorterTableEntity Named(List<PorterTableEntity> batch, Exception ex) =>
                ex is TableTransactionFailedException t && t.FailedTransactionActionIndex is int at && at >= 0 && at < batch.Count ? batch[at] : batch[0];
            void Complete((List<PorterTableEntity> Batch, Task<int> Send) sent)
            {
                try
                {
                    try
                    {
                        window.OnThrottled(sent.Send.GetAwaiter().GetResult());
                    }
                    catch (RequestFailedException ex) when (kind == TableTransactionActionType.Delete && ex.Status == 404)
                    {
                        // A transaction fails whole when one entity is gone already: the rest go one by one (a missing one is no error).
                        foreach (PorterTableEntity e in sent.Batch)
                        {
                            try
                            {
                                table.DeleteEntity(e.PartitionKey, e.RowKey, how(e).ETag, cancel);
                            }
                            catch (RequestFailedException gone) when (gone.Status == 404)
                            {
                            }
                        }
                    }
                }
                catch (RequestFailedException ex) when (conditional && (ex.Status == 412 || ex.Status == 409 || ex.Status == 404))
                {
                    string entity = AzureTablePorterStore.EntityLocation(location, Named(sent.Batch, ex));
                    conflict ??= new PorterStorageException(ErrorIds.StoreChangedDuringRestore, PorterErrorKind.ResourceBusy, entity,
                        $"The entity '{entity}' was written, added or removed by another process after the restore read the table (HTTP {ex.Status}); it was left as that process made it " +
                        "and the restore stopped. Keep Porter and other writers off the table, and restore again: the table as it is then is saved first like the rest.", ex);
                    failures.Add((sent.Batch, conflict));
                    return;
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    failures.Add((sent.Batch, AzureErrors.Translate(ex, AzureTablePorterStore.EntityLocation(location, Named(sent.Batch, ex)), operation)));
                    return;
                }
                window.OnLanded();
                written += sent.Batch.Count;
                done?.Invoke(sent.Batch);
            }
            try
            {
                foreach (List<PorterTableEntity> batch in batches)
                {
                    cancel.ThrowIfCancellationRequested();
                    if (conflict != null)
                    {
                        // Another writer is on the table: nothing more is written over what was read.
                        notSent.AddRange(batch);
                        continue;
                    }
                    inFlight.Enqueue((batch, SendThrottled(table, batch, how, cancel)));
                    while (inFlight.Count >= window.Limit)
                    {
                        Complete(inFlight.Dequeue());
                    }
                }
            }
            finally
            {
                // Nothing outlives the write: what is in flight ends (or is cancelled) before it returns or raises.
                ConcurrentSteps.Settle(inFlight, Complete);
            }
            cancel.ThrowIfCancellationRequested();
            if (failures.Count == 0)
            {
                return;
            }
            List<string> missed = failures.SelectMany(f => f.Batch).Concat(notSent).Select(e => e.Key).ToList();
            if (conflict != null)
            {
                throw new PorterStorageException(conflict.ErrorId, conflict.Kind, conflict.Target,
                    conflict.Message + " " + TableWriteIncompleteException.Report(written, entities.Count, missed) + ".", conflict.InnerException);
            }
            throw new TableWriteIncompleteException(operation, location, written, entities.Count, missed, failures[0].Error);
        }

        /// <summary>
        /// Sends one transaction (or a lone entity); answered 429 or 503 once the client's retries are spent, it is sent again after the
        /// wait the service asked for (else 1 s doubling to 30 s) while less than <see cref="ThrottleBudget"/> has passed since it was first sent. Returns how often it was.
        /// </summary>
        private static async Task<int> SendThrottled(TableClient table, List<PorterTableEntity> batch, Func<PorterTableEntity, (TableTransactionActionType Kind, ETag ETag)> how,
            CancellationToken cancel)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            TimeSpan pause = TimeSpan.FromSeconds(1);
            for (int throttled = 0; ; throttled++)
            {
                try
                {
                    await (batch.Count > 1
                        ? table.SubmitTransactionAsync(batch.Select(e =>
                        {
                            (TableTransactionActionType k, ETag tag) = how(e);
                            return k == TableTransactionActionType.Delete || k == TableTransactionActionType.UpdateReplace
                                ? new TableTransactionAction(k, AzureTablePorterStore.ToSdk(e), tag)
                                : new TableTransactionAction(k, AzureTablePorterStore.ToSdk(e));
                        }).ToList(), cancel)
                        : One(table, batch[0], how(batch[0]), cancel)).ConfigureAwait(false);
                    return throttled;
                }
                catch (RequestFailedException ex) when (TableThrottling.IsThrottled(ex) && clock.Elapsed < ThrottleBudget)
                {
                    TimeSpan wait = AzureRetry.ServerDelay(ex.GetRawResponse()) ?? pause;
                    pause = TimeSpan.FromSeconds(Math.Min(pause.TotalSeconds * 2, 30));
                    await Task.Delay(wait, cancel).ConfigureAwait(false);
                }
            }
        }

        /// <summary>One entity's write or removal as <paramref name="how"/> says, in one request.</summary>
        private static Task One(TableClient table, PorterTableEntity e, (TableTransactionActionType Kind, ETag ETag) how, CancellationToken cancel)
        {
            switch (how.Kind)
            {
                case TableTransactionActionType.Delete:
                    return table.DeleteEntityAsync(e.PartitionKey, e.RowKey, how.ETag, cancel);
                case TableTransactionActionType.UpdateReplace:
                    return table.UpdateEntityAsync(AzureTablePorterStore.ToSdk(e), how.ETag, TableUpdateMode.Replace, cancel);
                case TableTransactionActionType.Add:
                    return table.AddEntityAsync(AzureTablePorterStore.ToSdk(e), cancel);
                default:
                    return table.UpsertEntityAsync(AzureTablePorterStore.ToSdk(e), TableUpdateMode.Replace, cancel);
            }
        }

        /// <summary>
        /// At least what an entity costs in a transaction's body: its part's headers and request line (the table's name and the keys
        /// URL-encoded, up to 9 bytes a character), its JSON (keys and strings escaped, up to 6 bytes a character; each property's
        /// name twice, with its type annotation; binary as base64).
        /// </summary>
        internal static long EstimatedBytes(PorterTableEntity e) =>
            1024 + (e.PartitionKey.Length + e.RowKey.Length) * 15L
            + e.Properties.Sum(p => p.Name.Length * 12L + 64 + (p.Value is byte[] b ? (b.Length + 2) / 3 * 4L : p.Value is string s ? s.Length * 6L : 64));

        /// <summary>
        /// The entities of <paramref name="expected"/> that the table does not hold exactly (missing, or another property, type or
        /// value), each as "key: why", read back in one pass.
        /// </summary>
        internal static List<string> Differences(IReadOnlyList<PorterTableEntity> expected, IReadOnlyList<PorterTableEntity> actual)
        {
            var byKey = actual.ToDictionary(e => e.Key, StringComparer.Ordinal);
            var differences = new List<string>();
            foreach (PorterTableEntity e in expected)
            {
                if (!byKey.TryGetValue(e.Key, out PorterTableEntity? found))
                {
                    differences.Add($"{e.Key}: missing");
                }
                else if (!TableEntityCodec.Same(e, found))
                {
                    differences.Add($"{e.Key}: its properties differ ({string.Join(", ", found.Properties)} where {string.Join(", ", e.Properties)} was written)");
                }
            }
            return differences;
        }
    }

    /// <summary>
    /// <c>TableWriteIncomplete</c>: a table write sent every transaction, and some were not written. Says how many entities were
    /// written of how many, names those that were not (the first five), and carries the first failure's cause.
    /// </summary>
    public sealed class TableWriteIncompleteException : PorterStorageException
    {
        internal TableWriteIncompleteException(string operation, string location, int written, int total, IReadOnlyList<string> notWritten, PorterStorageException first,
            string rerun = "run the same command again to write the rest")
            : base(ErrorIds.TableWriteIncomplete, first.Kind, first.Target,
                $"{operation} into '{location}' did not finish: {Report(written, total, notWritten)}. The first failure: {first.Message} What was written is complete; {rerun}.", first)
        {
            Written = written;
            Total = total;
            NotWritten = notWritten;
            FirstFailure = first;
        }

        public int Written { get; }

        public int Total { get; }

        /// <summary>The keys (type/name as escaped) of the entities not written.</summary>
        public IReadOnlyList<string> NotWritten { get; }

        public PorterStorageException FirstFailure { get; }

        internal static string Report(int written, int total, IReadOnlyList<string> notWritten) =>
            $"{written} of {total} entities were written and {notWritten.Count} were not " +
            $"({string.Join(", ", notWritten.Take(5).Select(k => "'" + k + "'"))}{(notWritten.Count > 5 ? ", …" : string.Empty)})";
    }
}
