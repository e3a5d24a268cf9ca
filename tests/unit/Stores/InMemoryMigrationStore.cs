using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;

namespace PorterStorage.Tests.Stores
{
    /// <summary>
    /// A store held in memory, for testing the planner, runner and session without a folder or Azurite. It keeps the
    /// folder store's paths (<c>claims/a.json</c>, <c>claims/a/&lt;id&gt;.json</c>) and applies a change set as a store
    /// must: committed first (the journal), then writes, renames and deletes, then marked done. <see cref="CrashAfter"/>
    /// stops an apply part way, as a killed process would, leaving the change committed for the next run's recovery.
    /// Built by the recipe in docs/architecture.md ("Adding a backend").
    /// </summary>
    internal sealed class InMemoryMigrationStore : IMigrationStore
    {
        /// <summary>The one line that makes this a backend: the factory opens the store a reference to it names, to read or to migrate.</summary>
        [System.Runtime.CompilerServices.ModuleInitializer]
        internal static void Register() => PorterStores.Register(StoreBackend.Of<InMemoryMigrationStore>(store => store, (store, _, _) => store));

        private readonly SortedDictionary<string, byte[]> _items = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        private readonly List<JournalRecord> _journal = new List<JournalRecord>();
        private int _operations;
        private bool _locked;

        /// <summary>Each item's version: a new one at every write, by this store or by <see cref="OtherWriter"/>.</summary>
        private readonly Dictionary<string, long> _generation = new Dictionary<string, long>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _read = new Dictionary<string, string>(StringComparer.Ordinal);
        private long _nextGeneration;

        public InMemoryMigrationStore(string location = "memory://porter")
        {
            Location = location;
        }

        public string Location { get; }

        /// <summary>The migration log's lines.</summary>
        public List<string> LogLines { get; } = new List<string>();

