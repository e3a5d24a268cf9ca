using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using PorterStorage.Core.Errors;
using PorterStorage.Core.IO;
using PorterStorage.Core.Json;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Migration
{
    /// <summary>An entry directly under a data folder of a store.</summary>
    public sealed class StoreEntry
    {
        public StoreEntry(string name, string relativePath, bool isFolder, bool isLink, string? itemName = null, bool isDocument = false)
        {
            Name = name;
            RelativePath = relativePath;
            IsFolder = isFolder;
            IsLink = isLink;
            ItemName = itemName ?? name;
            IsDocument = isDocument;
        }

        /// <summary>The file or folder name, with extension.</summary>
        public string Name { get; }

        /// <summary>The item's name in Porter's model (the file name without the store's document extension).</summary>
        public string ItemName { get; }

        /// <summary>A JSON document of the type (a <c>.json</c> file in a folder; any blob in a container).</summary>
        public bool IsDocument { get; }

        /// <summary>'/'-separated path in the store.</summary>
        public string RelativePath { get; }

        /// <summary>A folder; under claims/ a current-layout installation (in a container: the claims tagged with it).</summary>
        public bool IsFolder { get; }

        public bool IsLink { get; }
    }

    /// <summary>
    /// The PORTER_HOME side of the migration: reads legacy items and applies change sets so that a crash at any
    /// moment is either invisible (nothing committed) or finished by the next run. Each change set is staged under
    /// <c>.porterstorage/staging/&lt;id&gt;/</c>; writing <c>.porterstorage/journal/&lt;id&gt;.json</c> commits it; the
    /// staged files are then renamed into place and the deletions done. New files are 0600, new folders 0700.
    /// </summary>
    public sealed class FileSystemMigrationStore : IMigrationStore
    {
        public const string WorkFolderName = ".porterstorage";

        private readonly FileSystemPorterStore _reader;

        public FileSystemMigrationStore(string homePath)
        {
            HomePath = homePath;
            _reader = new FileSystemPorterStore(homePath);
        }

        public string HomePath { get; }

        public string Location => HomePath;

        private string WorkFolder => Path.Combine(HomePath, WorkFolderName);

        private string JournalFolder => Path.Combine(WorkFolder, "journal");

        private string StagingFolder => Path.Combine(WorkFolder, "staging");

        public IReadOnlyList<string> List(string itemType, string? group, System.Threading.CancellationToken cancellationToken = default) =>
            _reader.List(itemType, group, cancellationToken);

        public byte[]? Read(string itemType, string name, out string? location, System.Threading.CancellationToken cancellationToken = default) =>
            _reader.Read(itemType, name, out location, cancellationToken);

        public string FullPath(string relative) => Path.Combine(HomePath, relative.Replace('/', Path.DirectorySeparatorChar));

        public string Describe(string path) => FullPath(path);

        public string SchemaPath => "schema.json";

        public string SetPath(string itemType, string name) => itemType + "/" + name + ".json";

        public MigrationLog CreateLog(DateTime localNow) => MigrationLog.Create(HomePath, localNow);

        public PorterStorageVerification Verify(System.Threading.CancellationToken cancel) => StorageVerifier.Verify(HomePath, cancel);

        /// <summary>The entries directly under a data folder, sorted ordinally.</summary>
        public IReadOnlyList<StoreEntry> Entries(string folder)
        {
            string dir = Path.Combine(HomePath, folder);
            if (!Directory.Exists(dir))
            {
                return Array.Empty<StoreEntry>();
            }
            return new DirectoryInfo(dir).EnumerateFileSystemInfos()
                .OrderBy(i => i.Name, StringComparer.Ordinal)
                .Select(i => new StoreEntry(i.Name, folder + "/" + i.Name, i is DirectoryInfo, (i.Attributes & FileAttributes.ReparsePoint) != 0,
                    i is DirectoryInfo ? i.Name : Path.GetFileNameWithoutExtension(i.Name), i is FileInfo && i.Name.EndsWith(".json", StringComparison.Ordinal)))
                .ToList();
        }

        /// <summary>Reads a file; raises <c>DocumentTooLarge</c> or <c>FileUnreadable</c> naming it.</summary>
        public byte[] ReadFile(string relative)
        {
            string path = FullPath(relative);
            try
            {
                var info = new FileInfo(path);
                if (info.Length > LegacyClaim.MaxDocumentBytes)
                {
                    throw new PorterStorageException(ErrorIds.DocumentTooLarge, PorterErrorKind.InvalidData, path,
                        $"'{path}' is {info.Length} bytes, larger than any Porter document; it is left in place.");
                }
                return FileSystemExtras.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.FileUnreadable, PorterErrorKind.ReadError, path, $"'{path}' could not be read: {ex.Message}", ex);
            }
        }

        public DateTime ModifiedUtc(string relative) => File.GetLastWriteTimeUtc(FullPath(relative));

        public bool Exists(string relative) => File.Exists(FullPath(relative)) || Directory.Exists(FullPath(relative));

        /// <summary>(created, action) of each claim already in <c>claims/&lt;installation&gt;/</c>; unreadable ones are skipped.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> ExistingClaims(string installation)
        {
            var result = new List<KeyValuePair<string, string>>();
            string dir = Path.Combine(HomePath, ItemTypes.Claims, installation);
            if (!Directory.Exists(dir))
            {
                return result;
            }
            foreach (string file in Directory.EnumerateFiles(dir, "*.json"))
            {
                try
                {
                    using JsonDocument doc = JsonDocument.Parse(FileSystemExtras.ReadAllBytes(file));
                    string created = doc.RootElement.TryGetProperty("created", out JsonElement c) && c.ValueKind == JsonValueKind.String
                                     && GoTime.TryNormalize(c.GetString()!, out string n) ? n : string.Empty;
                    string action = doc.RootElement.TryGetProperty("action", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : string.Empty;
                    result.Add(new KeyValuePair<string, string>(created, action));
                }
                catch (Exception ex) when (ex is JsonException || ex is IOException || ex is UnauthorizedAccessException || ex is InvalidOperationException)
                {
                }
            }
            return result;
        }

        /// <summary>
        /// Takes the migration lock: an exclusive lock on <c>.porterstorage/lock</c> held while the returned object
        /// lives. The operating system releases it when a process dies, so a killed run never blocks the next one.
        /// Raises <c>MigrationInProgress</c>.
        /// </summary>
        public IDisposable Lock()
        {
            string path = Path.Combine(WorkFolder, "lock");
            FileStream stream;
            try
            {
                FileSystemExtras.CreatePrivateDirectory(WorkFolder);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, HomePath,
                    $"The home '{HomePath}' is not writable ({ex.Message}); nothing was changed.", ex);
            }
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                throw new PorterStorageException(ErrorIds.MigrationInProgress, PorterErrorKind.ResourceBusy, HomePath,
                    $"Another migration of '{HomePath}' is running (lock '{path}').", ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, path,
                    $"The lock '{path}' cannot be written ({ex.Message}); nothing was changed.", ex);
            }
            UnixPermissions.SetModeIfSupported(path, 0x180);
            stream.SetLength(0);
            byte[] owner = Encoding.UTF8.GetBytes($"pid {System.Diagnostics.Process.GetCurrentProcess().Id} since {DateTime.UtcNow:o}\n");
            stream.Write(owner, 0, owner.Length);
            stream.Flush();
            return new LockHandle(stream, path, this);
        }

        /// <summary>Change sets committed by a run that was interrupted (journal entries not yet cleared).</summary>
        public IReadOnlyList<string> PendingJournals() =>
            Directory.Exists(JournalFolder)
                ? Directory.EnumerateFiles(JournalFolder, "*.json").Select(Path.GetFileNameWithoutExtension).OrderBy(n => n, StringComparer.Ordinal).ToList()!
                : (IReadOnlyList<string>)Array.Empty<string>();

        /// <summary>
        /// Finishes every committed change set of an interrupted run and discards staged but uncommitted ones.
        /// Returns the descriptions of the change sets it finished.
        /// </summary>
        public IReadOnlyList<string> Recover()
        {
            var finished = new List<string>();
            foreach (string id in PendingJournals())
            {
                finished.Add(RollForward(id));
            }
            if (Directory.Exists(JournalFolder))
            {
                foreach (string tmp in Directory.EnumerateFiles(JournalFolder, "*.tmp"))
                {
                    File.Delete(tmp);
                }
            }
            if (Directory.Exists(StagingFolder))
            {
                foreach (string dir in Directory.EnumerateDirectories(StagingFolder))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
            return finished;
        }

        /// <summary>Applies a change set: stage, commit (journal), move into place, delete, clear.</summary>
        public void Apply(ChangeSet changes) => RollForward(Commit(changes));

        /// <summary>Stages a change set and writes its journal record (the commit point); returns its id.</summary>
        internal string Commit(ChangeSet changes)
        {
            string id = DateTime.UtcNow.ToString("yyyyMMddHHmmssfffffff", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string stage = Path.Combine(StagingFolder, id);
            try
            {
                FileSystemExtras.CreatePrivateDirectory(stage);
                foreach (StoredDocument doc in changes.Writes)
                {
                    string staged = Path.Combine(stage, doc.FileSystemPath.Replace('/', Path.DirectorySeparatorChar));
                    FileSystemExtras.CreatePrivateDirectory(Path.GetDirectoryName(staged)!);
                    using FileStream fs = FileSystemExtras.CreateNewPrivate(staged);
                    fs.Write(doc.Content, 0, doc.Content.Length);
                }

                var journal = new GoJsonWriter(indented: true).StartObject().Property("description", changes.Description).Name("writes").StartArray();
                foreach (StoredDocument doc in changes.Writes)
                {
                    journal.String(doc.FileSystemPath);
                }
                journal.EndArray().Name("renames").StartArray();
                foreach (KeyValuePair<string, string> r in changes.Renames)
                {
                    journal.StartArray().String(r.Key).String(r.Value).EndArray();
                }
                journal.EndArray().Name("deletes").StartArray();
                foreach (string d in changes.Deletes)
                {
                    journal.String(d);
                }
                journal.EndArray().EndObject();

                FileSystemExtras.CreatePrivateDirectory(JournalFolder);
                string record = Path.Combine(JournalFolder, id + ".json");
                string tmp = record + ".tmp";
                using (FileStream fs = FileSystemExtras.CreateNewPrivate(tmp))
                {
                    byte[] bytes = journal.ToUtf8();
                    fs.Write(bytes, 0, bytes.Length);
                    fs.Flush(true);
                }
                File.Move(tmp, record); // the commit point
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                if (Directory.Exists(stage))
                {
                    Directory.Delete(stage, recursive: true);
                }
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, HomePath,
                    $"The changes for {changes.Description} could not be staged in '{HomePath}': {ex.Message}. Nothing of them was applied.", ex);
            }
            return id;
        }

        private string RollForward(string id)
        {
            string record = Path.Combine(JournalFolder, id + ".json");
            string stage = Path.Combine(StagingFolder, id);
            using (JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(record)))
            {
                JsonElement root = doc.RootElement;
                try
                {
                    foreach (JsonElement w in root.GetProperty("writes").EnumerateArray())
                    {
                        string rel = w.GetString()!;
                        string staged = Path.Combine(stage, rel.Replace('/', Path.DirectorySeparatorChar));
                        if (!File.Exists(staged))
                        {
                            continue; // moved before the interruption
                        }
                        string target = FullPath(rel);
                        FileSystemExtras.CreatePrivateDirectory(Path.GetDirectoryName(target)!);
                        FileSystemExtras.MoveFile(staged, target, overwrite: true);
                    }
                    foreach (JsonElement r in root.GetProperty("renames").EnumerateArray())
                    {
                        string from = FullPath(r[0].GetString()!), to = FullPath(r[1].GetString()!);
                        if (File.Exists(from))
                        {
                            FileSystemExtras.MoveFile(from, to, overwrite: true);
                            UnixPermissions.SetModeIfSupported(to, 0x180);
                        }
                    }
                    foreach (JsonElement d in root.GetProperty("deletes").EnumerateArray())
                    {
                        string path = FullPath(d.GetString()!);
                        if (File.Exists(path))
                        {
                            File.Delete(path);
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, HomePath,
                        $"The committed changes for {root.GetProperty("description").GetString()} could not be completed in '{HomePath}': {ex.Message}. The next run completes them.", ex);
                }
                string description = root.GetProperty("description").GetString()!;
                File.Delete(record);
                if (Directory.Exists(stage))
                {
                    Directory.Delete(stage, recursive: true);
                }
                return description;
            }
        }

        /// <summary>The config file and every file under claims, outputs, credentials and parameters with mode bits beyond 0600 ('/'-separated).</summary>
        public IReadOnlyList<string> ItemsToRepair(CancellationToken cancel = default)
        {
            var result = new List<string>();
            if (!UnixPermissions.CanRead)
            {
                return result;
            }
            string? config = Config.PorterConfigReader.FindConfigFile(HomePath, out _, out _);
            var candidates = new List<string>();
            if (config != null)
            {
                candidates.Add(config);
            }
            foreach (string folder in new[] { ItemTypes.Claims, ItemTypes.Outputs, ItemTypes.Credentials, ItemTypes.Parameters })
            {
                string dir = Path.Combine(HomePath, folder);
                if (Directory.Exists(dir))
                {
                    candidates.AddRange(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories));
                }
            }
            foreach (string file in candidates.OrderBy(f => f, StringComparer.Ordinal))
            {
                int? mode = UnixPermissions.TryGetMode(file);
                if (mode.HasValue && (mode.Value & 0x1FF & ~0x180) != 0 && (new FileInfo(file).Attributes & FileAttributes.ReparsePoint) == 0)
                {
                    result.Add(file.Substring(HomePath.Length + 1).Replace(Path.DirectorySeparatorChar, '/'));
                }
            }
            return result;
        }

        public string RepairReason(int count) => $"{count} file(s) have modes beyond 0600, which Porter v0.38.7+ refuses; they are set to 0600";

        /// <summary>Sets those files to 0600 (as 'porter storage fix-permissions' does).</summary>
        public string Repair(CancellationToken cancel = default)
        {
            IReadOnlyList<string> files = ItemsToRepair(cancel);
            foreach (string rel in files)
            {
                UnixPermissions.SetModeIfSupported(FullPath(rel), 0x180);
            }
            return $"Set {files.Count} file(s) to mode 0600 for Porter v0.38.7+";
        }

        /// <summary>Writes schema.json (compact, no newline, 0600) by rename, so it is never half written.</summary>
        public void WriteSchema(byte[] content)
        {
            string target = Path.Combine(HomePath, "schema.json");
            string tmp = Path.Combine(HomePath, ".schema.json." + Guid.NewGuid().ToString("N").Substring(0, 8));
            try
            {
                using (FileStream fs = FileSystemExtras.CreateNewPrivate(tmp))
                {
                    fs.Write(content, 0, content.Length);
                    fs.Flush(true);
                }
                FileSystemExtras.MoveFile(tmp, target, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                if (File.Exists(tmp))
                {
                    File.Delete(tmp);
                }
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, target,
                    $"'{target}' could not be written: {ex.Message}", ex);
            }
        }

        private void RemoveWorkFolderIfEmpty()
        {
            foreach (string dir in new[] { JournalFolder, StagingFolder, WorkFolder })
            {
                if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                {
                    Directory.Delete(dir);
                }
            }
        }

        private sealed class LockHandle : IDisposable
        {
            private readonly FileStream _stream;
            private readonly string _path;
            private readonly FileSystemMigrationStore _store;

            public LockHandle(FileStream stream, string path, FileSystemMigrationStore store)
            {
                _stream = stream;
                _path = path;
                _store = store;
            }

            public void Dispose()
            {
                File.Delete(_path);
                _stream.Dispose();
                _store.RemoveWorkFolderIfEmpty();
            }
        }
    }
}
