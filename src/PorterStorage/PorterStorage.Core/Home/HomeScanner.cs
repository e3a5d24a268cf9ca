using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using PorterStorage.Core.Errors;
using PorterStorage.Core.IO;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Home
{
    /// <summary>Reads a PORTER_HOME folder without changing it: item counts, size and problems.</summary>
    internal sealed class HomeScanner
    {
        private readonly string _home;
        private readonly CancellationToken _cancel;
        private readonly IFileIO _io;

        public HomeScanner(string home, CancellationToken cancel)
            : this(home, cancel, FileIO.System)
        {
        }

        /// <summary>As above, listing and reading through <paramref name="io"/> (tests fail its calls).</summary>
        public HomeScanner(string home, CancellationToken cancel, IFileIO io)
        {
            _home = home;
            _cancel = cancel;
            _io = io;
        }

        public PorterItemCounts Counts { get; } = new PorterItemCounts();

        public List<PorterHomeProblem> Problems { get; } = new List<PorterHomeProblem>();

        public long SizeBytes { get; private set; }

        /// <summary>
        /// The folders that could not be listed and the documents that could not be read, as named errors (<c>AccessDenied</c>,
        /// <c>StoreReadError</c>, <c>FileUnreadable</c>); each is also a problem. The counts leave them out.
        /// </summary>
        public List<PorterStorageException> Failures { get; } = new List<PorterStorageException>();

        public void Scan(string? configFile)
        {
            SizeBytes = SumSizes(new DirectoryInfo(_home));
            foreach (LinkedDataFolder link in DataFolderLinks.Find(_home))
            {
                Problems.Add(new PorterHomeProblem(ProblemCodes.DataFolderIsLink, link.Path, link.ToException().Message));
            }
            ScanClaims();
            ScanIndex();
            Results(ItemTypes.Results, c => Counts.Results += c, ".json");
            Results(ItemTypes.Outputs, c => Counts.Outputs += c, null);
            ScanCredentials();
            ScanParameters();
            CheckPermissions(configFile);
        }

        private string Folder(string type) => Path.Combine(_home, type);

        private static bool IsLink(FileSystemInfo info) => (info.Attributes & FileAttributes.ReparsePoint) != 0;

        /// <summary>
        /// A folder's entries; one that cannot be listed is a problem named by the <see cref="IOErrors"/> mapping (its path,
        /// <c>AccessDenied</c> or <c>StoreReadError</c>) and is taken as empty. Sizes, counts and modes then leave it out.
        /// </summary>
        private List<FileSystemInfo> Entries(string folder, bool counted = true)
        {
            try
            {
                return _io.List(folder).ToList();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                PorterStorageException named = IOErrors.Map(ex, folder, IOOperation.List, "What it holds is not counted.");
                if (counted && !Failures.Any(f => f.Target == folder))
                {
                    Failures.Add(named);
                }
                if (_unlisted.Add(folder))
                {
                    Problems.Add(new PorterHomeProblem(named.ErrorId, folder, named.Message));
                }
                return new List<FileSystemInfo>();
            }
        }

        private readonly HashSet<string> _unlisted = new HashSet<string>(StringComparer.Ordinal);

        private IEnumerable<string> Files(string folder, string? suffix = null) =>
            Entries(folder).Where(e => e is FileInfo && (suffix == null || e.Name.EndsWith(suffix, StringComparison.Ordinal))).Select(e => e.FullName);

        private IEnumerable<string> Folders(string folder) => Entries(folder).Where(e => e is DirectoryInfo).Select(e => e.FullName);

        private long SumSizes(DirectoryInfo dir)
        {
            long total = 0;
            foreach (FileSystemInfo entry in Entries(dir.FullName, counted: false))
            {
                _cancel.ThrowIfCancellationRequested();
                if (IsLink(entry))
                {
                    continue;
                }
                if (entry is FileInfo f)
                {
                    total += f.Length;
                }
                else if (entry is DirectoryInfo d)
                {
                    total += SumSizes(d);
                }
            }
            return total;
        }

        private void ScanClaims()
        {
            string folder = Folder(ItemTypes.Claims);
            if (!Directory.Exists(folder))
            {
                return;
            }
            var names = new List<string>();
            List<FileSystemInfo> entries = Entries(folder);
            foreach (string file in entries.Where(e => e is FileInfo && e.Name.EndsWith(".json", StringComparison.Ordinal)).Select(e => e.FullName))
            {
                Counts.LegacyClaims++;
                names.Add(Path.GetFileNameWithoutExtension(file));
            }
            foreach (string dir in entries.Where(e => e is DirectoryInfo).Select(e => e.FullName))
            {
                _cancel.ThrowIfCancellationRequested();
                Counts.InstallationFolders++;
                Counts.Claims += Files(dir, ".json").Count();
                names.Add(Path.GetFileName(dir));
            }
            ReportCaseCollisions(ItemTypes.Claims, names);
        }

        private void ScanIndex()
        {
            string folder = Folder(ItemTypes.Installations);
            if (!Directory.Exists(folder))
            {
                return;
            }
            foreach (string file in Files(folder))
            {
                Counts.Installations++;
                string name = Path.GetFileName(file);
                if (!Directory.Exists(Path.Combine(Folder(ItemTypes.Claims), name)))
                {
                    Problems.Add(new PorterHomeProblem(ProblemCodes.IndexWithoutClaims, file,
                        $"The index entry '{file}' has no claims folder; 'porter list' fails on it."));
                }
            }
        }

        private void Results(string type, Action<int> add, string? suffix)
        {
            string folder = Folder(type);
            if (!Directory.Exists(folder))
            {
                return;
            }
            foreach (string dir in Folders(folder))
            {
                _cancel.ThrowIfCancellationRequested();
                add(Files(dir, suffix).Count());
            }
        }

        private void ScanCredentials()
        {
            string folder = Folder(ItemTypes.Credentials);
            if (!Directory.Exists(folder))
            {
                return;
            }
            var names = new List<string>();
            foreach (string file in Files(folder))
            {
                _cancel.ThrowIfCancellationRequested();
                string ext = Path.GetExtension(file);
                string name = Path.GetFileNameWithoutExtension(file);
                if (ext == ".json")
                {
                    names.Add(name);
                    if (HasSchemaVersion(file, requireValue: true))
                    {
                        Counts.Credentials++;
                    }
                    else
                    {
                        Counts.LegacyCredentials++;
                    }
                }
                else if (ext == ".yaml" && !File.Exists(Path.Combine(folder, name + ".json")))
                {
                    Counts.YamlCredentials++;
                    Problems.Add(new PorterHomeProblem(ProblemCodes.YamlOnlyCredential, file,
                        $"The credential set '{file}' exists only as YAML (Porter ≤ v0.22); Porter v0.28+ ignores it."));
                }
            }
            ReportCaseCollisions(ItemTypes.Credentials, names);
        }

        private void ScanParameters()
        {
            string folder = Folder(ItemTypes.Parameters);
            if (!Directory.Exists(folder))
            {
                return;
            }
            var names = new List<string>();
            foreach (string file in Files(folder, ".json"))
            {
                _cancel.ThrowIfCancellationRequested();
                names.Add(Path.GetFileNameWithoutExtension(file));
                if (HasSchemaVersion(file, requireValue: false))
                {
                    Counts.Parameters++;
                }
                else
                {
                    Counts.LegacyParameters++;
                }
            }
            ReportCaseCollisions(ItemTypes.Parameters, names);
        }

        /// <summary>
        /// True when the document is a JSON object with a schemaVersion by <see cref="PorterDocuments.HasSchemaVersion"/>.
        /// An unreadable document is reported as a problem (position only, never its content).
        /// </summary>
        private bool HasSchemaVersion(string file, bool requireValue)
        {
            try
            {
                using (JsonDocument doc = JsonDocument.Parse(_io.ReadAllBytes(file), PorterStorage.Core.Json.GoJson.DocumentOptions))
                {
                    if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        Problems.Add(new PorterHomeProblem(ProblemCodes.UnreadableDocument, file, $"'{file}' is not a JSON object."));
                        return false;
                    }
                    return PorterDocuments.HasSchemaVersion(doc.RootElement, requireValue);
                }
            }
            catch (JsonException ex)
            {
                Problems.Add(new PorterHomeProblem(ProblemCodes.UnreadableDocument, file,
                    $"'{file}' is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})."));
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                PorterStorageException named = IOErrors.Map(ex, file, IOOperation.Read, "It is not counted.");
                Failures.Add(named);
                Problems.Add(new PorterHomeProblem(ProblemCodes.UnreadableDocument, file, $"{named.ErrorId}: {named.Message}"));
            }
            return false;
        }

        private void ReportCaseCollisions(string type, List<string> names)
        {
            foreach (IGrouping<string, string> group in names.Distinct(StringComparer.Ordinal)
                         .GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                Problems.Add(new PorterHomeProblem(ProblemCodes.CaseCollision, Path.Combine(Folder(type), group.Key),
                    $"The {type} names {string.Join(", ", group.Select(n => "'" + n + "'"))} differ only in case and collide on Windows and macOS."));
            }
        }

        /// <summary>Porter ≥ v0.38.7 refuses any file with bits outside 0600 here (format §2.4).</summary>
        private void CheckPermissions(string? configFile)
        {
            if (!UnixPermissions.CanRead)
            {
                return;
            }
            if (configFile != null)
            {
                CheckMode(configFile);
            }
            foreach (string type in PorterFileModes.CheckedFolders)
            {
                string folder = Folder(type);
                if (Directory.Exists(folder))
                {
                    CheckTree(new DirectoryInfo(folder));
                }
            }
        }

        private void CheckTree(DirectoryInfo dir)
        {
            foreach (FileSystemInfo entry in Entries(dir.FullName))
            {
                _cancel.ThrowIfCancellationRequested();
                if (IsLink(entry))
                {
                    continue;
                }
                if (entry is DirectoryInfo d)
                {
                    CheckTree(d);
                }
                else
                {
                    CheckMode(entry.FullName);
                }
            }
        }

        private void CheckMode(string file)
        {
            // Links inside the data folders are skipped by CheckTree; a linked config file is judged by its target.
            int? mode = PorterFileModes.ModeBeyondPrivate(file, followLinks: true);
            if (mode.HasValue)
            {
                Problems.Add(new PorterHomeProblem(ProblemCodes.FilePermissions, file,
                    PorterFileModes.Refusal(file, mode.Value)));
            }
        }
    }
}
