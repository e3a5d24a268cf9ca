using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace PorterStorage.Core.Folder
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
    public sealed partial class FileSystemMigrationStore : IMigrationStore
    {
        public const string WorkFolderName = ".porterstorage";


        /// <summary>What the store writes through: the home's confined file system, or what a test gives.</summary>
        private readonly IFileIO _io;

        /// <summary>What the store lists and reads through, as given (tests fail its calls).</summary>
        private readonly IFileIO _readIO;

        private readonly ReadVersions _versions = new ReadVersions();

        private readonly FolderChangeSteps _steps;

        private readonly string? _configFile;

        /// <summary>The store of a home whose config file, if any, is found as Porter finds it (its mode is checked and repaired).</summary>
        public FileSystemMigrationStore(string homePath)
            : this(homePath, HomeIO(homePath), PorterConfigReader.FindConfigFile(homePath, out _, out _))
        {
        }

        /// <summary>
        /// A store doing its file operations through <paramref name="io"/> (tests inject faults there); <paramref name="configFile"/>
        /// is the config file Porter reads in the home, or null.
        /// </summary>
        internal FileSystemMigrationStore(string homePath, IFileIO io, string? configFile)
        {
            HomePath = homePath;
            _readIO = io;
            _io = ReferenceEquals(io, FileIO.System) ? HomeIO(homePath) : io;
            _configFile = configFile;
            _steps = new FolderChangeSteps(_io, homePath, _versions);
        }

        internal FileSystemMigrationStore(string homePath, IFileIO io)
            : this(homePath, io, PorterConfigReader.FindConfigFile(homePath, out _, out _))
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

        private string WorkFolder => _steps.WorkFolder;

        public string FullPath(string relative) => Path.Combine(HomePath, relative.Replace('/', Path.DirectorySeparatorChar));

        public string FullName(string path) => FullPath(path);

        public IRequestCounter? Requests => null;

        public string SchemaPath => SchemaVersions.FileName;

        public string SetPath(string itemType, string name) => itemType + "/" + name + ".json";

        public StoreNameLimits NameLimits => StoreNameLimits.Folder;

        public string StorePath(StoredDocument document) => document.FileSystemPath;

        public string BackupKind => BackupKinds.Home;

        /// <inheritdoc />
        public IStoreCopy CopyTo(object destination) => StoreCopies.To<string>(destination, folder =>
        {
            // Checked now, before anything is asked, and again when the copy is made.
            HomeCopy.CheckDestination(HomePath, folder);
            return new StoreCopy(folder, path => Path.Combine(folder, path), (_, cancel) =>
            {
                HomeCopy.Copy(HomePath, folder, cancel);
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

        /// <summary>The entries directly under a data folder, sorted ordinally.</summary>
        public IReadOnlyList<StoreEntry> Entries(string folder)
        {
            DataFolderLinks.Refuse(HomePath);
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
                if (info.Length > PorterDocuments.MaxDocumentBytes)
                {
                    throw new PorterStorageException(ErrorIds.DocumentTooLarge, PorterErrorKind.InvalidData, path,
                        $"'{path}' is {info.Length} bytes, larger than any Porter document; it is left in place.");
                }
                byte[] content = FolderVersions.Read(_io, path, out string version);
                _versions.FirstRead(relative, version); // what the plan saw, and what the change must still find
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
            foreach (string file in IOErrors.Named(dir, IOOperation.List, () => _io.List(dir).Where(i => i is FileInfo && i.Name.EndsWith(".json", StringComparison.Ordinal))
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
            DataFolderLinks.Refuse(HomePath);
            HomeShape.Check(HomePath);
            return FolderLock.Acquire(_io, HomePath, WorkFolder, new[] { (_steps.JournalPath, false), (_steps.StagingFolder, true), (_steps.AsideFolder, true) },
                _steps.CloseRun, () => _steps.RemoveIfEmpty(WorkFolder));
        }

        /// <summary>The version of <paramref name="path"/> as this run first read it, or null when it did not.</summary>
        public string? VersionOf(string path) => _versions.VersionOf(path);

        /// <summary>Change sets committed by a run that was interrupted (committed in the journal, never marked done).</summary>
        public IReadOnlyList<string> Committed() => _steps.Committed();

        public JournalRecord ReadCommitted(string id) => _steps.ReadCommitted(id);

        /// <summary>The journal and the files staged beside it go once recovery is done; what is left in staging was never committed.</summary>
        public void Recovered() => _steps.Recovered();

        public IReadOnlyList<int>? Existing(IReadOnlyList<string> paths) => _steps.Existing(paths);

        public IReadOnlyList<JournalRecord> Commit(IReadOnlyList<JournalRecord> records, IReadOnlyList<IReadOnlyList<StoredDocument>> writes) => _steps.Commit(records, writes);

        public void Place(JournalRecord record, int index) => _steps.Place(record, index);

        public void Unplace(JournalRecord record, int index) => _steps.Unplace(record, index);

        /// <summary>1: a local rename costs less than a thread.</summary>
        public int PlaceConcurrency => 1;

        public bool Discard(JournalRecord record, int index) => _steps.Discard(record, index);

        public void Move(string from, string to, bool overwrite, string? expected) => _steps.Move(from, to, overwrite, expected);

        public void Delete(string path, string? expected) => _steps.Delete(path, expected);

        public void Finish(JournalRecord record, string? rolledBackBy) => _steps.Finish(record, rolledBackBy);

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
            foreach (string folder in ItemTypes.ModeChecked)
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
            foreach (FileSystemInfo item in IOErrors.Named(dir, IOOperation.List, () => _io.List(dir).ToList()))
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
            IOErrors.Named(path, IOOperation.Write, () => _io.SetMode(path, PorterFileModes.PrivateFile));
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

    }
}
