using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Json;
using PorterStorage.Core.Migration;
using PorterStorage.Core.Storage;

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
        private readonly SortedDictionary<string, byte[]> _items = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        private readonly List<ChangeSet> _journal = new List<ChangeSet>();
        private int _operations;
        private bool _locked;

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

        /// <summary>Paths <see cref="ItemsToRepair"/> reports, and <see cref="Repair"/> clears.</summary>
        public List<string> NeedRepair { get; } = new List<string>();

        public IReadOnlyDictionary<string, byte[]> Contents => _items;

        /// <summary>The copy the last session with a destination made of this store.</summary>
        public InMemoryMigrationStore? LastCopy { get; private set; }

        public void Put(string path, string content) => _items[path] = System.Text.Encoding.UTF8.GetBytes(content);

        public void Put(string path, byte[] content) => _items[path] = content;

        public void Remove(string path) => _items.Remove(path);

        public string Text(string path) => System.Text.Encoding.UTF8.GetString(_items[path]);

        /// <summary>A copy of every item under <paramref name="location"/>.</summary>
        public InMemoryMigrationStore Clone(string location)
        {
            var copy = new InMemoryMigrationStore(location);
            foreach (KeyValuePair<string, byte[]> item in _items)
            {
                copy._items[item.Key] = (byte[])item.Value.Clone();
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

        public string BackupKind => PorterStorage.Core.Backup.BackupKinds.Home;

        public IStoreCopy CopyTo(object destination) => StoreCopies.To<string>(destination, location => new StoreCopy(location, path => location + "/" + path, (_, _) =>
        {
            LastCopy = Clone(location);
            return LastCopy;
        }));

        public PorterStorage.Core.Azure.RequestCounter? Requests => null;

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
            if (!_items.TryGetValue(path, out byte[]? content))
            {
                throw new PorterStorageException(ErrorIds.FileUnreadable, PorterErrorKind.ReadError, FullName(path), $"'{FullName(path)}' does not exist.");
            }
            return content;
        }

        public DateTime ModifiedUtc(string path) => new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

        public bool Exists(string path) => _items.ContainsKey(path) || _items.Keys.Any(k => k.StartsWith(path + "/", StringComparison.Ordinal));

        public StoreNameLimits NameLimits => StoreNameLimits.Folder;

        public string StorePath(StoredDocument document) => document.FileSystemPath;

        public string SetPath(string itemType, string name) => itemType + "/" + name + ".json";

        public IEnumerable<byte[]> CurrentClaims(string installation)
        {
            string prefix = ItemTypes.Claims + "/" + installation + "/";
            return _items.Where(i => i.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(i => i.Value).ToList();
        }

        public IDisposable Lock()
        {
            if (_locked)
            {
                throw new PorterStorageException(ErrorIds.MigrationInProgress, PorterErrorKind.ResourceBusy, Location, $"Another migration of '{Location}' is running.");
            }
            _locked = true;
            return new Releaser(() => _locked = false);
        }

        public IReadOnlyList<string> PendingJournals() => _journal.Select(c => c.Description).ToList();

        public IReadOnlyList<RecoveredChange> Recover()
        {
            var result = new List<RecoveredChange>();
            foreach (ChangeSet changes in _journal.ToList())
            {
                Complete(changes);
                result.Add(new RecoveredChange(changes.Description, null, null));
            }
            return result;
        }

        public void Apply(ChangeSet changes)
        {
            _journal.Add(changes); // the commit point
            Complete(changes);
        }

        private void Complete(ChangeSet changes)
        {
            foreach (StoredDocument doc in changes.Writes)
            {
                Step();
                _items[doc.FileSystemPath] = doc.Content;
            }
            foreach (KeyValuePair<string, string> rename in changes.Renames)
            {
                Step();
                if (_items.TryGetValue(rename.Key, out byte[]? content))
                {
                    _items.Remove(rename.Key);
                    _items[rename.Value] = content;
                }
            }
            foreach (string delete in changes.Deletes)
            {
                Step();
                _items.Remove(delete);
            }
            _journal.Remove(changes);
        }

        private void Step()
        {
            _operations++;
            if (CrashAfter.HasValue && CrashAfter-- <= 0)
            {
                CrashAfter = null;
                _locked = false; // a dead process holds no lock
                throw new SimulatedCrash();
            }
        }

        public void WriteSchema(byte[] content) => _items[SchemaPath] = content;

        public IReadOnlyList<string> ItemsToRepair(CancellationToken cancel) => NeedRepair.ToList();

        public string RepairReason(int count) => $"{count} item(s) need repair";

        public string Repair(CancellationToken cancel)
        {
            int count = NeedRepair.Count;
            NeedRepair.Clear();
            return $"Repaired {count} item(s)";
        }

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
        public IEnumerable<StorageFinding> NativeFindings(IReadOnlyDictionary<string, StoreListing> listings, CancellationToken cancellationToken) =>
            Array.Empty<StorageFinding>();

        /// <summary>What a killed process leaves behind: the exception stands for the kill.</summary>
        public sealed class SimulatedCrash : Exception
        {
        }

        private sealed class Releaser : IDisposable
        {
            private Action? _release;

            public Releaser(Action release) => _release = release;

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
