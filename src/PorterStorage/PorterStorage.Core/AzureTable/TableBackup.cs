using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using PorterStorage.Core.Azure;
using PorterStorage.Core.Backup;
using PorterStorage.Core.Errors;
using PorterStorage.Core.IO;

namespace PorterStorage.Core.AzureTable
{
    /// <summary>What Restore-PorterAzureContainer did with a table backup.</summary>
    public sealed class PorterTableRestoreResult : CountedResult
    {
        internal PorterTableRestoreResult(string archivePath, Uri table, int entityCount, long bytes, bool verified, TimeSpan duration)
        {
            ArchivePath = archivePath;
            Table = table;
            EntityCount = entityCount;
            Bytes = bytes;
            Verified = verified;
            Duration = duration;
        }

        public string ArchivePath { get; }

        public Uri Table { get; }

        public int EntityCount { get; }

        /// <summary>The size of the restored entities as the backup holds them.</summary>
        public long Bytes { get; }

        /// <summary>Every restored entity was read back with the same properties, types and values.</summary>
        public bool Verified { get; }

        public TimeSpan Duration { get; }

        public override string ToString() => Table.ToString();
    }

    /// <summary>
    /// Backs up and restores the azure.table plugin's table: every entity with every property and its type, one archive entry
    /// (<see cref="TableEntityCodec.ToJson"/>) per entity under <c>entities/</c>, checksummed in the manifest, written 0600 under a
    /// temporary name, verified and renamed, as a container backup is.
    /// </summary>
    public static class TableBackup
    {
        /// <summary>Entities read from an archive and sent together during a restore.</summary>
        private const int RestoreChunk = 1000;

        public static PorterBackup Create(PorterAzureStorage storage, string archivePath, bool force, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            RequestCount before = storage.Counter.Snapshot();
            PorterBackup result = CreateCounted(storage, archivePath, force, progress, cancel);
            result.Record(storage.Counter.Snapshot().Since(before));
            return result;
        }

        private static PorterBackup CreateCounted(PorterAzureStorage storage, string archivePath, bool force, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            storage.RequireKind(PorterAzureStorage.TableKind, "a table backup");
            var clock = Stopwatch.StartNew();
            DateTime created = DateTime.UtcNow;
            string target = storage.TableUri!.ToString();
            List<PorterTableEntity> entities = AzureTablePorterStore.ReadAll(storage.CreateTableClient(), target, cancel);

            var entries = new List<BackupEntry>();
            long total = 0;
            (string sha, long archiveBytes, PorterBackupVerification check) = ArchiveFiles.WriteVerified(archivePath, force, progress, cancel, archive =>
            {
                int done = 0;
                foreach (PorterTableEntity entity in entities)
                {
                    cancel.ThrowIfCancellationRequested();
                    byte[] json = TableEntityCodec.ToJson(entity);
                    archive.Add(BackupManifest.TablePrefix + entity.Key, json, created);
                    entries.Add(new BackupEntry(entity.Key, BackupEntryType.File, json.Length, Hex.Sha256(json), null, created, null));
                    total += json.Length;
                    progress?.Report(new OperationProgress("Backing up", entity.Key, ++done, entities.Count, total, "entities"));
                }
                return new BackupManifest(BackupKinds.TableManifest, created, target, false, HomeBackup.Tool, entries, Array.Empty<BackupSkippedItem>());
            });
            return new PorterBackup(archivePath, BackupKinds.Table, target, created, entries.Count, total, archiveBytes, sha, false, check.IsValid, clock.Elapsed,
                Array.Empty<BackupSkippedItem>());
        }

        /// <summary>
        /// Restores a table backup: verified first (<c>BackupCorrupt</c>), refused into a table that holds entities unless
        /// <paramref name="force"/> (<c>TableNotEmpty</c>; entities of the same keys are then replaced, others kept), every entity
        /// written as it was and read back (<c>TableVerificationFailed</c> names one that differs).
        /// </summary>
        public static PorterTableRestoreResult Restore(string archivePath, string? expectedSha256, PorterAzureStorage storage, bool force,
            Func<string, bool> shouldProcess, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            RequestCount before = storage.Counter.Snapshot();
            PorterTableRestoreResult result = RestoreCounted(archivePath, expectedSha256, storage, force, shouldProcess, progress, cancel);
            result.Record(storage.Counter.Snapshot().Since(before));
            return result;
        }

        private static PorterTableRestoreResult RestoreCounted(string archivePath, string? expectedSha256, PorterAzureStorage storage, bool force,
            Func<string, bool> shouldProcess, IProgress<OperationProgress>? progress, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            PorterBackupVerification check = BackupVerifier.RequireValidOfKind(archivePath, expectedSha256, BackupKinds.TableManifest, progress, cancel);
            BackupManifest manifest = check.Manifest!;
            storage.RequireKind(PorterAzureStorage.TableKind, "restoring a table backup");
            string target = storage.TableUri!.ToString();
            var table = storage.CreateTableClient();
            bool holds;
            try
            {
                holds = table.Query<global::Azure.Data.Tables.TableEntity>(filter: (string?)null, maxPerPage: 1, select: new[] { "PartitionKey" }, cancellationToken: cancel)
                    .AsPages().First().Values.Count > 0;
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
                    $"The table '{target}' holds entities; use -Force to restore into it (entities of the same keys are replaced, others are kept).");
            }
            if (!shouldProcess(target))
            {
                return new PorterTableRestoreResult(archivePath, storage.TableUri, 0, 0, false, clock.Elapsed);
            }
            TableWriter.EnsureTable(table, target, cancel);

            var restored = new List<PorterTableEntity>();
            int total = manifest.Entries.Count(e => e.Type == BackupEntryType.File);
            long bytes = 0;
            var chunk = new List<PorterTableEntity>();
            void Send()
            {
                TableWriter.Upsert(table, target, chunk, batch =>
                {
                    restored.AddRange(batch);
                    progress?.Report(new OperationProgress("Restoring", batch[batch.Count - 1].Key, restored.Count, total, bytes, "entities"));
                }, cancel);
                chunk = new List<PorterTableEntity>();
            }
            using (ArchiveReader archive = ContainerBackup.OpenVerified(archivePath))
            {
                try
                {
                    foreach ((ArchiveItem item, BackupEntry e) in archive.Files(manifest, archivePath))
                    {
                        cancel.ThrowIfCancellationRequested();
                        byte[] json;
                        using (Stream read = item.Open())
                        using (var buffer = new MemoryStream())
                        {
                            read.CopyTo(buffer);
                            json = buffer.ToArray();
                        }
                        PorterTableEntity entity = TableEntityCodec.FromJson(json);
                        if (entity.Key != e.Path)
                        {
                            throw new InvalidDataException($"the entry '{e.Path}' holds the entity '{entity.Key}'");
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
            List<string> differences = TableWriter.Differences(restored, AzureTablePorterStore.ReadAll(table, target, cancel));
            if (differences.Count > 0)
            {
                throw new PorterStorageException(ErrorIds.TableVerificationFailed, PorterErrorKind.InvalidData, target,
                    $"The table '{target}' does not hold {differences.Count} restored entit{(differences.Count == 1 ? "y" : "ies")} as written (e.g. {differences[0]}); restore again.");
            }
            return new PorterTableRestoreResult(archivePath, storage.TableUri, restored.Count, bytes, true, clock.Elapsed);
        }
    }
}
