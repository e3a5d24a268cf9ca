using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;

namespace PorterStorage.Core.Home
{
    /// <summary>
    /// Reads a PORTER_HOME folder without changing it for what Get-PorterHome shows beside the counts (which
    /// <see cref="StoreCounter"/> makes for any store): its size and the problems only a folder has.
    /// </summary>
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

        public List<PorterHomeProblem> Problems { get; } = new List<PorterHomeProblem>();

        public long SizeBytes { get; private set; }

        private IReadOnlyList<string> _yamlOnly = Array.Empty<string>();

        /// <summary>Scans the home; <paramref name="yamlOnly"/> are its YAML-only credential sets, as its store lists them.</summary>
        public void Scan(string? configFile, IReadOnlyList<string> yamlOnly)
        {
            _yamlOnly = yamlOnly;
            SizeBytes = SumSizes(new DirectoryInfo(_home));
            foreach (LinkedDataFolder link in DataFolderLinks.Find(_home))
            {
                Problems.Add(new PorterHomeProblem(ProblemCodes.DataFolderIsLink, link.Path, link.ToException().Message));
            }
            ScanClaims();
            ScanIndex();
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
        private List<FileSystemInfo> Entries(string folder)
        {
            try
            {
                return _io.List(folder).ToList();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                PorterStorageException named = IOErrors.Map(ex, folder, IOOperation.List, "What it holds is not counted.");
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
            foreach (FileSystemInfo entry in Entries(dir.FullName))
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
                names.Add(Path.GetFileNameWithoutExtension(file));
            }
            foreach (string dir in entries.Where(e => e is DirectoryInfo).Select(e => e.FullName))
            {
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
                string name = Path.GetFileName(file);
                if (!Directory.Exists(Path.Combine(Folder(ItemTypes.Claims), name)))
                {
                    Problems.Add(new PorterHomeProblem(ProblemCodes.IndexWithoutClaims, file,
                        $"The index entry '{file}' has no claims folder; 'porter list' fails on it."));
                }
            }
        }

        private void ScanCredentials() => ScanSets(ItemTypes.Credentials, () =>
        {
            foreach (string file in _yamlOnly)
            {
                Problems.Add(new PorterHomeProblem(ProblemCodes.YamlOnlyCredential, file,
                    $"The credential set '{file}' exists only as YAML (Porter ≤ v0.22); Porter v0.28+ ignores it."));
            }
        });

        private void ScanParameters() => ScanSets(ItemTypes.Parameters, null);

        /// <summary>Checks that each set of a type can be read, then what <paramref name="more"/> adds, then that no two names differ only in case.</summary>
        private void ScanSets(string itemType, Action? more)
        {
            string folder = Folder(itemType);
            if (!Directory.Exists(folder))
            {
                return;
            }
            var names = new List<string>();
            foreach (string file in Files(folder, ".json"))
            {
                _cancel.ThrowIfCancellationRequested();
                names.Add(Path.GetFileNameWithoutExtension(file));
                CheckReadable(file);
            }
            more?.Invoke();
            ReportCaseCollisions(itemType, names);
        }

        /// <summary>A set that is not a readable JSON object is reported as a problem (position only, never its content).</summary>
        private void CheckReadable(string file)
        {
            try
            {
                using (JsonDocument doc = JsonDocument.Parse(_io.ReadAllBytes(file), GoJson.DocumentOptions))
                {
                    if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        Problems.Add(new PorterHomeProblem(ProblemCodes.UnreadableDocument, file, $"'{file}' is not a JSON object."));
                    }
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
                Problems.Add(new PorterHomeProblem(ProblemCodes.UnreadableDocument, file, $"{named.ErrorId}: {named.Message}"));
            }
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
            foreach (string type in ItemTypes.ModeChecked)
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
