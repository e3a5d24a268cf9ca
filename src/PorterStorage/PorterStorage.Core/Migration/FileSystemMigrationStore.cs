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
    /// moment is either invisible (nothing committed) or finished by the next run. Each change set is staged as
    /// <c>.porterstorage/staging/&lt;id&gt;-&lt;n&gt;</c>; writing <c>.porterstorage/journal/&lt;id&gt;.json</c> commits it; the
    /// staged files are then renamed into place and the deletions done. New files are 0600, new folders 0700.
    /// </summary>
    public sealed class FileSystemMigrationStore : IMigrationStore
    {
        public const string WorkFolderName = ".porterstorage";

        private readonly FileSystemPorterStore _reader;

        /// <summary>Target folders known to exist in this run.</summary>
        private readonly HashSet<string> _folders = new HashSet<string>(StringComparer.Ordinal);

        private FileStream? _journal;

        public FileSystemMigrationStore(string homePath)
        {
            HomePath = homePath;
            _reader = new FileSystemPorterStore(homePath);
        }

        public string HomePath { get; }

        public string Location => HomePath;

        private string WorkFolder => Path.Combine(HomePath, WorkFolderName);

        private string JournalPath => Path.Combine(WorkFolder, "journal.log");

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
                    using JsonDocument doc = JsonDocument.Parse(FileSystemExtras.ReadAllBytes(file), GoJson.DocumentOptions);
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

        /// <summary>Change sets committed by a run that was interrupted (committed in the journal, never marked done).</summary>
        public IReadOnlyList<string> PendingJournals() => ReadPending().Select(r => r.Id).ToList();

        /// <summary>
        /// Finishes every committed change set of an interrupted run and discards staged but uncommitted ones.
        /// Returns the descriptions of the change sets it finished.
        /// </summary>
        public IReadOnlyList<string> Recover()
        {
            var finished = new List<string>();
            foreach (JournalRecord record in ReadPending())
            {
                RollForward(record);
                finished.Add(record.Description);
            }
            CloseJournal();
            if (File.Exists(JournalPath))
            {
                File.Delete(JournalPath);
            }
            if (Directory.Exists(StagingFolder))
            {
                // What is left here was staged but never committed (folders: the per-set layout of earlier builds).
                foreach (string file in Directory.EnumerateFiles(StagingFolder))
                {
                    File.Delete(file);
                }
                foreach (string dir in Directory.EnumerateDirectories(StagingFolder))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
            return finished;
        }

        /// <summary>Applies a change set: stage, commit (journal), move into place, delete, mark done.</summary>
        public void Apply(ChangeSet changes)
        {
            JournalRecord record = Commit(changes);
            RollForward(record);
            AppendJournal(new GoJsonWriter(indented: false).StartObject().Property("done", record.Id).EndObject().ToUtf8(), durable: false);
        }

        /// <summary>
        /// Stages a change set and appends its record to the journal, flushed to disk (the commit point). One append-only
        /// journal file per run, not one file per change set: creating and deleting files is what costs most here.
        /// </summary>
        internal JournalRecord Commit(ChangeSet changes)
        {
            var record = new JournalRecord(
                DateTime.UtcNow.ToString("yyyyMMddHHmmssfffffff", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8),
                changes.Description, changes.Writes.Select(d => d.FileSystemPath).ToList(), changes.Renames, changes.Deletes);
            try
            {
                // Staged files lie flat in one folder (<id>-<n>): creating folders is costly too.
                FileSystemExtras.CreatePrivateDirectory(StagingFolder);
                for (int i = 0; i < changes.Writes.Count; i++)
                {
                    using FileStream fs = FileSystemExtras.CreateNewPrivate(StagedPath(record.Id, i));
                    fs.Write(changes.Writes[i].Content, 0, changes.Writes[i].Content.Length);
                }
                AppendJournal(record.ToJson(), durable: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                DeleteStaged(record.Id, changes.Writes.Count);
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, HomePath,
                    $"The changes for {changes.Description} could not be staged in '{HomePath}': {ex.Message}. Nothing of them was applied.", ex);
            }
            return record;
        }

        /// <summary>Moves the staged files into place, renames, deletes. Each step is skipped when already done, so a replay is harmless.</summary>
        private void RollForward(JournalRecord record)
        {
            try
            {
                for (int i = 0; i < record.Writes.Count; i++)
                {
                    string staged = StagedPath(record.Id, i);
                    if (!File.Exists(staged))
                    {
                        continue; // moved before the interruption
                    }
                    string target = FullPath(record.Writes[i]);
                    string folder = Path.GetDirectoryName(target)!;
                    if (_folders.Add(folder))
                    {
                        FileSystemExtras.CreatePrivateDirectory(folder);
                    }
                    FileSystemExtras.MoveFile(staged, target, overwrite: true);
                }
                foreach (KeyValuePair<string, string> r in record.Renames)
                {
                    string from = FullPath(r.Key), to = FullPath(r.Value);
                    if (File.Exists(from))
                    {
                        FileSystemExtras.MoveFile(from, to, overwrite: true);
                        UnixPermissions.SetModeIfSupported(to, 0x180);
                    }
                }
                foreach (string d in record.Deletes)
                {
                    string path = FullPath(d);
                    if (File.Exists(path))
                    {
                        File.Delete(path);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, HomePath,
                    $"The committed changes for {record.Description} could not be completed in '{HomePath}': {ex.Message}. The next run completes them.", ex);
            }
        }

        /// <summary>The committed records of the journal that were never marked done, in commit order. A torn last line is no commit.</summary>
        private List<JournalRecord> ReadPending()
        {
            var pending = new List<JournalRecord>();
            if (!File.Exists(JournalPath))
            {
                return pending;
            }
            var done = new HashSet<string>(StringComparer.Ordinal);
            using (var reader = new StreamReader(new FileStream(JournalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), new UTF8Encoding(false)))
            {
                string? line;
                while ((line = reader.ReadLine()) != null)
                {
                    if (!JournalRecord.TryParse(line, out JournalRecord? record, out string? doneId))
                    {
                        continue;
                    }
                    if (doneId != null)
                    {
                        done.Add(doneId);
                    }
                    else
                    {
                        pending.Add(record!);
                    }
                }
            }
            pending.RemoveAll(r => done.Contains(r.Id));
            return pending;
        }

        private void AppendJournal(byte[] line, bool durable)
        {
            if (_journal == null)
            {
                FileSystemExtras.CreatePrivateDirectory(WorkFolder);
                _journal = FileSystemExtras.OpenPrivateAppend(JournalPath);
            }
            _journal.Write(line, 0, line.Length);
            _journal.WriteByte((byte)'\n');
            _journal.Flush(durable);
        }

        private void CloseJournal()
        {
            _journal?.Dispose();
            _journal = null;
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

        /// <summary>At the end of a run (lock still held): the journal goes once nothing in it is pending, and an empty staging folder.</summary>
        private void CloseRun()
        {
            CloseJournal();
            if (File.Exists(JournalPath) && ReadPending().Count == 0)
            {
                File.Delete(JournalPath);
            }
            RemoveIfEmpty(StagingFolder);
        }

        private static void RemoveIfEmpty(string folder)
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }

        private string StagedPath(string id, int index) => Path.Combine(StagingFolder, id + "-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture));

        private void DeleteStaged(string id, int count)
        {
            for (int i = 0; i < count; i++)
            {
                string staged = StagedPath(id, i);
                if (File.Exists(staged))
                {
                    File.Delete(staged);
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
                _store.CloseRun();
                File.Delete(_path);
                _stream.Dispose();
                RemoveIfEmpty(_store.WorkFolder);
            }
        }
    }
}
