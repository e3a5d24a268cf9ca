using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Migration;

namespace PorterStorage.Core.Storage
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
            JournalRecord record = Commit(changes);
            try
            {
                RollForward(record);
            }
            catch (PorterStorageException ex)
            {
                string how;
                try
                {
                    how = RollBack(record, ex);
                }
                catch (PorterStorageException)
                {
                    throw ex; // still committed: the next run finishes it or rolls it back
                }
                throw new PorterStorageException(ex.ErrorId, ex.Kind, ex.Target, $"{ex.Message} The change for {changes.Description} {how}", ex);
            }
            try
            {
                _store.Finish(record, null);
            }
            catch (PorterStorageException ex)
            {
                throw Appended(ex, $"The change for {changes.Description} is complete; the next run finds it finished (replaying it is harmless).");
            }
        }

        /// <summary>Commits a change set without applying it (what a run killed just after its commit point leaves).</summary>
        internal JournalRecord Commit(ChangeSet changes)
        {
            _lock?.RequireHeld(changes.Description);
            List<string> writes = changes.Writes.Select(_store.StorePath).ToList();
            var record = new JournalRecord(JournalRecord.NewId(), changes.Description, writes, changes.Renames.ToList(), changes.Deletes.ToList(), _store.Existing(writes));
            return _store.Commit(record, changes.Writes);
        }

        /// <summary>Puts the writes in place, renames, deletes. Each step is skipped when already done, so a replay is harmless.</summary>
        private void RollForward(JournalRecord record)
        {
            foreach (string path in record.Writes.Concat(record.Renames.Select(r => r.Value)))
            {
                string name = path.Substring(path.LastIndexOf('/') + 1);
                string? problem = ItemNames.NameProblem(name) ?? ItemNames.PathProblem(path, _store.NameLimits)
                                  ?? (path.Split('/').Any(p => p.Length == 0 || p == "." || p == ".." || p.IndexOf('\\') >= 0 || p.IndexOf('\0') >= 0)
                                      ? "it would not be an item of its folder" : null);
                ItemNames.Throw("item", path, problem, _store.FullName(path));
            }
            try
            {
                PlaceAll(record);
                foreach (KeyValuePair<string, string> r in record.Renames)
                {
                    if (_store.Exists(r.Key))
                    {
                        _store.Move(r.Key, r.Value, overwrite: true);
                    }
                }
                foreach (string d in record.Deletes)
                {
                    _store.Delete(d);
                }
            }
            catch (PorterStorageException ex)
            {
                throw Appended(ex, $"The committed changes for {record.Description} could not be completed.");
            }
        }

        /// <summary>
        /// Puts the writes in place in their order, one item type after another (outputs, results, claims, the index: readers never
        /// see a document before those it names). The writes of one type go to the store up to its <see cref="ITransactionalStore.PlaceConcurrency"/>
        /// at once, and all of them end before the next type starts or an error is raised.
        /// </summary>
        private void PlaceAll(JournalRecord record)
        {
            int width = Math.Max(1, _store.PlaceConcurrency);
            for (int start = 0; start < record.Writes.Count;)
            {
                string type = ItemTypes.OfPath(record.Writes[start]);
                int end = start + 1;
                while (end < record.Writes.Count && end - start < width && ItemTypes.OfPath(record.Writes[end]) == type)
                {
                    end++;
                }
                if (end - start == 1)
                {
                    _store.Place(record, start);
                }
                else
                {
                    Task[] placing = Enumerable.Range(start, end - start).Select(i => Task.Run(() => _store.Place(record, i))).ToArray();
                    try
                    {
                        Task.WaitAll(placing);
                    }
                    catch (AggregateException all)
                    {
                        Exception first = all.InnerExceptions.FirstOrDefault(e => e is OperationCanceledException)
                                          ?? all.InnerExceptions.FirstOrDefault(e => e is PorterStorageException)
                                          ?? all.InnerExceptions[0];
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
                    }
                }
                start = end;
            }
        }

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
                            _store.Move(r.Value, r.Key, overwrite: false);
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
                            _store.Delete(record.Writes[i]);
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
