using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Home;
using PorterStorage.Core.Backup;
using PorterStorage.Core.IO;
using PorterStorage.Core.Json;
using PorterStorage.Core.Schema;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Migration
{
    /// <summary>
    /// The PORTER_HOME side of the migration: reads legacy items and applies change sets so that a crash at any
    /// moment is either invisible (nothing committed) or finished by the next run (<see cref="ChangeJournal"/> runs the steps). Each
    /// change set's writes are staged as <c>.porterstorage/staging/&lt;id&gt;-&lt;n&gt;</c>; appending its record to
    /// <c>.porterstorage/journal.log</c> commits it; the staged files are then renamed into place and the deletions done. New files
    /// are 0600, new folders 0700. Everything it writes in the home goes through the home's own file system
    /// (<see cref="ConfinedFileIO"/>): never through a link, and given to the home's owner when the process may. A document it removes,
    /// renames or replaces is removed only while it is the version this run read (<see cref="FolderVersions"/>), so what another
    /// writer made of it meanwhile stays.
    /// </summary>
    public sealed class FileSystemMigrationStore : ReaderBackedStore, IMigrationStore
    {
        public const string WorkFolderName = ".porterstorage";

        /// <summary>Target folders known to exist in this run.</summary>
        private readonly HashSet<string> _folders = new HashSet<string>(StringComparer.Ordinal);

        private readonly IFileIO _io;

        private Stream? _journal;

        /// <summary>True when a failed append may have left part of a line at the journal's end: the next line starts on its own.</summary>
        private bool _tornTail;

        /// <summary>The pending records <see cref="Committed"/> last read, by id.</summary>
        private Dictionary<string, JournalRecord>? _pending;

        private readonly string? _configFile;

        /// <summary>The version of each document as this run first read it (identity and content hash), by store path.</summary>
        private readonly Dictionary<string, string> _versions = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>The store of a home whose config file, if any, is found as Porter finds it (its mode is checked and repaired).</summary>
        public FileSystemMigrationStore(string homePath)
            : this(homePath, HomeIO(homePath), Config.PorterConfigReader.FindConfigFile(homePath, out _, out _))
        {
        }

        /// <summary>
        /// A store doing its file operations through <paramref name="io"/> (tests inject faults there); <paramref name="configFile"/>
        /// is the config file Porter reads in the home, or null.
        /// </summary>
        internal FileSystemMigrationStore(string homePath, IFileIO io, string? configFile)
            : base(new FileSystemPorterStore(homePath, io, configFile))
        {
            HomePath = homePath;
            _io = ReferenceEquals(io, FileIO.System) ? HomeIO(homePath) : io;
            _configFile = configFile;
        }

        internal FileSystemMigrationStore(string homePath, IFileIO io)
            : this(homePath, io, Config.PorterConfigReader.FindConfigFile(homePath, out _, out _))
        {
        }

        public string HomePath { get; }

        /// <summary>
        /// The home's own file system (<see cref="ConfinedFileIO"/>), giving what it creates to whoever owns the home's data: the home
        /// folder's owner, or, when root owns the folder itself, the owner of its first data folder another user owns.
        /// </summary>
        internal static ConfinedFileIO HomeIO(string homePath) => new ConfinedFileIO(homePath, root =>
        {
            if (root.Owner != 0)
            {
                return (root.Owner, root.Group);
            }
            foreach (string folder in ItemTypes.DataFolders)
            {
                if (UnixFiles.Lstat(Path.Combine(homePath, folder)) is FileIdentity data && data.IsDirectory && data.Owner != 0)
                {
                    return (data.Owner, data.Group);
                }
            }
            return (root.Owner, root.Group);
        });

        /// <summary>True while a migration of the home at <paramref name="homePath"/> holds its lock (another process, or this one).</summary>
        public static bool IsMigrating(string homePath) => UnixFiles.IsLockedByAnother(Path.Combine(homePath, WorkFolderName, "lock"));

        private string WorkFolder => Path.Combine(HomePath, WorkFolderName);

        private string JournalPath => Path.Combine(WorkFolder, "journal.log");

        private string StagingFolder => Path.Combine(WorkFolder, "staging");

        /// <summary>Where a document goes for the moment between its removal and the check that it was the version read.</summary>
        private string AsideFolder => Path.Combine(WorkFolder, "aside");

        public string FullPath(string relative) => Path.Combine(HomePath, relative.Replace('/', Path.DirectorySeparatorChar));

        public string FullName(string path) => FullPath(path);

        public Azure.RequestCounter? Requests => null;

        public string SchemaPath => SchemaVersions.FileName;

        public string SetPath(string itemType, string name) => itemType + "/" + name + ".json";

        public StoreNameLimits NameLimits => StoreNameLimits.Folder;

        public string StorePath(StoredDocument document) => document.FileSystemPath;

        public string BackupKind => BackupKinds.Home;

        /// <inheritdoc />
        public IStoreCopy CopyTo(object destination) => StoreCopies.To<string>(destination, folder =>
        {
            // Checked now, before anything is asked, and again when the copy is made.
            CheckCopyDestination(HomePath, folder);
            return new StoreCopy(folder, path => Path.Combine(folder, path), (_, cancel) =>
            {
                CopyHome(HomePath, folder, cancel);
                return new FileSystemMigrationStore(folder, FileIO.System, _configFile == null ? null : Path.Combine(folder, Path.GetFileName(_configFile)));
            });
        });

        /// <summary>The log goes through the home's own file system (never a link, the home's owner) even when a test fails the store's calls.</summary>
        public MigrationLog CreateLog(DateTime localNow) => MigrationLog.Create(HomePath, localNow, _io as ConfinedFileIO ?? HomeIO(HomePath));

        /// <summary>What this run could not do as asked without failing: files it may not give to the home's owner.</summary>
        public IReadOnlyList<string> RunWarnings()
        {
            if (!(_io is ConfinedFileIO confined) || confined.OwnersNotSet.Count == 0)
            {
                return Array.Empty<string>();
            }
            List<string> files = confined.OwnersNotSet;
            lock (files)
            {
                string owner = confined.NewOwner is (uint, uint) given ? $"{given.Item1}:{given.Item2}" : "the home's owner";
                return new[]
                {
                    $"{files.Count} file(s) written in '{HomePath}' could not be given the owner of the home's data ({owner}) or of the file each replaced; this process may not change owners, so Porter running as that user may not read them: '"
                    + string.Join("', '", files.Take(20)) + "'" + (files.Count > 20 ? " …" : string.Empty),
                };
            }
        }

        /// <summary>The version of <paramref name="path"/> as this run first read it, or null when it did not.</summary>
        public string? VersionOf(string path)
        {
            lock (_versions)
            {
                return _versions.TryGetValue(path, out string? version) ? version : null;
            }
        }

        /// <summary>Forgets what was read of a path this run has written, moved or removed.</summary>
        private void Forget(string path)
        {
            lock (_versions)
            {
                _versions.Remove(path);
            }
        }

        /// <summary>The entries directly under a data folder, sorted ordinally.</summary>
        public IReadOnlyList<StoreEntry> Entries(string folder)
        {
            Home.DataFolderLinks.Refuse(HomePath);
            string dir = Path.Combine(HomePath, folder);
            if (!Directory.Exists(dir))
            {
                if (File.Exists(dir))
                {
                    throw HomeShape.NotFolder(dir);
                }
                return Array.Empty<StoreEntry>();
            }
            try
            {
                return _io.List(dir)
                    .OrderBy(i => i.Name, StringComparer.Ordinal)
                    .Select(i => new StoreEntry(i.Name, folder + "/" + i.Name, i is DirectoryInfo, (i.Attributes & FileAttributes.ReparsePoint) != 0,
                        i is DirectoryInfo ? i.Name : Path.GetFileNameWithoutExtension(i.Name), i is FileInfo && i.Name.EndsWith(".json", StringComparison.Ordinal)))
                    .ToList();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, dir, IOOperation.List, "Nothing in it was migrated.");
            }
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
                byte[] content = FolderVersions.Read(_io, path, out string version);
                lock (_versions)
                {
                    if (!_versions.ContainsKey(relative))
                    {
                        _versions[relative] = version; // the first read: what the plan saw, and what the change must still find
                    }
                }
                return content;
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, path, IOOperation.Read, "It is left in place.");
            }
        }

        public DateTime ModifiedUtc(string relative) => File.GetLastWriteTimeUtc(FullPath(relative));

        public bool Exists(string relative) => File.Exists(FullPath(relative)) || Directory.Exists(FullPath(relative));

        /// <summary>The content of each claim already in <c>claims/&lt;installation&gt;/</c>; unreadable ones are left out.</summary>
        public IEnumerable<byte[]> CurrentClaims(string installation)
        {
            string dir = Path.Combine(HomePath, ItemTypes.Claims, installation);
            if (!Directory.Exists(dir))
            {
                yield break;
            }
            foreach (string file in Try(dir, IOOperation.List, () => _io.List(dir).Where(i => i is FileInfo && i.Name.EndsWith(".json", StringComparison.Ordinal))
                         .Select(i => i.FullName).ToList()))
            {
                byte[]? content;
                try
                {
                    content = _io.ReadAllBytes(file);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    content = null;
                }
                if (content != null)
                {
                    yield return content;
                }
            }
        }

        /// <summary>
        /// Takes the migration lock: an exclusive lock on <c>.porterstorage/lock</c> held while the returned lease
        /// lives. The operating system releases it when a process dies, so a killed run never blocks the next one.
        /// Raises <c>MigrationInProgress</c>, and <c>DataFolderIsLink</c> (before anything is written) when a data folder is a link.
        /// </summary>
        public IStoreLease AcquireLock()
        {
            Home.DataFolderLinks.Refuse(HomePath);
            string path = Path.Combine(WorkFolder, "lock");
            FileStream stream;
            HomeShape.Check(HomePath);
            try
            {
                _io.CreateDirectory(WorkFolder);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, WorkFolder, IOOperation.Write, "The home is not writable; nothing was changed.");
            }
            // The module's own files: absent, or of their kind and this folder's alone (never a link, a hard link, a pipe or a device).
            foreach ((string own, bool folder) in new[] { (path, false), (JournalPath, false), (StagingFolder, true), (AsideFolder, true) })
            {
                if (!(_io.Identity(own) is FileIdentity there))
                {
                    continue;
                }
                if (there.IsLink || there.IsHardLinked)
                {
                    throw IOErrors.Map(new LinkRefusedException(own, hard: !there.IsLink), own, IOOperation.Write, "Nothing was changed.");
                }
                if (folder && !there.IsDirectory)
                {
                    throw HomeShape.NotFolder(own, HomeShape.Kind(there));
                }
                if (!folder && !there.IsRegularFile)
                {
                    throw HomeShape.NotFile(own, HomeShape.Kind(there));
                }
            }
            try
            {
                stream = _io.OpenLocked(path);
            }
            catch (IOException ex) when (!(ex is LinkRefusedException) && (ex.HResult == 11 || ex.HResult == 32 || ex.HResult == unchecked((int)0x80070020)))
            {
                throw new PorterStorageException(ErrorIds.MigrationInProgress, PorterErrorKind.ResourceBusy, HomePath,
                    $"Another migration of '{HomePath}' is running (lock '{path}').", ex);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, path, IOOperation.Write, "Nothing was changed.");
            }
            try
            {
                _io.SetMode(path, PorterFileModes.PrivateFile);
                stream.SetLength(0);
                byte[] owner = Encoding.UTF8.GetBytes($"pid {System.Diagnostics.Process.GetCurrentProcess().Id} since {DateTime.UtcNow:o}\n");
                stream.Write(owner, 0, owner.Length);
                stream.Flush();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                stream.Dispose();
                throw IOErrors.Map(ex, path, IOOperation.Write, "Nothing was changed.");
            }
            return new LockHandle(stream, path, this);
        }

        /// <summary>Change sets committed by a run that was interrupted (committed in the journal, never marked done).</summary>
        public IReadOnlyList<string> Committed()
        {
            _pending = ReadPending().ToDictionary(r => r.Id, StringComparer.Ordinal);
            return _pending.Keys.ToList();
        }

        public JournalRecord ReadCommitted(string id) =>
            (_pending != null && _pending.TryGetValue(id, out JournalRecord? record) ? record : null)
            ?? ReadPending().FirstOrDefault(r => r.Id == id)
            ?? throw new PorterStorageException(ErrorIds.FileUnreadable, PorterErrorKind.ReadError, JournalPath, $"The journal '{JournalPath}' holds no change '{id}'.");

        /// <summary>The journal and the files staged beside it go once recovery is done; what is left in staging was never committed.</summary>
        public void Recovered()
        {
            lock (_versions)
            {
                _versions.Clear(); // what this run reads from now on is what its changes must still find
            }
            _pending = null;
            CloseJournal();
            Try(JournalPath, IOOperation.Write, () =>
            {
                if (File.Exists(JournalPath))
                {
                    _io.Delete(JournalPath);
                }
            });
            if (Directory.Exists(StagingFolder))
            {
                // What is left here was staged but never committed (folders: the per-set layout of earlier builds).
                foreach (FileSystemInfo item in Try(StagingFolder, IOOperation.List, () => _io.List(StagingFolder).ToList()))
                {
                    Try(item.FullName, IOOperation.Write, () => DeleteTree(item));
                }
            }
        }

        /// <summary>Removes a file, or a folder with all it holds, never following a link (a link is removed as itself).</summary>
        private void DeleteTree(FileSystemInfo item)
        {
            if (item is DirectoryInfo && (item.Attributes & FileAttributes.ReparsePoint) == 0)
            {
                foreach (FileSystemInfo inner in _io.List(item.FullName).ToList())
                {
                    DeleteTree(inner);
                }
                _io.DeleteEmptyDirectory(item.FullName);
                return;
            }
            _io.Delete(item.FullName);
        }

        public IReadOnlyList<int>? Existing(IReadOnlyList<string> paths) =>
            Enumerable.Range(0, paths.Count).Where(i => File.Exists(FullPath(paths[i]))).ToList();

        /// <summary>
        /// Stages the writes as <c>.porterstorage/staging/&lt;id&gt;-&lt;n&gt;</c> and appends the records to the journal in one write,
        /// flushed to disk once (the commit point of them all). One append-only journal file per run, not one file per change set:
        /// creating and deleting files is what costs most here. A record's line is complete only once all its writes are staged.
        /// </summary>
        public IReadOnlyList<JournalRecord> Commit(IReadOnlyList<JournalRecord> records, IReadOnlyList<IReadOnlyList<StoredDocument>> writes)
        {
            string at = StagingFolder;
            try
            {
                // Staged files lie flat in one folder (<id>-<n>): creating folders is costly too.
                _io.CreateDirectory(StagingFolder);
                for (int r = 0; r < records.Count; r++)
                {
                    for (int i = 0; i < writes[r].Count; i++)
                    {
                        at = StagedPath(records[r].Id, i);
                        using Stream fs = _io.CreateNew(at, 81920);
                        fs.Write(writes[r][i].Content, 0, writes[r][i].Content.Length);
                    }
                }
                at = JournalPath;
                AppendJournal(records.Select(r => r.ToJson()).ToList(), durable: true);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                CloseJournal(); // a refused line was cut back (AppendJournal); the next append starts afresh
                try
                {
                    for (int r = 0; r < records.Count; r++)
                    {
                        for (int i = 0; i < writes[r].Count; i++)
                        {
                            Discard(records[r], i);
                        }
                    }
                }
                catch (PorterStorageException)
                {
                    // Staged, never committed: the next run discards it.
                }
                throw IOErrors.Map(ex, at, IOOperation.Write, $"The changes for {JournalRecord.Describe(records)} were not committed; nothing of them was applied.");
            }
            return records;
        }

        /// <summary>Moves the n-th staged file into place (creating its folder, 0700); gone from staging means moved before an interruption.</summary>
        public void Place(JournalRecord record, int index)
        {
            string staged = StagedPath(record.Id, index);
            string target = FullPath(record.Writes[index]);
            if (!File.Exists(staged))
            {
                if (File.Exists(target))
                {
                    return; // moved before the interruption
                }
                // Neither staged nor in place: the content is gone, so nothing of the change may be deleted.
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, target,
                    $"The staged content of '{target}' is missing, so '{record.Description}' cannot be finished; nothing it would remove was removed.");
            }
            string folder = Path.GetDirectoryName(target)!;
            string at = folder;
            try
            {
                string? expected = record.ExpectedVersion(record.Writes[index]);
                if (expected != null && !FolderVersions.Holds(_io, target, expected))
                {
                    throw Changed(record.Writes[index], "replaced", null);
                }
                if (_folders.Add(folder))
                {
                    _io.CreateDirectory(folder);
                }
                at = target;
                // A target the commit found missing is only created: one another writer made meanwhile is theirs.
                bool create = record.Replaced != null && !record.Replaced.Contains(index);
                try
                {
                    _io.Move(staged, target, overwrite: !create);
                }
                catch (IOException ex) when (create && !(ex is LinkRefusedException) && _io.Identity(target) is FileIdentity taken && !taken.IsLink)
                {
                    if (!record.IsWrite(index, FolderVersions.Read(_io, target, out _)))
                    {
                        throw Changed(record.Writes[index], "created (another process made it first)", null);
                    }
                    Discard(record, index); // this very write, in place already
                }
                Forget(record.Writes[index]);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                _folders.Clear();
                throw IOErrors.Map(ex, at, IOOperation.Write);
            }
        }

        /// <summary>Removes a write's target for a roll back only while it holds exactly that write, moved aside and checked as a removal is.</summary>
        public void Unplace(JournalRecord record, int index)
        {
            string path = record.Writes[index];
            string target = FullPath(path);
            Try(target, IOOperation.Write, () =>
            {
                if (_io.Identity(target) is FileIdentity there ? there.IsLink || there.IsDirectory : !File.Exists(target))
                {
                    return;
                }
                byte[] now = FolderVersions.Read(_io, target, out string version);
                if (record.IsWrite(index, now))
                {
                    FolderVersions.RemoveIfUnchanged(_io, target, Path.Combine(AsideFolder, FolderVersions.AsideName(path, version)), Path.Combine(WorkFolder, "changed"), version, out _);
                }
            });
            Forget(path);
        }

        /// <summary>1: a local rename costs less than a thread.</summary>
        public int PlaceConcurrency => 1;

        public bool Discard(JournalRecord record, int index)
        {
            string staged = StagedPath(record.Id, index);
            if (!File.Exists(staged))
            {
                return false;
            }
            Try(staged, IOOperation.Write, () => _io.Delete(staged));
            return true;
        }

        public void Move(string from, string to, bool overwrite, string? expected)
        {
            string target = FullPath(to);
            if (expected != null && !Try(FullPath(from), IOOperation.Read, () => FolderVersions.Holds(_io, FullPath(from), expected)))
            {
                throw Changed(from, "renamed", null);
            }
            Try(target, IOOperation.Write, () =>
            {
                _io.Move(FullPath(from), target, overwrite);
                _io.SetMode(target, PorterFileModes.PrivateFile);
            });
            Forget(from);
            Forget(to);
        }

        /// <summary>
        /// Removes a file of the home; a path that is no file of the home (a name no file system holds, one that leads out) is left
        /// alone. With <paramref name="expected"/>, only while it is that version: the file is first moved aside (one rename, so a
        /// writer that opens the path from then on makes a new file), its identity and content compared with what was read, and
        /// only then removed; a file that changed is put back (or kept under <c>.porterstorage/changed/</c> when the path has a new
        /// file meanwhile) and <c>ItemChangedDuringMigration</c> raised. Repeating it after an interruption finishes or undoes it.
        /// </summary>
        public void Delete(string path, string? expected)
        {
            string target;
            try
            {
                target = Path.GetFullPath(FullPath(path));
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException)
            {
                return; // a name no file system holds was never written
            }
            if (!ArchivePaths.IsInside(target, HomePath))
            {
                return;
            }
            if (expected == null)
            {
                if (File.Exists(target))
                {
                    Try(target, IOOperation.Write, () => _io.Delete(target));
                }
            }
            else
            {
                string aside = Path.Combine(AsideFolder, FolderVersions.AsideName(path, expected));
                bool changed = false;
                string? kept = Try(target, IOOperation.Write, () => FolderVersions.RemoveIfUnchanged(_io, target, aside, Path.Combine(WorkFolder, "changed"), expected, out changed));
                if (changed)
                {
                    throw Changed(path, "removed", kept);
                }
            }
            Forget(path);
        }

        /// <summary><c>ItemChangedDuringMigration</c>: another process changed a document after this run read it; its version is kept.</summary>
        private PorterStorageException Changed(string path, string verb, string? keptAt) =>
            new PorterStorageException(ErrorIds.ItemChangedDuringMigration, PorterErrorKind.InvalidOperation, FullName(path),
                $"'{FullName(path)}' was changed by another process after this run read it, so it was not {verb}; "
                + (keptAt == null ? "it is left as the other writer made it" : $"the other writer's version is kept at '{keptAt}' (a new file took its place meanwhile)")
                + ", and the next run migrates it.");

        /// <summary>Appends the done line: flushed to disk for a roll back, which must never be redone; a finished change replays harmlessly.</summary>
        public void Finish(JournalRecord record, string? rolledBackBy)
        {
            GoJsonWriter line = new GoJsonWriter(indented: false).StartObject().Property("done", record.Id);
            if (rolledBackBy != null)
            {
                line.Property("rolledBack", rolledBackBy);
            }
            try
            {
                if (rolledBackBy != null)
                {
                    for (int i = 0; i < record.Writes.Count; i++)
                    {
                        Discard(record, i);
                    }
                }
                AppendJournal(new[] { line.EndObject().ToUtf8() }, durable: rolledBackBy != null);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                CloseJournal();
                throw IOErrors.Map(ex, JournalPath, IOOperation.Write);
            }
        }

        /// <summary>The committed records of the journal that were never marked done, in commit order. A torn last line is no commit.</summary>
        private List<JournalRecord> ReadPending()
        {
            var pending = new List<JournalRecord>();
            if (!File.Exists(JournalPath))
            {
                if (Directory.Exists(JournalPath))
                {
                    throw HomeShape.NotFile(JournalPath);
                }
                return pending;
            }
            var done = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                using (var reader = new StreamReader(_io.OpenRead(JournalPath, 4096), new UTF8Encoding(false)))
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
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, JournalPath, IOOperation.Read, "The interrupted run's changes cannot be known, so nothing was changed.");
            }
            pending.RemoveAll(r => done.Contains(r.Id));
            return pending;
        }

        /// <summary>
        /// Appends lines in one write. When the append fails, the journal is cut back to where it stood, so a line that was
        /// refused can never be read as committed later (closing a stream would flush what it buffered); when even that fails,
        /// the next append starts on a line of its own.
        /// </summary>
        private void AppendJournal(IReadOnlyList<byte[]> lines, bool durable)
        {
            long start = -1;
            try
            {
                if (_journal == null)
                {
                    _io.CreateDirectory(WorkFolder);
                    _journal = _io.OpenAppend(JournalPath);
                }
                start = _journal.CanSeek ? _journal.Length : -1;
                bool fresh = _tornTail;
                byte[] buffer = new byte[lines.Sum(l => l.Length + 1) + (fresh ? 1 : 0)];
                int at = 0;
                if (fresh)
                {
                    buffer[at++] = (byte)'\n';
                }
                foreach (byte[] line in lines)
                {
                    Buffer.BlockCopy(line, 0, buffer, at, line.Length);
                    at += line.Length;
                    buffer[at++] = (byte)'\n';
                }
                _journal.Write(buffer, 0, buffer.Length);
                if (durable && _journal is FileStream file)
                {
                    file.Flush(true);
                }
                else
                {
                    _journal.Flush();
                }
                _tornTail = false;
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                CutJournalBack(start);
                throw;
            }
        }

        /// <summary>Drops what a failed append left at the journal's end (buffered and on disk); marks the tail torn when it cannot.</summary>
        private void CutJournalBack(long start)
        {
            Stream? journal = _journal;
            _journal = null;
            _tornTail = true;
            if (journal == null)
            {
                return;
            }
            try
            {
                if (start >= 0)
                {
                    journal.SetLength(start); // discards the buffered bytes too: nothing of the line is flushed on close
                    _tornTail = false;
                }
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex) || ex is NotSupportedException)
            {
                // Left torn: the next append begins with a newline, and a torn line is no commit.
            }
            try
            {
                journal.Dispose();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                // What it still buffered is at most the refused line, which starts on a line of its own.
            }
        }

        private void CloseJournal()
        {
            Stream? journal = _journal;
            _journal = null;
            try
            {
                journal?.Dispose();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                // Every line that mattered was flushed when it was written.
            }
        }

        private static T Try<T>(string path, IOOperation operation, Func<T> action)
        {
            try
            {
                return action();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, path, operation);
            }
        }

        private static void Try(string path, IOOperation operation, Action action) => Try(path, operation, () =>
        {
            action();
            return true;
        });

        /// <summary>The config file and every file under claims, outputs, credentials and parameters with mode bits beyond 0600 ('/'-separated).</summary>
        public IReadOnlyList<string> ItemsToRepair(CancellationToken cancel = default)
        {
            var result = new List<string>();
            if (!UnixPermissions.CanRead)
            {
                return result;
            }
            var candidates = new List<string>();
            if (_configFile != null && File.Exists(_configFile))
            {
                candidates.Add(_configFile);
            }
            foreach (string folder in PorterFileModes.CheckedFolders)
            {
                string dir = Path.Combine(HomePath, folder);
                if (Directory.Exists(dir))
                {
                    AddFiles(dir, candidates);
                }
            }
            foreach (string file in candidates.OrderBy(f => f, StringComparer.Ordinal))
            {
                if (PorterFileModes.ModeBeyondPrivate(file, followLinks: false).HasValue)
                {
                    result.Add(file.Substring(HomePath.Length + 1).Replace(Path.DirectorySeparatorChar, '/'));
                }
            }
            return result;
        }

        /// <summary>Every file under <paramref name="dir"/> (links to folders not followed); a folder that cannot be listed is named.</summary>
        private void AddFiles(string dir, List<string> files)
        {
            foreach (FileSystemInfo item in Try(dir, IOOperation.List, () => _io.List(dir).ToList()))
            {
                if (item is DirectoryInfo && (item.Attributes & FileAttributes.ReparsePoint) == 0)
                {
                    AddFiles(item.FullName, files);
                }
                else if (item is FileInfo)
                {
                    files.Add(item.FullName);
                }
            }
        }

        public string RepairReason(int count) => $"{count} file(s) have modes beyond 0600, which Porter v0.38.7+ refuses; they are set to 0600";

        /// <summary>Sets a file to 0600 (as 'porter storage fix-permissions' does).</summary>
        public void RepairItem(string item, CancellationToken cancel)
        {
            string path = FullPath(item);
            Try(path, IOOperation.Write, () => _io.SetMode(path, PorterFileModes.PrivateFile));
        }

        public string RepairSummary(int count) => $"Set {count} file(s) to mode 0600 for Porter v0.38.7+";

        /// <summary>Writes schema.json (compact, no newline, 0600) by rename, so it is never half written.</summary>
        public void WriteSchema(byte[] content)
        {
            string target = Path.Combine(HomePath, SchemaVersions.FileName);
            try
            {
                PrivateFile.Write(_io, target, replace: true, content);
            }
            catch (LinkRefusedException ex)
            {
                throw IOErrors.Map(ex, ex.PathName, IOOperation.Write, "The schema was not written.");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw IOErrors.Map(ex, target, IOOperation.Write, "The schema was not updated; the next run writes it.");
            }
        }

        /// <summary>At the end of a run (lock still held): the journal goes once nothing in it is pending, and an empty staging folder.</summary>
        private void CloseRun()
        {
            CloseJournal();
            if (File.Exists(JournalPath) && ReadPending().Count == 0)
            {
                _io.Delete(JournalPath);
            }
            RemoveIfEmpty(StagingFolder);
            RemoveIfEmpty(AsideFolder);
        }

        private void RemoveIfEmpty(string folder)
        {
            if (_io.Identity(folder) is FileIdentity there ? there.IsDirectory : Directory.Exists(folder))
            {
                if (!Directory.EnumerateFileSystemEntries(folder).Any())
                {
                    _io.DeleteEmptyDirectory(folder);
                }
            }
        }

        private string StagedPath(string id, int index) => Path.Combine(StagingFolder, id + "-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>
        /// Where a home may be copied to: a new or empty folder that neither lies in the home nor holds it, links followed.
        /// Raises <c>HomePathInvalid</c>, <c>DestinationInsideHome</c>, <c>DestinationNotEmpty</c>.
        /// </summary>
        private static void CheckCopyDestination(string source, string destination)
        {
            if (string.IsNullOrWhiteSpace(destination))
            {
                throw new PorterStorageException(ErrorIds.HomePathInvalid, PorterErrorKind.InvalidArgument, destination, "-Destination is empty; give the folder to migrate a copy into.");
            }
            if (ArchivePaths.MayBeInside(destination, source) || ArchivePaths.MayBeInside(source, destination))
            {
                throw new PorterStorageException(ErrorIds.DestinationInsideHome, PorterErrorKind.InvalidArgument, destination,
                    $"The destination '{destination}' overlaps the home '{source}'.");
            }
            if (File.Exists(destination))
            {
                throw new PorterStorageException(ErrorIds.DestinationNotEmpty, PorterErrorKind.ResourceExists, destination,
                    $"The destination '{destination}' is a file; give a new or empty folder.");
            }
            if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any())
            {
                throw new PorterStorageException(ErrorIds.DestinationNotEmpty, PorterErrorKind.ResourceExists, destination,
                    $"The destination '{destination}' is not empty.");
            }
        }

        /// <summary>
        /// Non-destructive mode: copies the whole home (modes, times, links as links) to an empty or new
        /// <paramref name="destination"/> that is not inside it. Raises <c>DestinationNotEmpty</c>, <c>DestinationInsideHome</c>.
        /// </summary>
        public static void CopyHome(string source, string destination, CancellationToken cancel = default)
        {
            CheckCopyDestination(source, destination);
            try
            {
                FileSystemExtras.CreatePrivateDirectory(destination);
                CopyTree(new DirectoryInfo(source), destination, cancel);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, destination,
                    $"The home could not be copied to '{destination}': {ex.Message}. The source is unchanged; remove the partial copy and run again.", ex);
            }
        }

        private static void CopyTree(DirectoryInfo from, string to, CancellationToken cancel)
        {
            foreach (FileSystemInfo item in from.EnumerateFileSystemInfos())
            {
                cancel.ThrowIfCancellationRequested();
                string target = Path.Combine(to, item.Name);
                string? link = FileSystemExtras.ReadLink(item);
                if (link != null)
                {
                    FileSystemExtras.CreateSymbolicLink(target, link, item is DirectoryInfo);
                    continue;
                }
                if (item is DirectoryInfo dir)
                {
                    Directory.CreateDirectory(target);
                    CopyTree(dir, target, cancel);
                    int? mode = UnixPermissions.TryGetMode(dir.FullName);
                    if (mode.HasValue)
                    {
                        UnixPermissions.SetModeIfSupported(target, mode.Value);
                    }
                    Directory.SetLastWriteTimeUtc(target, dir.LastWriteTimeUtc);
                }
                else
                {
                    using (FileStream reader = FileSystemExtras.OpenRegularForRead(item.FullName))
                    using (FileStream writer = FileSystemExtras.CreateNewPrivate(target))
                    {
                        reader.CopyTo(writer);
                    }
                    int? mode = UnixPermissions.TryGetMode(item.FullName);
                    if (mode.HasValue)
                    {
                        UnixPermissions.SetModeIfSupported(target, mode.Value);
                    }
                    File.SetLastWriteTimeUtc(target, item.LastWriteTimeUtc);
                }
            }
        }

        /// <summary>The open lock file: held as long as the process lives, so never renewed.</summary>
        private sealed class LockHandle : IStoreLease
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

            public string Name => _path;

            public TimeSpan? Duration => null;

            public bool Renew(CancellationToken cancellationToken) => true;

            public void Dispose()
            {
                try
                {
                    _store.CloseRun();
                    _store._io.Delete(_path);
                }
                catch (Exception ex) when (IOErrors.IsIOFailure(ex) || ex is PorterStorageException)
                {
                    // Leftovers of a finished run (a journal with only done lines, an empty folder) are cleared by the next run.
                }
                finally
                {
                    _stream.Dispose(); // the lock is always released
                }
                try
                {
                    _store.RemoveIfEmpty(_store.WorkFolder);
                }
                catch (Exception ex) when (IOErrors.IsIOFailure(ex))
                {
                }
            }
        }
    }
}
