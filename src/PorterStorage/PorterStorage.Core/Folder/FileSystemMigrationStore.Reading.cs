using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Linq;

namespace PorterStorage.Core.Folder
{
    /// <summary>The folder store's reading side: Porter's filesystem store (crud FileSystemStore, format §2.3) over a PORTER_HOME folder.</summary>
    public sealed partial class FileSystemMigrationStore
    {
        public bool IsRemote => false;

        public string Location => HomePath;

        /// <inheritdoc />
        public IReadOnlyList<string> List(string itemType, string? group, CancellationToken cancellationToken = default)
        {
            string folder = string.IsNullOrEmpty(group) ? Path.Combine(HomePath, itemType) : Path.Combine(HomePath, itemType, group);
            var names = new List<string>();
            if (!Directory.Exists(folder))
            {
                return names;
            }

            string ext = ItemTypes.Extension(itemType);
            foreach (FileSystemInfo entry in ListFolder(folder))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string name = entry.Name;
                if (entry is DirectoryInfo)
                {
                    names.Add(name);
                }
                else if (ext.Length == 0)
                {
                    names.Add(name);
                }
                else if (name.EndsWith(ext, StringComparison.Ordinal))
                {
                    names.Add(name.Substring(0, name.Length - ext.Length));
                }
            }
            names.Sort(StringComparer.Ordinal);
            return names;
        }