        /// <summary>How often each path was read as a document (the plan-once checks count these).</summary>
        public Dictionary<string, int> Reads { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

        /// <summary>When set, the apply stops (a simulated crash) after this many more writes, renames or deletes.</summary>
        public int? CrashAfter { get; set; }

        /// <summary>When set, the step after this many more writes, renames or deletes fails once with a named error (a refused write).</summary>
        public int? FailAfter { get; set; }

        /// <summary>Paths <see cref="ItemsToRepair"/> reports, and <see cref="RepairItem"/> clears.</summary>
        public List<string> NeedRepair { get; } = new List<string>();

        public IReadOnlyDictionary<string, byte[]> Contents => _items;

        /// <summary>The copy the last session with a destination made of this store.</summary>
        public InMemoryMigrationStore? LastCopy { get; private set; }

        public void Put(string path, string content) => Put(path, System.Text.Encoding.UTF8.GetBytes(content));

        public void Put(string path, byte[] content)
        {
            lock (_items)
            {
                _items[path] = content;
                _generation[path] = ++_nextGeneration;
            }
        }

        public void Remove(string path)
        {
            lock (_items)
            {
                _items.Remove(path);
                _generation.Remove(path);
            }
        }

        /// <summary>
        /// Called before every write, rename or delete the journal makes (after <see cref="CrashAfter"/> is counted): another process
        /// writing the same store (an older Porter), which may <see cref="Put"/> or <see cref="Remove"/> items there.
        /// </summary>
        public Action<InMemoryMigrationStore>? OtherWriter { get; set; }

        private string Version(string path) => _generation.TryGetValue(path, out long g) ? g.ToString(System.Globalization.CultureInfo.InvariantCulture) : "absent";

        private PorterStorageException Changed(string path) =>
            new PorterStorageException(ErrorIds.ItemChangedDuringMigration, PorterErrorKind.InvalidOperation, FullName(path), $"'{FullName(path)}' was changed by another process after this run read it.");

        public string? VersionOf(string path)
        {
            lock (_items)
            {
                return _read.TryGetValue(path, out string? v) ? v : null;
            }
        }

        public IReadOnlyList<string> RunWarnings() => Array.Empty<string>();

        public string Text(string path) => System.Text.Encoding.UTF8.GetString(_items[path]);

        /// <summary>A copy of every item under <paramref name="location"/>.</summary>
        public InMemoryMigrationStore Clone(string location)
        {
            var copy = new InMemoryMigrationStore(location);
            foreach (KeyValuePair<string, byte[]> item in _items)
            {
                copy.Put(item.Key, (byte[])item.Value.Clone());
            }
            copy._journal.AddRange(_journal);
            return copy;
        }

        public IReadOnlyList<string> List(string itemType, string? group, CancellationToken cancellationToken = default)
        {
            string prefix = itemType + "/" + (group == null ? string.Empty : group + "/");
            string ext = ItemTypes.Extension(itemType);
            return _items.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
                .Select(k => k.Substring(prefix.Length).Split('/')[0])
                .Select(n => ext.Length > 0 && n.EndsWith(ext, StringComparison.Ordinal) ? n.Substring(0, n.Length - ext.Length) : n)
                .Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        }

        public byte[]? Read(string itemType, string name, out string? location, CancellationToken cancellationToken = default)
        {
            string path = (itemType.Length == 0 ? string.Empty : itemType + "/") + name + ItemTypes.Extension(itemType);
            location = _items.ContainsKey(path) ? FullName(path) : null;
            return location == null ? null : _items[path];
        }

        public string FullName(string path) => Location + "/" + path;

        public string BackupKind => BackupKinds.Home;

        public IStoreCopy CopyTo(object destination) => StoreCopies.To<string>(destination, location => new StoreCopy(location, path => location + "/" + path, (_, _) =>
        {
            LastCopy = Clone(location);
            return LastCopy;
        }));

        public IRequestCounter? Requests => null;

        public string SchemaPath => "schema.json";

        public IReadOnlyList<StoreEntry> Entries(string itemType)
        {
            string prefix = itemType + "/";
            var entries = new List<StoreEntry>();
            foreach (IGrouping<string, string> child in _items.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
                         .GroupBy(k => k.Substring(prefix.Length).Split('/')[0], StringComparer.Ordinal))
            {
                bool folder = child.Any(k => k.Length > prefix.Length + child.Key.Length);
                entries.Add(new StoreEntry(child.Key, prefix + child.Key, folder, false,
                    folder ? child.Key : Path.GetFileNameWithoutExtension(child.Key), !folder && child.Key.EndsWith(".json", StringComparison.Ordinal)));
            }
            return entries.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        }

        public byte[] ReadFile(string path)
        {
            Reads[path] = Reads.TryGetValue(path, out int n) ? n + 1 : 1;
            lock (_items)
            {
                if (!_items.TryGetValue(path, out byte[]? content))
                {
                    throw new PorterStorageException(ErrorIds.FileUnreadable, PorterErrorKind.ReadError, FullName(path), $"'{FullName(path)}' does not exist.");
                }
                if (!_read.ContainsKey(path))
                {
                    _read[path] = Version(path);
                }
                return content;
            }
        }

        public DateTime ModifiedUtc(string path) => new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

        public bool Exists(string path)
        {
            lock (_items)
            {
                return _items.ContainsKey(path) || _items.Keys.Any(k => k.StartsWith(path + "/", StringComparison.Ordinal));
            }
        }

        public StoreNameLimits NameLimits => StoreNameLimits.Folder;

        public string StorePath(StoredDocument document) => document.FileSystemPath;

        public string SetPath(string itemType, string name) => itemType + "/" + name + ".json";

        public IEnumerable<byte[]> CurrentClaims(string installation)
        {
            string prefix = ItemTypes.Claims + "/" + installation + "/";
            return _items.Where(i => i.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(i => i.Value).ToList();
        }

        /// <summary>When set, the lock is this lease (one that lasts a while, as a container's does) instead of the store's own.</summary>
        public IStoreLease? Lease { get; set; }

        /// <summary>Items whose repair is refused with a named error.</summary>
        public HashSet<string> RepairRefused { get; } = new HashSet<string>(StringComparer.Ordinal);

        public IStoreLease AcquireLock()
        {
            if (Lease != null)
            {
                return Lease;
            }
            if (_locked)
            {
                throw new PorterStorageException(ErrorIds.MigrationInProgress, PorterErrorKind.ResourceBusy, Location, $"Another migration of '{Location}' is running.");
            }
            _locked = true;
            return new Releaser(Location + "/lock", () => _locked = false);
        }

        /// <summary>The pending change sets' ids (the commit order is the journal's).</summary>
        public IReadOnlyList<string> PendingJournals() => Committed();

        public IReadOnlyList<string> Committed() => _journal.Select(r => r.Id).ToList();

        public JournalRecord ReadCommitted(string id) => _journal.Single(r => r.Id == id);

        public void Recovered() => _read.Clear();

        public IReadOnlyList<int>? Existing(IReadOnlyList<string> paths) => Enumerable.Range(0, paths.Count).Where(i => _items.ContainsKey(paths[i])).ToList();

        /// <summary>How many commits were made (a batch of change sets is one).</summary>
        public int Commits { get; private set; }

        /// <summary>The commit point: the records, holding every write's content, join the journal together.</summary>
        public IReadOnlyList<JournalRecord> Commit(IReadOnlyList<JournalRecord> records, IReadOnlyList<IReadOnlyList<StoredDocument>> writes)
        {
            var held = records.Select((record, r) => record.WithContents(writes[r].Select(d => new JournalContent(new Dictionary<string, string>(), d.Content)).ToList())).ToList();
            _journal.AddRange(held);
            Commits++;
            return held;
        }

        /// <summary>How many writes the journal may put in place at once (1 unless a test asks for more).</summary>
        public int PlaceConcurrency { get; set; } = 1;

        public void Place(JournalRecord record, int index)
        {
            lock (_items)
            {
                Step();
                string path = record.Writes[index];
                byte[] content = record.Contents![index].Content;
                string? expected = record.ExpectedVersion(path);
                if (expected != null && Version(path) != expected && !(_items.TryGetValue(path, out byte[]? there) && there.AsSpan().SequenceEqual(content)))
                {
                    throw Changed(path);
                }
                bool create = record.Replaced != null && !record.Replaced.Contains(index);
                if (create && _items.TryGetValue(path, out byte[]? taken) && !record.IsWrite(index, taken))
                {
                    throw Changed(path); // another writer made it first
                }
                Put(path, content);
                _read.Remove(path);
            }
        }

        public bool Discard(JournalRecord record, int index) => false;

        public void Unplace(JournalRecord record, int index)
        {
            lock (_items)
            {
                Step();
                string path = record.Writes[index];
                if (_items.TryGetValue(path, out byte[]? now) && record.IsWrite(index, now))
                {
                    Remove(path);
                    _read.Remove(path);
                }
            }
        }

        public void Move(string from, string to, bool overwrite, string? expected)
        {
            lock (_items)
            {
                Step();
                if (expected != null && Version(from) != expected)
                {
                    throw Changed(from);
                }
                if (!overwrite && _items.ContainsKey(to))
                {
                    throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, FullName(to), $"'{FullName(to)}' exists.");
                }
                Put(to, _items[from]);
                Remove(from);
                _read.Remove(from);
                _read.Remove(to);
            }
        }

        public void Delete(string path, string? expected)
        {
            lock (_items)
            {
                Step();
                if (expected != null && _items.ContainsKey(path) && Version(path) != expected)
                {
                    throw Changed(path);
                }
                Remove(path);
                _read.Remove(path);
            }
        }

        public void Finish(JournalRecord record, string? rolledBackBy) => _journal.RemoveAll(r => r.Id == record.Id);

        private void Step()
        {
            _operations++;
            if (FailAfter.HasValue && FailAfter-- <= 0)
            {
                FailAfter = null;
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, Location, "The write was refused (injected).");
            }
            if (CrashAfter.HasValue && CrashAfter-- <= 0)
            {
                CrashAfter = null;
                _locked = false; // a dead process holds no lock
                throw new SimulatedCrash();
            }
            OtherWriter?.Invoke(this);
        }

