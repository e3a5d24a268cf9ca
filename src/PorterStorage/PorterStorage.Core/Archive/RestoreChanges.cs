using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PorterStorage.Core.Archive
{
    /// <summary>
    /// What a restore with -Force changes to make a container or a table equal to its backup, item by item (a blob by its name,
    /// an entity by its key), both sides described as backup entries: an item only the backup holds is added, one both hold but not
    /// alike (content, metadata, index tags or content headers) is replaced, one only the store holds is removed, the rest is left
    /// as it is. The one rule of "equal" for both restores.
    /// </summary>
    public sealed class RestoreChanges
    {
        private RestoreChanges(IReadOnlyList<BackupEntry> added, IReadOnlyList<BackupEntry> replaced, IReadOnlyList<BackupEntry> removed, int unchanged)
        {
            Added = added;
            Replaced = replaced;
            Removed = removed;
            Unchanged = unchanged;
        }

        /// <summary>The backup's entries of items the store does not hold.</summary>
        public IReadOnlyList<BackupEntry> Added { get; }

        /// <summary>The backup's entries of items the store holds otherwise.</summary>
        public IReadOnlyList<BackupEntry> Replaced { get; }

        /// <summary>The store's entries of items the backup does not hold.</summary>
        public IReadOnlyList<BackupEntry> Removed { get; }

        /// <summary>How many items the store already holds as backed up.</summary>
        public int Unchanged { get; }

        /// <summary>True when the restore overwrites or removes something: the store's state is then saved first.</summary>
        public bool ChangesStoredItems => Replaced.Count > 0 || Removed.Count > 0;

        /// <summary>The names of the items to write (added and replaced).</summary>
        public ISet<string> ToWrite() => new HashSet<string>(Added.Concat(Replaced).Select(e => e.Path), StringComparer.Ordinal);

        /// <summary>Compares the backup's files with the store's items (files only; names compared ordinally, as both services do).</summary>
        public static RestoreChanges Compare(IEnumerable<BackupEntry> backup, IEnumerable<BackupEntry> store)
        {
            Dictionary<string, BackupEntry> held = store.Where(e => e.Type == BackupEntryType.File).ToDictionary(e => e.Path, StringComparer.Ordinal);
            var wanted = new HashSet<string>(StringComparer.Ordinal);
            var added = new List<BackupEntry>();
            var replaced = new List<BackupEntry>();
            int unchanged = 0;
            foreach (BackupEntry e in backup.Where(e => e.Type == BackupEntryType.File))
            {
                wanted.Add(e.Path);
                if (!held.TryGetValue(e.Path, out BackupEntry? now))
                {
                    added.Add(e);
                }
                else if (Same(e, now))
                {
                    unchanged++;
                }
                else
                {
                    replaced.Add(e);
                }
            }
            List<BackupEntry> removed = held.Values.Where(e => !wanted.Contains(e.Path)).OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
            return new RestoreChanges(added, replaced, removed, unchanged);
        }

        /// <summary>
        /// Whether two entries describe the same item: size, SHA-256, metadata, index tags and content headers. A stored
        /// <c>ContentMD5</c> header is left out: the service may compute one where the backed-up blob had none, and the SHA-256
        /// already speaks for the content.
        /// </summary>
        public static bool Same(BackupEntry a, BackupEntry b) =>
            a.Size == b.Size
            && string.Equals(a.Sha256, b.Sha256, StringComparison.OrdinalIgnoreCase)
            && SameMap(a.Metadata, b.Metadata, null)
            && SameMap(a.Tags, b.Tags, null)
            && SameMap(a.Headers, b.Headers, "ContentMD5");

        private static bool SameMap(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b, string? ignored)
        {
            IEnumerable<KeyValuePair<string, string>> Kept(IReadOnlyDictionary<string, string>? m) =>
                (m ?? new Dictionary<string, string>()).Where(kv => kv.Key != ignored).OrderBy(kv => kv.Key, StringComparer.Ordinal);
            return Kept(a).SequenceEqual(Kept(b));
        }

        /// <summary>The ShouldProcess action of a restore: what it writes, replaces and removes, in <paramref name="items"/> (blobs, entities).</summary>
        public string Describe(string archivePath, string items)
        {
            string action = $"Restore the {items} of '{archivePath}': write {Added.Count + Replaced.Count} (replacing {Replaced.Count}), remove {Removed.Count}, leave {Unchanged} as they are";
            return ChangesStoredItems ? action + "; what it holds now is saved first to a pre-restore backup beside the archive" : action;
        }

        /// <summary>
        /// Saves the store's state before a restore changes it: <paramref name="write"/> writes a backup of the store to the path given
        /// (<see cref="PreRestorePath"/>, 0600, verified by the archive machinery as every backup is). One that does not verify is
        /// removed and raises <c>BackupWriteError</c>, so nothing is changed without a good copy. Returns its path.
        /// </summary>
        internal static string SaveFirst(string archivePath, DateTime nowUtc, Func<string, PorterBackup> write)
        {
            string path = PreRestorePath(archivePath, nowUtc);
            PorterBackup saved = write(path);
            if (!saved.Verified)
            {
                File.Delete(path);
                throw new PorterStorageException(ErrorIds.BackupWriteError, PorterErrorKind.WriteError, path,
                    $"The pre-restore backup '{path}' did not verify, so nothing was restored: the store is as it was. Restore again.");
            }
            return path;
        }

        /// <summary>
        /// Where the store's state is saved before a restore changes it: beside the restored archive, its name without the extension
        /// and <c>.pre-restore-yyyyMMddHHmmss</c> (UTC) and <c>.tar.gz</c>, numbered <c>-2</c>, <c>-3</c>… when one of that second exists.
        /// </summary>
        public static string PreRestorePath(string archivePath, DateTime nowUtc)
        {
            string folder = Path.GetDirectoryName(Path.GetFullPath(archivePath))!;
            string name = Path.GetFileName(archivePath);
            foreach (string extension in new[] { ".tar.gz", ".tgz", ".zip" })
            {
                if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
                {
                    name = name.Substring(0, name.Length - extension.Length);
                    break;
                }
            }
            string stem = Path.Combine(folder, name + ".pre-restore-" + nowUtc.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
            string candidate = stem + ".tar.gz";
            for (int n = 2; File.Exists(candidate) || Directory.Exists(candidate); n++)
            {
                candidate = stem + "-" + n.ToString(CultureInfo.InvariantCulture) + ".tar.gz";
            }
            return candidate;
        }
    }
}
