using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.AzureTable
{
    /// <summary>
    /// Backs up and restores the azure.table plugin's table: every entity with every property and its type, one archive entry
    /// (<see cref="TableEntityJson.ToJson"/>) per entity under <c>entities/</c>, checksummed in the manifest, written 0600 under a
    /// temporary name, verified and renamed, as a container backup is.
    /// </summary>
    public static class TableBackup
    {
        /// <summary>Entities read from an archive and sent together during a restore.</summary>
        private const int RestoreChunk = 1000;

        /// <summary>What a backup of the table holds: every entity, read now in one paged query, then written as its canonical JSON.</summary>
        internal static BackupContent ListForBackup(PorterAzureTable storage, CancellationToken cancel) =>
            Content(AzureTablePorterStore.ReadAll(storage.CreateTableClient(), storage.TableUri!.ToString(), cancel));

        /// <summary>What writes <paramref name="entities"/>, one entry each under <c>entities/</c>, into a backup.</summary>
        private static BackupContent Content(List<PorterTableEntity> entities) => (archive, created, progress, cancel) =>
        {
            var entries = new List<BackupEntry>();
            long total = 0;
            int done = 0;
            foreach (PorterTableEntity entity in entities)
            {
                cancel.ThrowIfCancellationRequested();
                byte[] json = TableEntityJson.ToJson(entity);
                archive.Add(BackupManifest.TablePrefix + entity.Key, json, created);
                entries.Add(Entry(entity, json, created));
                total += json.Length;
                progress?.Report(new OperationProgress("Backing up", entity.Key, ++done, entities.Count, total, "entities"));
            }
            return entries;
        };

        /// <summary>An entity as a table backup's manifest records it: its key, and the size and SHA-256 of its canonical JSON.</summary>
        internal static BackupEntry Entry(PorterTableEntity entity, byte[] json, DateTime created) =>
            new BackupEntry(entity.Key, BackupEntryType.File, json.Length, Hex.Sha256(json), null, created, null);

        /// <summary>
        /// Restores a table backup: verified first (<c>BackupCorrupt</c>), refused into a table that holds entities unless
        /// <paramref name="force"/> (<c>TableNotEmpty</c>). With <paramref name="force"/> the table is made equal to the backup
        /// (<see cref="RestoreChanges"/>): when an entity is to be replaced or removed, the whole table is first saved to a verified
        /// pre-restore backup beside the archive (<see cref="RestoreChanges.PreRestorePath"/>); then each entity the table lacks or
        /// holds otherwise is written as it was, and each entity the backup does not hold is removed. The table is then read back
        /// and must hold exactly the backup's entities (<c>TableVerificationFailed</c> names one that differs).
        /// <paramref name="shouldProcess"/> gets the target and the counts; null when it declines.
        /// </summary>
        public static PorterTableRestoreResult? Restore(string archivePath, string? expectedSha256, PorterAzureTable storage, bool force,
            Func<string, string, bool> shouldProcess, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            RequestCount before = storage.Counter.Snapshot();
            PorterTableRestoreResult? result = RestoreCounted(archivePath, expectedSha256, storage, force, shouldProcess, progress, cancel);
            result?.Record(storage.Counter.Snapshot().Since(before));
            return result;
        }

        private static PorterTableRestoreResult? RestoreCounted(string archivePath, string? expectedSha256, PorterAzureTable storage, bool force,
            Func<string, string, bool> shouldProcess, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            PorterBackupVerification check = BackupVerifier.RequireValidOfKind(archivePath, expectedSha256, BackupKinds.TableManifest, progress, cancel);
            BackupManifest manifest = check.Manifest!;
            string target = storage.TableUri!.ToString();
            var table = storage.CreateTableClient();
            bool holds;
            try
            {
                // Any page, not the first: a service may answer a page with no entity and a continuation (Cosmos DB for Table does).
                holds = table.Query<global::Azure.Data.Tables.TableEntity>(filter: (string?)null, maxPerPage: 1, select: new[] { "PartitionKey" }, cancellationToken: cancel)
                    .AsPages().Any(page => page.Values.Count > 0);
            }
            catch (global::Azure.RequestFailedException ex) when (ex.Status == 404)
            {
                holds = false;
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, target, "Reading the table");
            }
            if (holds && !force)
            {
                throw new PorterStorageException(ErrorIds.TableNotEmpty, PorterErrorKind.ResourceExists, target,
                    $"The table '{target}' holds entities; use -Force to make it equal to the backup (what it holds that the backup does not, or holds otherwise, is saved first to a pre-restore backup, then replaced or removed).");
            }
            DateTime now = DateTime.UtcNow;
            List<PorterTableEntity> current = holds ? AzureTablePorterStore.ReadAll(table, target, cancel) : new List<PorterTableEntity>();
            RestoreChanges changes = RestoreChanges.Compare(manifest.Entries, current.Select(e => Entry(e, TableEntityJson.ToJson(e), now)));
            if (!shouldProcess(target, changes.Describe(archivePath, "entities")))
            {
                return null;
            }
            TableWriter.EnsureTable(table, target, cancel);
            // The whole table as it is now, so that restoring the pre-restore backup with -Force undoes this restore.
            string? saved = changes.ChangesStoredItems
                ? RestoreChanges.SaveFirst(archivePath, now, path => StoreBackup.Write(path, false, BackupKinds.TableManifest, BackupKinds.Table, target, Content(current), progress, cancel, out _))
                : null;
            ISet<string> toWrite = changes.ToWrite();
            // Every write and removal is over what was read and saved (the ETags read): another process's write is never replaced.
            Dictionary<string, PorterTableEntity> currentByKey = current.ToDictionary(e => e.Key, StringComparer.Ordinal);

            var backedUp = new List<PorterTableEntity>();
            int written = 0;
            long bytes = 0;
            var chunk = new List<PorterTableEntity>();
            // A chunk whose transactions were not all written does not stop the others; the restore then says what was not.
            PorterStorageException? firstFailure = null;
            var notWritten = new List<string>();
            void Send()
            {
                try
                {
                    TableWriter.WriteOverRead(table, target, chunk, currentByKey, batch =>
                    {
                        written += batch.Count;
                        progress?.Report(new OperationProgress("Restoring", batch[batch.Count - 1].Key, written, toWrite.Count, bytes, "entities"));
                    }, cancel);
                }
                catch (TableWriteIncompleteException ex)
                {
                    firstFailure ??= ex.FirstFailure;
                    notWritten.AddRange(ex.NotWritten);
                }
                chunk = new List<PorterTableEntity>();
            }
            using (ArchiveReader archive = ArchiveReader.OpenVerified(archivePath))
            {
                try
                {
                    foreach ((ArchiveItem item, BackupEntry e) in archive.Files(manifest, archivePath))
                    {
                        cancel.ThrowIfCancellationRequested();
                        byte[] json = ArchiveReader.ReadChecked(item, e, archivePath);
                        PorterTableEntity entity = TableEntityJson.FromJson(json);
                        if (entity.Key != e.Path)
                        {
                            throw new InvalidDataException($"the entry '{e.Path}' holds the entity '{entity.Key}'");
                        }
                        backedUp.Add(entity);
                        if (!toWrite.Contains(entity.Key))
                        {
                            continue; // held as backed up already
                        }
                        bytes += json.Length;
                        chunk.Add(entity);
                        if (chunk.Count >= RestoreChunk)
                        {
                            Send();
                        }
                    }
                }
                catch (InvalidDataException ex)
                {
                    throw BackupManifest.Corrupt(archivePath, "it changed since it was verified (" + ex.Message + ")", ex);
                }
            }
            if (chunk.Count > 0)
            {
                Send();
            }
            if (firstFailure != null)
            {
                // Nothing is removed while an entity of the backup is missing.
                throw new TableWriteIncompleteException("Restoring the entities", target, written, toWrite.Count, notWritten, firstFailure,
                    "restore again with -Force to write the rest (the table as it is then is saved first like the rest)");
            }
            // Only once every entity of the backup is in place, and each removed one is in the pre-restore backup.
            var removedKeys = new HashSet<string>(changes.Removed.Select(e => e.Path), StringComparer.Ordinal);
            int removed = 0;
            TableWriter.DeleteRead(table, target, current.Where(e => removedKeys.Contains(e.Key)).ToList(), batch => removed += batch.Count, cancel);

            List<PorterTableEntity> after = AzureTablePorterStore.ReadAll(table, target, cancel);
            var backedUpKeys = new HashSet<string>(backedUp.Select(e => e.Key), StringComparer.Ordinal);
            List<string> differences = TableWriter.Differences(backedUp, after)
                .Concat(after.Where(e => !backedUpKeys.Contains(e.Key)).Select(e => $"{e.Key}: not in the backup, still held"))
                .ToList();
            if (differences.Count > 0)
            {
                throw new PorterStorageException(ErrorIds.TableVerificationFailed, PorterErrorKind.InvalidData, target,
                    $"The table '{target}' does not hold {differences.Count} entit{(differences.Count == 1 ? "y" : "ies")} as the backup does (e.g. {differences[0]}); restore again.");
            }
            return new PorterTableRestoreResult(archivePath, storage.TableUri, backedUp.Count, written, changes.Replaced.Count, removed, saved, bytes, true, clock.Elapsed);
        }
    }
}

