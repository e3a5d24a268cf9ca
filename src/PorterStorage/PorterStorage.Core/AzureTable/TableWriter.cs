using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Data.Tables;
using PorterStorage.Core.Azure;
using PorterStorage.Core.Errors;

namespace PorterStorage.Core.AzureTable
{
    /// <summary>
    /// Writes entities into a table as they are (every property and type, replacing an entity of the same keys) and checks them back.
    /// Entities of one partition go in transactions of up to 100 (the service's limit) and about 2 MiB, several transactions at once,
    /// so a table of thousands of entities costs tens of requests. Each write is an upsert: repeating one is harmless.
    /// </summary>
    internal static class TableWriter
    {
        internal const int MaxBatchEntities = 100;
        internal const int MaxBatchBytes = 2 * 1024 * 1024;
        internal const int Concurrency = 8;

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

        private static void Send(TableClient table, string location, IReadOnlyList<PorterTableEntity> entities, Func<PorterTableEntity, (TableTransactionActionType Kind, ETag ETag)> how,
            bool conditional, string operation, Action<IReadOnlyList<PorterTableEntity>>? done, CancellationToken cancel)
        {
            TableTransactionActionType kind = entities.Count > 0 ? how(entities[0]).Kind : TableTransactionActionType.UpsertReplace;
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
            PorterStorageException? failed = null;
            var inFlight = new Queue<(List<PorterTableEntity> Batch, Task Send)>();
            void Complete((List<PorterTableEntity> Batch, Task Send) sent)
            {
                try
                {
                    try
                    {
                        sent.Send.GetAwaiter().GetResult();
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
                    PorterTableEntity named = sent.Batch[0];
                    if (ex is TableTransactionFailedException t && t.FailedTransactionActionIndex is int at && at >= 0 && at < sent.Batch.Count)
                    {
                        named = sent.Batch[at];
                    }
                    string entity = AzureTablePorterStore.EntityLocation(location, named);
                    failed ??= new PorterStorageException(ErrorIds.StoreChangedDuringRestore, PorterErrorKind.ResourceBusy, entity,
                        $"The entity '{entity}' was written, added or removed by another process after the restore read the table (HTTP {ex.Status}); it was left as that process made it " +
                        "and the restore stopped. Keep Porter and other writers off the table, and restore again: the table as it is then is saved first like the rest.", ex);
                    return;
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    PorterTableEntity named = sent.Batch[0];
                    if (ex is TableTransactionFailedException t && t.FailedTransactionActionIndex is int index && index >= 0 && index < sent.Batch.Count)
                    {
                        named = sent.Batch[index];
                    }
                    failed ??= AzureErrors.Translate(ex, AzureTablePorterStore.EntityLocation(location, named), operation);
                    return;
                }
                done?.Invoke(sent.Batch);
            }
            try
            {
                foreach (List<PorterTableEntity> batch in batches)
                {
                    cancel.ThrowIfCancellationRequested();
                    if (failed != null)
                    {
                        break;
                    }
                    Task send = batch.Count > 1
                        ? table.SubmitTransactionAsync(batch.Select(e =>
                        {
                            (TableTransactionActionType k, ETag tag) = how(e);
                            return k == TableTransactionActionType.Delete || k == TableTransactionActionType.UpdateReplace
                                ? new TableTransactionAction(k, AzureTablePorterStore.ToSdk(e), tag)
                                : new TableTransactionAction(k, AzureTablePorterStore.ToSdk(e));
                        }).ToList(), cancel)
                        : One(table, batch[0], how(batch[0]), cancel);
                    inFlight.Enqueue((batch, send));
                    while (inFlight.Count >= Concurrency)
                    {
                        Complete(inFlight.Dequeue());
                    }
                }
            }
            finally
            {
                // Nothing outlives the write: what is in flight ends (or is cancelled) before it returns or raises.
                Storage.ConcurrentSteps.Settle(inFlight, Complete);
            }
            cancel.ThrowIfCancellationRequested();
            if (failed != null)
            {
                throw failed;
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

        /// <summary>What an entity costs in a transaction's body (binary travels as base64).</summary>
        private static long EstimatedBytes(PorterTableEntity e) =>
            512 + (e.PartitionKey.Length + e.RowKey.Length) * 3L
            + e.Properties.Sum(p => p.Name.Length + 64L + (p.Value is byte[] b ? b.Length * 4L / 3 : p.Value is string s ? s.Length * 6L : 32));

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
}
