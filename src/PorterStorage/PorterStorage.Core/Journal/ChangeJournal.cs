using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.Journal
{
    /// <summary>
    /// Applies change sets to any store so that an interruption is either invisible or finished by the next run: commit (the
    /// record and every write's content, durable and unseen), then the writes in order, the renames, the deletions, then the
    /// record is finished. A change set that cannot complete is rolled back while none of its originals is gone, and set aside
    /// once one is, so no store is ever stuck on it. One journal serves one run, under its lock.
    /// </summary>
    public sealed class ChangeJournal
    {
        private readonly ITransactionalStore _store;
        private StoreLock? _lock;

        public ChangeJournal(ITransactionalStore store)
        {
            _store = store;
        }

        /// <summary>Takes the store's lock for this run; a change set is committed only while it is held. Raises <c>MigrationInProgress</c>.</summary>
        public StoreLock Lock() => _lock = StoreLock.Take(_store);

        /// <summary>The ids of change sets an interrupted run committed and never finished.</summary>
        public IReadOnlyList<string> Pending() => _store.Committed();

        /// <summary>
        /// Finishes every committed change set of an interrupted run, and discards what was staged but never committed. One that
        /// cannot be finished (a name no store can hold, written by an earlier build; an item that cannot be moved) is rolled back
        /// or set aside and reported with <c>InterruptedChangeRolledBack</c>. Raises a named error only when neither is possible.
        /// </summary>
        public IReadOnlyList<RecoveredChange> Recover()
        {
            var result = new List<RecoveredChange>();
            foreach (string id in _store.Committed())
            {
                JournalRecord record = _store.ReadCommitted(id);
                try
                {
                    RollForward(record);
                }
                catch (PorterStorageException ex)
                {
                    string how = RollBack(record, ex);
                    result.Add(new RecoveredChange(record.Description, ErrorIds.InterruptedChangeRolledBack,
                        $"The interrupted change for {record.Description} could not be finished ({ex.ErrorId}: {ex.Message}); {how}"));
                    continue;
                }
                try
                {
                    _store.Finish(record, null);
                }
                catch (PorterStorageException)
                {
                    // The change is complete: a record left unfinished is replayed by a later run, which changes nothing.
                }
                result.Add(new RecoveredChange(record.Description, null, null));
            }
            _store.Recovered();
            return result;
        }

        /// <summary>Applies a change set: commit, put in place, finish. A change that cannot complete is rolled back (see <see cref="Recover"/>).</summary>
        public void Apply(ChangeSet changes)
        {
            PorterStorageException? failed = ApplyAll(new[] { changes })[0];
            if (failed != null)
            {
                throw failed;
            }
        }

        /// <summary>
        /// Applies independent change sets together (none writes, renames or deletes what another touches): one commit for all of
        /// them (one journal flush, one journal blob), then their writes put in place round by round (each change set's own order
        /// kept, many at once across the batch), their renames and deletions, and each is finished. Every change set completes or
        /// fails on its own: one that cannot complete is rolled back as <see cref="Apply"/> does, and the others go on. Returns
        /// what each one raised (null when it was applied). A cancellation or a failure that is not a named error stops the batch
        /// and is raised once nothing is in flight; what was committed is finished by the next run.
        /// </summary>
        public IReadOnlyList<PorterStorageException?> ApplyAll(IReadOnlyList<ChangeSet> batch)
        {
            var failed = new PorterStorageException?[batch.Count];
            var records = new List<JournalRecord>();
            var writes = new List<IReadOnlyList<StoredDocument>>();
            var index = new List<int>(); // the change set of each record
            for (int i = 0; i < batch.Count; i++)
            {
                try
                {
                    _lock?.RequireHeld(batch[i].Description);
                }
                catch (PorterStorageException ex)
                {
                    failed[i] = ex;
                    continue;
                }
                records.Add(Record(batch[i]));
                writes.Add(batch[i].Writes);
                index.Add(i);
            }
            if (records.Count == 0)
            {
                return failed;
            }
            IReadOnlyList<JournalRecord> committed;
            try
            {
                committed = _store.Commit(records, writes);
            }
            catch (PorterStorageException ex)
            {
                foreach (int i in index)
                {
                    failed[i] = ex;
                }
                return failed;
            }

            var broken = new PorterStorageException?[committed.Count];
            RollForward(committed, broken);
            for (int r = 0; r < committed.Count; r++)
            {
                ChangeSet changes = batch[index[r]];
                if (broken[r] is PorterStorageException ex)
                {
                    string how;
                    try
                    {
                        how = RollBack(committed[r], ex);
                    }
                    catch (PorterStorageException)
                    {
                        failed[index[r]] = ex; // still committed: the next run finishes it or rolls it back
                        continue;
                    }
                    failed[index[r]] = new PorterStorageException(ex.ErrorId, ex.Kind, ex.Target, $"{ex.Message} The change for {changes.Description} {how}", ex);
                    continue;
                }
                try
                {
                    _store.Finish(committed[r], null);
                }
                catch (PorterStorageException unfinished)
                {
                    failed[index[r]] = Appended(unfinished, $"The change for {changes.Description} is complete; the next run finds it finished (replaying it is harmless).");
                }
            }
            return failed;
        }

        /// <summary>Commits a change set without applying it (what a run killed just after its commit point leaves).</summary>
        internal JournalRecord Commit(ChangeSet changes) => CommitAll(new[] { changes })[0];

        /// <summary>Commits change sets together without applying them (a batch whose run was killed just after its commit point).</summary>
        internal IReadOnlyList<JournalRecord> CommitAll(IReadOnlyList<ChangeSet> batch)
        {
            foreach (ChangeSet changes in batch)
            {
                _lock?.RequireHeld(changes.Description);
            }
            return _store.Commit(batch.Select(Record).ToList(), batch.Select(c => (IReadOnlyList<StoredDocument>)c.Writes).ToList());
        }

        private JournalRecord Record(ChangeSet changes)
        {
            List<string> writes = changes.Writes.Select(_store.StorePath).ToList();
            var expected = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string path in changes.Deletes.Concat(changes.Renames.Select(r => r.Key)).Concat(writes))
            {
                if (!expected.ContainsKey(path) && _store.VersionOf(path) is string version)
                {
                    expected[path] = version;
                }
            }
            return new JournalRecord(JournalRecord.NewId(), changes.Description, writes, changes.Renames.ToList(), changes.Deletes.ToList(), _store.Existing(writes),
                expected: expected.Count == 0 ? null : expected, hashes: changes.Writes.Select(d => JournalRecord.Hash(d.Content)).ToList());
        }

        /// <summary>Finishes one committed change set found by recovery (see <see cref="RollForward(IReadOnlyList{JournalRecord}, PorterStorageException?[])"/>).</summary>
        private void RollForward(JournalRecord record)
        {
            var broken = new PorterStorageException?[1];
            RollForward(new[] { record }, broken);
            if (broken[0] != null)
            {
                throw broken[0]!;
            }
        }

        /// <summary>
        /// Puts the writes in place, renames, deletes, for each record; each step is skipped when already done, so a replay is
        /// harmless. A record whose step fails stops there (<paramref name="broken"/> holds why) and the others go on. Each record
        /// is a chain of stages: its runs of writes of one item type in order (outputs, results, claims, then the index: readers
        /// never see a document before those it names), then its renames, then its deletions; a stage's steps run at once, and
        /// the next stage of that record starts when it has ended. The records of a batch touch no common name (the runner
        /// sees to it), so their chains run beside one another, up to the store's <see cref="ITransactionalStore.PlaceConcurrency"/>
        /// steps at once: no record waits for another's round. Once all have ended, a cancellation or any failure no store
        /// names is raised as it is.
        /// </summary>
        private void RollForward(IReadOnlyList<JournalRecord> records, PorterStorageException?[] broken)
        {
            var chains = new List<IReadOnlyList<IReadOnlyList<Action>>>();
            for (int r = 0; r < records.Count; r++)
            {
                try
                {
                    CheckNames(records[r]);
                }
                catch (PorterStorageException ex)
                {
                    broken[r] = ex;
                }
                chains.Add(broken[r] == null ? Chain(records[r]) : Array.Empty<IReadOnlyList<Action>>());
            }
            Exception?[] failures = ConcurrentSteps.RunChains(chains, Math.Max(1, _store.PlaceConcurrency));
            Exception? fatal = failures.FirstOrDefault(e => e is OperationCanceledException) ?? failures.FirstOrDefault(e => e != null && !(e is PorterStorageException));
            if (fatal != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(fatal).Throw();
            }
            for (int r = 0; r < records.Count; r++)
            {
                if (failures[r] is PorterStorageException ex && broken[r] == null)
                {
                    broken[r] = Completing(ex, records[r]);
                }
            }
        }

        /// <summary>One record's stages: each run of writes of one type, its renames (one after another), its deletions.</summary>
        private List<IReadOnlyList<Action>> Chain(JournalRecord record)
        {
            var stages = new List<IReadOnlyList<Action>>();
            foreach ((int start, int end) in Runs(record))
            {
                var run = new List<Action>();
                for (int i = start; i < end; i++)
                {
                    int at = i;
                    run.Add(() => _store.Place(record, at));
                }
                stages.Add(run);
            }
            if (record.Renames.Count > 0)
            {
                stages.Add(new Action[]
                {
                    () =>
                    {
                        foreach (KeyValuePair<string, string> rename in record.Renames)
                        {
                            if (_store.Exists(rename.Key))
                            {
                                _store.Move(rename.Key, rename.Value, overwrite: true, record.ExpectedVersion(rename.Key));
                            }
                        }
                    },
                });
            }
            stages.Add(record.Deletes.Select(path => (Action)(() => _store.Delete(path, record.ExpectedVersion(path)))).ToList());
            return stages;
        }

        private void CheckNames(JournalRecord record)
        {
            foreach (string path in record.Writes.Concat(record.Renames.Select(r => r.Value)))
            {
                string name = path.Substring(path.LastIndexOf('/') + 1);
                string? problem = ItemNames.NameProblem(name) ?? ItemNames.PathProblem(path, _store.NameLimits)
                                  ?? (path.Split('/').Any(p => p.Length == 0 || p == "." || p == ".." || p.IndexOf('\\') >= 0 || p.IndexOf('\0') >= 0)
                                      ? "it would not be an item of its folder" : null);
                ItemNames.Throw("item", path, problem, _store.FullName(path));
            }
        }

        /// <summary>A record's writes as runs of one item type, in their order.</summary>
        private static List<(int Start, int End)> Runs(JournalRecord record)
        {
            var runs = new List<(int, int)>();
            for (int start = 0; start < record.Writes.Count;)
            {
                string type = ItemTypes.OfPath(record.Writes[start]);
                int end = start + 1;
                while (end < record.Writes.Count && ItemTypes.OfPath(record.Writes[end]) == type)
                {
                    end++;
                }
                runs.Add((start, end));
                start = end;
            }
            return runs;
        }

        private static PorterStorageException Completing(PorterStorageException ex, JournalRecord record) =>
            Appended(ex, $"The committed changes for {record.Description} could not be completed.");

        /// <summary>
        /// Undoes a committed change set that cannot complete and finishes it, so it never blocks a run again. While none of its
        /// originals is deleted: the renames are moved back and what it created removed, and the originals are where they were.
        /// Once a deletion has happened, every write has landed: the change is set aside as it is and the next plan treats what
        /// is left (a legacy item already migrated) as a duplicate. Returns what was done.
        /// </summary>
        private string RollBack(JournalRecord record, PorterStorageException cause)
        {
            string how;
            try
            {
                bool deleting = record.Deletes.Any(d => !record.Writes.Contains(d) && !_store.Exists(d));
                if (deleting)
                {
                    how = "its writes had all landed and some originals were removed, so it was set aside as it is; the next run removes the rest as duplicates.";
                }
                else
                {
                    foreach (KeyValuePair<string, string> r in record.Renames)
                    {
                        if (!_store.Exists(r.Key) && _store.Exists(r.Value))
                        {
                            _store.Move(r.Value, r.Key, overwrite: false, null);
                        }
                    }
                    var kept = new List<string>();
                    for (int i = 0; i < record.Writes.Count; i++)
                    {
                        if (_store.Discard(record, i))
                        {
                            continue;
                        }
                        if (record.CreatedFile(i))
                        {
                            _store.Unplace(record, i); // only while it holds this write: a target another writer made is theirs
                        }
                        else if (record.Replaced == null)
                        {
                            kept.Add(_store.FullName(record.Writes[i]));
                        }
                    }
                    how = kept.Count == 0
                        ? "it was rolled back: what it had written was removed and its originals are untouched."
                        : $"it was rolled back: what it had created was removed and its originals are untouched; it kept what may have been there before ('{string.Join("', '", kept)}'), which the next run checks again.";
                }
                _store.Finish(record, cause.ErrorId);
            }
            catch (PorterStorageException ex)
            {
                throw new PorterStorageException(ex.ErrorId, ex.Kind, ex.Target,
                    $"The committed changes for {record.Description} could neither be completed ({cause.ErrorId}) nor rolled back: {ex.Message} Nothing else was changed.", ex);
            }
            return how;
        }

        private static PorterStorageException Appended(PorterStorageException ex, string text) =>
            new PorterStorageException(ex.ErrorId, ex.Kind, ex.Target, ex.Message + " " + text, ex);
    }
}