        /// <inheritdoc />
        public byte[]? Read(string itemType, string name, out string? location, CancellationToken cancellationToken = default)
        {
            location = Locate(itemType, name);
            if (location == null)
            {
                return null;
            }
            try
            {
                return _readIO.ReadAllBytes(location);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, location, IOOperation.Read);
            }
        }

        /// <summary>
        /// Porter's Read lookup: <c>type/name.ext</c>, else the glob <c>type/*/name.ext</c>; more than one
        /// glob match is an error, as in Porter.
        /// </summary>
        public string? Locate(string itemType, string name)
        {
            string ext = ItemTypes.Extension(itemType);
            string typeFolder = itemType.Length == 0 ? HomePath : Path.Combine(HomePath, itemType);
            string direct = Path.Combine(typeFolder, name + ext);
            if (File.Exists(direct))
            {
                return direct;
            }
            if (!Directory.Exists(typeFolder))
            {
                return null;
            }

            string? match = null;
            foreach (FileSystemInfo sub in ListFolder(typeFolder).Where(e => e is DirectoryInfo))
            {
                string candidate = Path.Combine(sub.FullName, name + ext);
                if (!File.Exists(candidate))
                {
                    continue;
                }
                if (match != null)
                {
                    throw new PorterStorageException(ErrorIds.StoreAmbiguousItem, PorterErrorKind.InvalidData, candidate,
                        $"More than one file matched {(itemType.Length == 0 ? "the root" : itemType)} item '{name}': '{match}' and '{candidate}'.");
                }
                match = candidate;
            }
            return match;
        }

        /// <inheritdoc />
        public IReadOnlyDictionary<string, StoreListing> Items(IEnumerable<string> itemTypes, CancellationToken cancellationToken) =>
            itemTypes.Distinct(StringComparer.Ordinal).ToDictionary(t => t, t => ItemsOf(t, cancellationToken), StringComparer.Ordinal);

        private StoreListing ItemsOf(string itemType, CancellationToken cancellationToken)
        {
            string folder = Path.Combine(HomePath, itemType);
            if (!Directory.Exists(folder))
            {
                return StoreListing.Empty;
            }
            var items = new List<StoreItem>();
            var groups = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var unlisted = new List<PorterStorageException>();
            string ext = ItemTypes.Extension(itemType);
            void AddFiles(IEnumerable<FileSystemInfo> entries, string? group)
            {
                foreach (FileSystemInfo e in entries)
                {
                    if (e is FileInfo && (ext.Length == 0 || e.Name.EndsWith(ext, StringComparison.Ordinal)))
                    {
                        string path = group == null ? itemType + "/" + e.Name : itemType + "/" + group + "/" + e.Name;
                        items.Add(new StoreItem(itemType, group, e.Name.Substring(0, e.Name.Length - ext.Length), path, e.FullName, null));
                    }
                }
            }
            List<FileSystemInfo> top = TryList(folder, unlisted);
            // A file directly under claims/ is a legacy claim; directly under results/ or outputs/, Porter lists nothing.
            if (!ItemTypes.IsGrouped(itemType) || itemType == ItemTypes.Claims)
            {
                AddFiles(top, null);
            }
            if (ItemTypes.IsGrouped(itemType))
            {
                foreach (FileSystemInfo dir in top.Where(e => e is DirectoryInfo))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    groups[dir.Name] = dir.FullName;
                    AddFiles(TryList(dir.FullName, unlisted), dir.Name);
                }
            }
            items.Sort((a, b) => StringComparer.Ordinal.Compare(a.StorePath, b.StorePath));
            return new StoreListing(items, groups, unlisted);
        }

        /// <summary>
        /// Credential sets that exist only as YAML (<c>credentials/&lt;name&gt;.yaml</c> with no <c>.json</c> beside it), from Porter
        /// ≤ v0.22: legacy items the migration converts, which Porter v0.28+ ignores. Full paths, sorted.
        /// </summary>
        public IReadOnlyList<string> YamlOnlyCredentialSets() =>
            YamlOnlySets(ItemTypes.Credentials).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal)).ToList();

        /// <summary>The extensions of a set written as YAML (Porter ≤ v0.22 wrote <c>.yaml</c>; <c>.yml</c> is the same to a reader).</summary>
        private static readonly string[] YamlExtensions = { ".yaml", ".yml" };

        /// <summary>
        /// The sets of a set folder (credentials, parameters) that exist only as YAML: <c>&lt;name&gt;.yaml</c> or <c>.yml</c> with no
        /// <c>&lt;name&gt;.json</c> beside it. Porter v0.28+ reads only the JSON, so it never sees them. Full paths, sorted; a folder
        /// that cannot be listed holds none here (it is reported where it is listed).
        /// </summary>
        public IReadOnlyList<string> YamlOnlySets(string itemType)
        {
            string folder = Path.Combine(HomePath, itemType);
            if (!Directory.Exists(folder))
            {
                return Array.Empty<string>();
            }
            var unlisted = new List<PorterStorageException>();
            List<FileSystemInfo> entries = TryList(folder, unlisted);
            var json = new HashSet<string>(entries.Where(e => e is FileInfo).Select(e => e.Name), StringComparer.Ordinal);
            return entries
                .Where(e => e is FileInfo)
                .Select(e => (File: e.FullName, Extension: YamlExtensions.FirstOrDefault(x => e.Name.EndsWith(x, StringComparison.Ordinal)), e.Name))
                .Where(e => e.Extension != null && !json.Contains(e.Name.Substring(0, e.Name.Length - e.Extension.Length) + ".json"))
                .Select(e => e.File)
                .ToList();
        }

        /// <inheritdoc />
        public byte[] ReadItem(StoreItem item, CancellationToken cancellationToken)
        {
            try
            {
                return _readIO.ReadAllBytes(item.Location);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, item.Location, IOOperation.Read);
            }
        }

        /// <inheritdoc />
        public string ItemLocation(string itemType, string? group, string name)
        {
            string file = name + ItemTypes.Extension(itemType);
            return group == null ? Path.Combine(HomePath, itemType, file) : Path.Combine(HomePath, itemType, group, file);
        }

        /// <summary>
        /// The home's shape (Porter fails on a data folder that is a file and on <c>schema.json</c> that is a folder) and the modes
        /// of the config file and every file of the checked data folders (Porter v0.38.7+ refuses bits beyond 0600). A folder the
        /// listings could not list is not reported again.
        /// </summary>
        public IEnumerable<StorageFinding> NativeFindings(IReadOnlyDictionary<string, StoreListing> listings, TimeSpan indexWait, CancellationToken cancellationToken)
        {
            var findings = new List<StorageFinding>();
            foreach (string folder in ItemTypes.DataFolders)
            {
                string path = Path.Combine(HomePath, folder);
                if (File.Exists(path))
                {
                    findings.Add(new StorageFinding(FindingSeverity.Error, ErrorIds.PathNotFolder, path, $"'{path}' is a file where Porter keeps a folder."));
                }
            }
            string schema = Path.Combine(HomePath, SchemaVersions.FileName);
            if (Directory.Exists(schema))
            {
                findings.Add(new StorageFinding(FindingSeverity.Error, ErrorIds.PathNotFile, schema, $"'{schema}' is a folder where Porter keeps a file."));
            }
            // Only a folder holds YAML sets (Porter ≤ v0.22 had no other store); Porter v0.28+ works without them, so a warning.
            foreach (string type in new[] { ItemTypes.Credentials, ItemTypes.Parameters })
            {
                foreach (string file in YamlOnlySets(type))
                {
                    findings.Add(new StorageFinding(FindingSeverity.Warning, FindingCodes.YamlOnlySet, file, YamlOnlySetMessage(type, file)));
                }
            }
            if (!UnixPermissions.CanRead)
            {
                return findings;
            }
            var reported = new HashSet<string>(listings.Values.SelectMany(l => l.Unlisted).Select(u => u.Target ?? string.Empty), StringComparer.Ordinal);
            var files = new List<string>();
            if (_configFile != null)
            {
                files.Add(_configFile);
            }
            void Walk(string dir, List<string> into)
            {
                var unlisted = new List<PorterStorageException>();
                foreach (FileSystemInfo e in TryList(dir, unlisted))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (e is DirectoryInfo)
                    {
                        if ((e.Attributes & FileAttributes.ReparsePoint) == 0)
                        {
                            Walk(e.FullName, into);
                        }
                    }
                    else
                    {
                        into.Add(e.FullName);
                    }
                }
                foreach (PorterStorageException u in unlisted.Where(u => reported.Add(u.Target ?? string.Empty)))
                {
                    findings.Add(new StorageFinding(FindingSeverity.Error, u.ErrorId, u.Target ?? dir, u.Message));
                }
            }
            foreach (string folder in ItemTypes.ModeChecked)
            {
                string dir = Path.Combine(HomePath, folder);
                if (Directory.Exists(dir))
                {
                    var tree = new List<string>();
                    Walk(dir, tree);
                    files.AddRange(tree.OrderBy(f => f, StringComparer.Ordinal));
                }
            }
            foreach (string file in files)
            {
                int? mode = PorterFileModes.ModeBeyondPrivate(file, followLinks: true);
                if (mode.HasValue)
                {
                    findings.Add(new StorageFinding(FindingSeverity.Error, FindingCodes.FilePermissions, file, PorterFileModes.Refusal(file, mode.Value)));
                }
            }
            return findings;
        }

        private static string YamlOnlySetMessage(string itemType, string file) =>
            $"The {(itemType == ItemTypes.Credentials ? "credential" : "parameter")} set '{file}' exists only as YAML; Porter v0.28+ reads only JSON and will not see it"
            + (itemType == ItemTypes.Credentials && file.EndsWith(".yaml", StringComparison.Ordinal)
                ? " (Invoke-PorterStorageMigration converts it, or names why it cannot)."
                : " (convert it to JSON by hand).");

        /// <summary>A folder's entries, sorted; one that cannot be listed is added to <paramref name="unlisted"/> and taken as empty.</summary>
        private List<FileSystemInfo> TryList(string folder, List<PorterStorageException> unlisted)
        {
            try
            {
                return _readIO.List(folder).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                unlisted.Add(IOErrors.Map(ex, folder, IOOperation.List, "What it holds was not checked."));
                return new List<FileSystemInfo>();
            }
        }

        /// <summary>A folder's entries, sorted; a folder that cannot be listed is <c>AccessDenied</c> or <c>StoreReadError</c> naming it.</summary>
        private List<FileSystemInfo> ListFolder(string folder)
        {
            try
            {
                return _readIO.List(folder).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, folder, IOOperation.List);
            }
        }
    }
}