        public void WriteSchema(byte[] content) => _items[SchemaPath] = content;

        public IReadOnlyList<string> ItemsToRepair(CancellationToken cancel) => NeedRepair.ToList();

        public string RepairReason(int count) => $"{count} item(s) need repair";

        public void RepairItem(string item, CancellationToken cancel)
        {
            if (RepairRefused.Contains(item))
            {
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, item, $"'{item}' could not be repaired (injected).");
            }
            NeedRepair.Remove(item);
        }

        public string RepairSummary(int count) => $"Repaired {count} item(s)";

        public MigrationLog CreateLog(DateTime localNow) => new MigrationLog(Location + "/migrate.log", new LineWriter(LogLines));

        public bool IsRemote => false;

        /// <summary>Every key under a type's prefix: <c>type/name.ext</c> is ungrouped, <c>type/group/name.ext</c> grouped (claims, results, outputs).</summary>
        public IReadOnlyDictionary<string, StoreListing> Items(IEnumerable<string> itemTypes, CancellationToken cancellationToken)
        {
            var listings = new Dictionary<string, StoreListing>(StringComparer.Ordinal);
            foreach (string type in itemTypes.Distinct())
            {
                string prefix = type + "/", ext = ItemTypes.Extension(type);
                var items = new List<StoreItem>();
                var groups = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (string key in _items.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    string[] parts = key.Substring(prefix.Length).Split('/');
                    string file = parts[parts.Length - 1];
                    string? group = parts.Length == 2 && ItemTypes.IsGrouped(type) ? parts[0] : null;
                    if (group != null)
                    {
                        groups[group] = FullName(prefix + group);
                    }
                    bool ungroupedItem = parts.Length == 1 && (!ItemTypes.IsGrouped(type) || type == ItemTypes.Claims);
                    if ((ungroupedItem || group != null) && (ext.Length == 0 || file.EndsWith(ext, StringComparison.Ordinal)))
                    {
                        items.Add(new StoreItem(type, group, file.Substring(0, file.Length - ext.Length), key, FullName(key), null));
                    }
                }
                listings[type] = new StoreListing(items, groups, Array.Empty<PorterStorageException>());
            }
            return listings;
        }

