using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace PorterStorage.Core.Folder
{
    /// <summary>
    /// The transactional steps of a folder store, in <c>.porterstorage/</c>: writes staged flat in <c>staging/</c> and committed by one
    /// journal line each (<see cref="FolderJournalFile"/>), each then put in place, renamed or removed only while the file is still
    /// the version this run read (<see cref="ReadVersions"/>; a removal moves it <c>aside/</c> first and checks it there), and
    /// marked done; after an interruption the committed records are read back to be finished or rolled back.
    /// </summary>
    internal sealed class FolderChangeSteps
    {
        private readonly IFileIO _io;
        private readonly ReadVersions _versions;
        private readonly FolderJournalFile _journal;

        /// <summary>Target folders known to exist in this run.</summary>
        private readonly HashSet<string> _folders = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>The pending records <see cref="Committed"/> last read, by id.</summary>
        private Dictionary<string, JournalRecord>? _pending;

        public FolderChangeSteps(IFileIO io, string homePath, ReadVersions versions)
        {
            _io = io;
            HomePath = homePath;
            _versions = versions;
            _journal = new FolderJournalFile(io, JournalPath);
        }

        public string HomePath { get; }

        public string WorkFolder => Path.Combine(HomePath, FileSystemMigrationStore.WorkFolderName);

        public string JournalPath => Path.Combine(WorkFolder, "journal.log");

        public string StagingFolder => Path.Combine(WorkFolder, "staging");

        /// <summary>Where a document goes for the moment between its removal and the check that it was the version read.</summary>
        public string AsideFolder => Path.Combine(WorkFolder, "aside");

        private string FullPath(string relative) => Path.Combine(HomePath, relative.Replace('/', Path.DirectorySeparatorChar));

        /// <summary>Change sets committed by a run that was interrupted (committed in the journal, never marked done).</summary>
        public IReadOnlyList<string> Committed()
        {
            _pending = _journal.ReadPending().ToDictionary(r => r.Id, StringComparer.Ordinal);
            return _pending.Keys.ToList();
        }

        public JournalRecord ReadCommitted(string id) =>
            (_pending != null && _pending.TryGetValue(id, out JournalRecord? record) ? record : null)
            ?? _journal.ReadPending().FirstOrDefault(r => r.Id == id)
            ?? throw new PorterStorageException(ErrorIds.FileUnreadable, PorterErrorKind.ReadError, JournalPath, $"The journal '{JournalPath}' holds no change '{id}'.");

        /// <summary>The journal and the files staged beside it go once recovery is done; what is left in staging was never committed.</summary>
        public void Recovered()
        {
            _versions.Clear(); // what this run reads from now on is what its changes must still find
            _pending = null;
            _journal.Close();
            IOErrors.Named(JournalPath, IOOperation.Write, () =>
            {
                if (File.Exists(JournalPath))
                {
                    _io.Delete(JournalPath);
                }
            });
            if (Directory.Exists(StagingFolder))
            {
                // What is left here was staged but never committed (folders: the per-set layout of earlier builds).
                foreach (FileSystemInfo item in IOErrors.Named(StagingFolder, IOOperation.List, () => _io.List(StagingFolder).ToList()))
                {
                    IOErrors.Named(item.FullName, IOOperation.Write, () => DeleteTree(item));
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
                _journal.Append(records.Select(r => r.ToJson()).ToList(), durable: true);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                _journal.Close(); // a refused line was cut back (FolderJournalFile.Append); the next append starts afresh
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
                _versions.Forget(record.Writes[index]);
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
            IOErrors.Named(target, IOOperation.Write, () =>
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
            _versions.Forget(path);
        }

        public bool Discard(JournalRecord record, int index)
        {
            string staged = StagedPath(record.Id, index);
            if (!File.Exists(staged))
            {
                return false;
            }
            IOErrors.Named(staged, IOOperation.Write, () => _io.Delete(staged));
            return true;
        }

        public void Move(string from, string to, bool overwrite, string? expected)
        {
            string target = FullPath(to);
            if (expected != null && !IOErrors.Named(FullPath(from), IOOperation.Read, () => FolderVersions.Holds(_io, FullPath(from), expected)))
            {
                throw Changed(from, "renamed", null);
            }
            IOErrors.Named(target, IOOperation.Write, () =>
            {
                _io.Move(FullPath(from), target, overwrite);
                _io.SetMode(target, PorterFileModes.PrivateFile);
            });
            _versions.Forget(from);
            _versions.Forget(to);
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
                    IOErrors.Named(target, IOOperation.Write, () => _io.Delete(target));
                }
            }
            else
            {
                string aside = Path.Combine(AsideFolder, FolderVersions.AsideName(path, expected));
                bool changed = false;
                string? kept = IOErrors.Named(target, IOOperation.Write, () => FolderVersions.RemoveIfUnchanged(_io, target, aside, Path.Combine(WorkFolder, "changed"), expected, out changed));
                if (changed)
                {
                    throw Changed(path, "removed", kept);
                }
            }
            _versions.Forget(path);
        }

        /// <summary><c>ItemChangedDuringMigration</c>: another process changed a document after this run read it; its version is kept.</summary>
        private PorterStorageException Changed(string path, string verb, string? keptAt) =>
            new PorterStorageException(ErrorIds.ItemChangedDuringMigration, PorterErrorKind.InvalidOperation, FullPath(path),
                $"'{FullPath(path)}' was changed by another process after this run read it, so it was not {verb}; "
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
                _journal.Append(new[] { line.EndObject().ToUtf8() }, durable: rolledBackBy != null);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                _journal.Close();
                throw IOErrors.Map(ex, JournalPath, IOOperation.Write);
            }
        }

        /// <summary>At the end of a run (lock still held): the journal goes once nothing in it is pending, and an empty staging folder.</summary>
        public void CloseRun()
        {
            _journal.Close();
            if (File.Exists(JournalPath) && _journal.ReadPending().Count == 0)
            {
                _io.Delete(JournalPath);
            }
            RemoveIfEmpty(StagingFolder);
            RemoveIfEmpty(AsideFolder);
        }

        public void RemoveIfEmpty(string folder)
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
    }
}
