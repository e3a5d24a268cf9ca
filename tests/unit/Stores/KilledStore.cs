using System;
using System.Collections.Generic;
using System.Threading;

namespace PorterStorage.Tests.Stores
{
    /// <summary>
    /// Any store, stopped dead after a number of its change steps (commit, place, unplace, discard, move, delete, finish, the
    /// schema): the step that would come next throws <see cref="InMemoryMigrationStore.SimulatedCrash"/>, which no engine catches.
    /// Everything else goes to the store as it is, so what the stop leaves in the store is the store's own. It is as near a kill as
    /// one process gets: the stack still unwinds (a container's lease is released, where a killed run's would lapse in 15 s).
    /// </summary>
    internal sealed class KilledStore : IMigrationStore
    {
        private readonly IMigrationStore _s;
        private int _left;
        private int _steps;

        public KilledStore(IMigrationStore store, int stepsBeforeTheKill)
        {
            _s = store;
            _left = stepsBeforeTheKill;
        }

        /// <summary>The steps taken (the kill's not counted).</summary>
        public int Steps => Volatile.Read(ref _steps);

        private void Step()
        {
            if (Interlocked.Decrement(ref _left) < 0)
            {
                throw new InMemoryMigrationStore.SimulatedCrash();
            }
            Interlocked.Increment(ref _steps);
        }

        public string Location => _s.Location;
        public IReadOnlyList<string> List(string itemType, string? group, CancellationToken cancellationToken = default) => _s.List(itemType, group, cancellationToken);
        public byte[]? Read(string itemType, string name, out string? location, CancellationToken cancellationToken = default) => _s.Read(itemType, name, out location, cancellationToken);
        public IReadOnlyDictionary<string, StoreListing> Items(IEnumerable<string> itemTypes, CancellationToken cancellationToken) => _s.Items(itemTypes, cancellationToken);
        public byte[] ReadItem(StoreItem item, CancellationToken cancellationToken) => _s.ReadItem(item, cancellationToken);
        public string ItemLocation(string itemType, string? group, string name) => _s.ItemLocation(itemType, group, name);
        public bool IsRemote => _s.IsRemote;
        public IEnumerable<StorageFinding> NativeFindings(IReadOnlyDictionary<string, StoreListing> listings, TimeSpan indexWait, CancellationToken cancellationToken) =>
            _s.NativeFindings(listings, indexWait, cancellationToken);

        public string FullName(string path) => _s.FullName(path);
        public StoreNameLimits NameLimits => _s.NameLimits;
        public bool Exists(string path) => _s.Exists(path);
        public string StorePath(StoredDocument document) => _s.StorePath(document);
        public IStoreLease AcquireLock() => _s.AcquireLock();
        public IReadOnlyList<int>? Existing(IReadOnlyList<string> paths) => _s.Existing(paths);
        public IReadOnlyList<JournalRecord> Commit(IReadOnlyList<JournalRecord> records, IReadOnlyList<IReadOnlyList<StoredDocument>> writes)
        {
            Step();
            return _s.Commit(records, writes);
        }
        public IReadOnlyList<string> Committed() => _s.Committed();
        public JournalRecord ReadCommitted(string id) => _s.ReadCommitted(id);
        public void Place(JournalRecord record, int index)
        {
            Step();
            _s.Place(record, index);
        }
        public int PlaceConcurrency => _s.PlaceConcurrency;
        public void Unplace(JournalRecord record, int index)
        {
            Step();
            _s.Unplace(record, index);
        }
        public bool Discard(JournalRecord record, int index)
        {
            Step();
            return _s.Discard(record, index);
        }
        public void Move(string from, string to, bool overwrite, string? expected)
        {
            Step();
            _s.Move(from, to, overwrite, expected);
        }
        public void Delete(string path, string? expected)
        {
            Step();
            _s.Delete(path, expected);
        }
        public string? VersionOf(string path) => _s.VersionOf(path);
        public void Finish(JournalRecord record, string? rolledBackBy)
        {
            Step();
            _s.Finish(record, rolledBackBy);
        }
        public void Recovered() => _s.Recovered();

        public IRequestCounter? Requests => _s.Requests;
        public string BackupKind => _s.BackupKind;
        public IStoreCopy CopyTo(object destination) => _s.CopyTo(destination);
        public string SchemaPath => _s.SchemaPath;
        public IReadOnlyList<StoreEntry> Entries(string itemType) => _s.Entries(itemType);
        public byte[] ReadFile(string path) => _s.ReadFile(path);
        public DateTime ModifiedUtc(string path) => _s.ModifiedUtc(path);
        public string SetPath(string itemType, string name) => _s.SetPath(itemType, name);
        public IEnumerable<byte[]> CurrentClaims(string installation) => _s.CurrentClaims(installation);
        public void WriteSchema(byte[] content)
        {
            Step();
            _s.WriteSchema(content);
        }
        public IReadOnlyList<string> ItemsToRepair(CancellationToken cancel) => _s.ItemsToRepair(cancel);
        public string RepairReason(int count) => _s.RepairReason(count);
        public void RepairItem(string item, CancellationToken cancel) => _s.RepairItem(item, cancel);
        public string RepairSummary(int count) => _s.RepairSummary(count);
        public MigrationLog CreateLog(DateTime localNow) => _s.CreateLog(localNow);
        public IReadOnlyList<string> RunWarnings() => _s.RunWarnings();
    }
}