        /// <summary>A listed item's content, for verification and counting; not counted in <see cref="Reads"/>, which the planning checks use.</summary>
        public byte[] ReadItem(StoreItem item, CancellationToken cancellationToken) =>
            _items.TryGetValue(item.StorePath, out byte[]? content) ? content : ReadFile(item.StorePath);

        public string ItemLocation(string itemType, string? group, string name) =>
            FullName((itemType.Length == 0 ? string.Empty : itemType + "/") + (group == null ? string.Empty : group + "/") + name + ItemTypes.Extension(itemType));

        /// <summary>Memory has no shape or modes of its own to get wrong.</summary>
        public IEnumerable<StorageFinding> NativeFindings(IReadOnlyDictionary<string, StoreListing> listings, TimeSpan indexWait, CancellationToken cancellationToken) =>
            Array.Empty<StorageFinding>();

        /// <summary>What a killed process leaves behind: the exception stands for the kill.</summary>
        public sealed class SimulatedCrash : Exception
        {
        }

        private sealed class Releaser : IStoreLease
        {
            private Action? _release;

            public Releaser(string name, Action release)
            {
                Name = name;
                _release = release;
            }

            public string Name { get; }

            public TimeSpan? Duration => null;

            public bool Renew(CancellationToken cancellationToken) => true;

            public void Dispose()
            {
                _release?.Invoke();
                _release = null;
            }
        }

        private sealed class LineWriter : TextWriter
        {
            private readonly List<string> _lines;

            public LineWriter(List<string> lines) => _lines = lines;

            public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

            public override void WriteLine(string? value) => _lines.Add(value ?? string.Empty);
        }
    }
}