namespace PorterStorage
{
    /// <summary>What Restore-PorterAzureContainer did with a table backup.</summary>
    public sealed class PorterTableRestoreResult : CountedResult
    {
        internal PorterTableRestoreResult(string archivePath, Uri table, int entityCount, int restored, int replaced, int removed, string? preRestoreBackup,
            long bytes, bool verified, TimeSpan duration)
        {
            ArchivePath = archivePath;
            Table = table;
            EntityCount = entityCount;
            Restored = restored;
            Replaced = replaced;
            Removed = removed;
            PreRestoreBackup = preRestoreBackup;
            Bytes = bytes;
            Verified = verified;
            Duration = duration;
        }

        public string ArchivePath { get; }

        public Uri Table { get; }

        /// <summary>The backup's entities, all of which the table now holds as backed up (written now or already so).</summary>
        public int EntityCount { get; }

        /// <summary>Entities written: the backup's entities the table did not hold, or held otherwise.</summary>
        public int Restored { get; }

        /// <summary>Of the entities written, those that replaced an entity of the same keys with other properties, types or values.</summary>
        public int Replaced { get; }

        /// <summary>Entities the backup does not hold, removed (after they were saved to <see cref="PreRestoreBackup"/>).</summary>
        public int Removed { get; }

        /// <summary>The table backup of the table as it was before the restore changed it; null when nothing had to be replaced or removed.</summary>
        public string? PreRestoreBackup { get; }

        /// <summary>The size of the written entities as the backup holds them.</summary>
        public long Bytes { get; }

        /// <summary>The table, read back, holds exactly the backup's entities (every property, type and value) and no other.</summary>
        public bool Verified { get; }

        public TimeSpan Duration { get; }

        public override string ToString() => Table.ToString();
    }
}
