using System;
using System.Collections.Generic;
using System.Linq;

namespace PorterStorage.Core.Migration
{
    /// <summary>A checked change set waiting to be applied with others, and the record it leaves when it is.</summary>
    internal sealed class QueuedChange
    {
        public QueuedChange(PorterMigrationPlanItem item, ChangeSet changes, Func<object> applied)
        {
            Item = item;
            Changes = changes;
            Applied = applied;
        }

        public PorterMigrationPlanItem Item { get; }

        public ChangeSet Changes { get; }

        public Func<object> Applied { get; }

        /// <summary>Where its record goes in the result, kept in plan order.</summary>
        public int Slot { get; set; }
    }

    /// <summary>
    /// Change sets waiting to be applied together (one commit, many writes at once): installations and parameter sets, which depend
    /// on nothing an item of another name does. A change set touching what a waiting one touches applies the waiting ones first;
    /// a credential set, <see cref="BatchCount"/> change sets or <see cref="BatchBytes"/> of documents apply at once. Each applied
    /// change set fills its slot in the run's records and vouches for what it wrote in the run's evidence.
    /// </summary>
    internal sealed class ChangeBatch
    {
        /// <summary>How many change sets wait to be applied together at most, and how many bytes of documents they hold.</summary>
        internal const int BatchCount = 64;

        internal const long BatchBytes = 4L * 1024 * 1024;

        private readonly IMigrationStore _store;
        private readonly ChangeJournal _journal;
        private readonly RunEvidence? _evidence;
        private readonly RunOutcomes _outcomes;
        private readonly Action<PorterMigrationPlanItem, Exception, int?> _notApplied;
        private readonly List<QueuedChange> _pending = new List<QueuedChange>();
        private readonly HashSet<string> _keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private long _bytes;

        /// <param name="notApplied">Told of a change set the journal could not apply (its item, the failure, its slot).</param>
        public ChangeBatch(IMigrationStore store, ChangeJournal journal, RunEvidence? evidence, RunOutcomes outcomes, Action<PorterMigrationPlanItem, Exception, int?> notApplied)
        {
            _store = store;
            _journal = journal;
            _evidence = evidence;
            _outcomes = outcomes;
            _notApplied = notApplied;
        }

        public bool IsEmpty => _pending.Count == 0;

        /// <summary>True when the item was planned while a change set of its name or source waited (its plan may be out of date).</summary>
        public bool Holds(PorterMigrationPlanItem item) =>
            _pending.Count > 0 && (_keys.Contains(NameKey(item)) || (item.Source != null && _keys.Contains(item.Source)));

        /// <summary>Adds a change set (its record's slot taken now, in plan order), applying what waits first when the two touch the same names.</summary>
        public void Add(QueuedChange queued)
        {
            List<string> keys = Keys(queued.Item, queued.Changes).ToList();
            if (keys.Any(_keys.Contains))
            {
                Apply();
            }
            queued.Slot = _outcomes.ListOf(queued.Item.Kind).Add(null);
            _pending.Add(queued);
            _keys.UnionWith(keys);
            _bytes += queued.Changes.Writes.Sum(w => (long)w.Content.Length);
            if (queued.Item.Kind == MigrationItemKind.CredentialSet || _pending.Count >= BatchCount || _bytes >= BatchBytes)
            {
                Apply();
            }
        }

        /// <summary>Applies every waiting change set through the journal and records each one's outcome in its slot.</summary>
        public void Apply()
        {
            if (_pending.Count == 0)
            {
                return;
            }
            List<QueuedChange> batch = _pending.ToList();
            _pending.Clear();
            _keys.Clear();
            _bytes = 0;
            IReadOnlyList<PorterStorageException?> outcomes = _journal.ApplyAll(batch.Select(q => q.Changes).ToList());
            for (int i = 0; i < batch.Count; i++)
            {
                if (outcomes[i] == null)
                {
                    Vouch(batch[i].Changes);
                    _outcomes.ListOf(batch[i].Item.Kind)[batch[i].Slot] = batch[i].Applied();
                }
                else
                {
                    _notApplied(batch[i].Item, outcomes[i]!, batch[i].Slot);
                }
            }
        }

        /// <summary>What an applied change set wrote, moved and deleted, for the run's evidence.</summary>
        private void Vouch(ChangeSet changes)
        {
            if (_evidence == null)
            {
                return;
            }
            foreach (StoredDocument d in changes.Writes)
            {
                _evidence.Wrote(_store.StorePath(d), d.Content);
            }
            foreach (KeyValuePair<string, string> r in changes.Renames)
            {
                _evidence.Moved(r.Key, r.Value);
            }
            foreach (string d in changes.Deletes)
            {
                _evidence.Deleted(d);
            }
        }

        /// <summary>What a change set is known by while it waits: its item's kind and name, and every path it touches.</summary>
        private IEnumerable<string> Keys(PorterMigrationPlanItem item, ChangeSet changes)
        {
            yield return NameKey(item);
            if (item.Source != null)
            {
                yield return item.Source;
            }
            foreach (StoredDocument d in changes.Writes)
            {
                yield return _store.StorePath(d);
            }
            foreach (string d in changes.Deletes)
            {
                yield return d;
            }
            foreach (KeyValuePair<string, string> r in changes.Renames)
            {
                yield return r.Key;
                yield return r.Value;
            }
        }

        private static string NameKey(PorterMigrationPlanItem item) => item.Kind + ":" + item.Name;
    }
}
