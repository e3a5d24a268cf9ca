using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using PorterStorage.Core.IO;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Home
{
    /// <summary>Reads a PORTER_HOME folder without changing it: item counts, size and problems.</summary>
    internal sealed class HomeScanner
    {
        private readonly string _home;
        private readonly CancellationToken _cancel;

        public HomeScanner(string home, CancellationToken cancel)
        {
            _home = home;
            _cancel = cancel;
        }

        public PorterItemCounts Counts { get; } = new PorterItemCounts();

        public List<PorterHomeProblem> Problems { get; } = new List<PorterHomeProblem>();

        public long SizeBytes { get; private set; }

        public void Scan(string? configFile)
        {
            SizeBytes = SumSizes(new DirectoryInfo(_home));
            foreach (LinkedDataFolder link in DataFolderLinks.Find(_home))
            {
                Problems.Add(new PorterHomeProblem(ProblemCodes.DataFolderIsLink, link.Path, link.ToException().Message));
            }
            ScanClaims();
            ScanIndex();
            Results(ItemTypes.Results, c => Counts.Results += c, "*.json");
            Results(ItemTypes.Outputs, c => Counts.Outputs += c, "*");
            ScanCredentials();
            ScanParameters();
            CheckPermissions(configFile);
        }

        private string Folder(string type) => Path.Combine(_home, type);

        private static bool IsLink(FileSystemInfo info) => (info.Attributes & FileAttributes.ReparsePoint) != 0;

        private long SumSizes(DirectoryInfo dir)
        {
            long total = 0;
            foreach (FileSystemInfo entry in dir.EnumerateFileSystemInfos())
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
            foreach (string file in Directory.EnumerateFiles(folder, "*.json"))
            {
                Counts.LegacyClaims++;
                names.Add(Path.GetFileNameWithoutExtension(file));
            }
            foreach (string dir in Directory.EnumerateDirectories(folder))
            {
                _cancel.ThrowIfCancellationRequested();
                Counts.InstallationFolders++;
                Counts.Claims += Directory.EnumerateFiles(dir, "*.json").Count();
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
            foreach (string file in Directory.EnumerateFiles(folder))
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

        private void Results(string type, Action<int> add, string pattern)
        {
            string folder = Folder(type);
            if (!Directory.Exists(folder))
            {
                return;
            }
            foreach (string dir in Directory.EnumerateDirectories(folder))
            {
                _cancel.ThrowIfCancellationRequested();
                add(Directory.EnumerateFiles(dir, pattern).Count());
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
            foreach (string file in Directory.EnumerateFiles(folder))
            {
                _cancel.ThrowIfCancellationRequested();
                string ext = Path.GetExtension(file);
                string name = Path.GetFileNameWithoutExtension(file);
                if (ext == ".json")
                {
                    names.Add(name);
                    if (TopLevelString(file, "schemaVersion", out string? version) && !string.IsNullOrEmpty(version))
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
            foreach (string file in Directory.EnumerateFiles(folder, "*.json"))
            {
                _cancel.ThrowIfCancellationRequested();
                names.Add(Path.GetFileNameWithoutExtension(file));
                if (TopLevelString(file, "schemaVersion", out _))
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
        /// True when the document is a JSON object with the key; the value is returned when it is a string.
        /// An unreadable document is reported as a problem (position only, never its content).
        /// </summary>
        private bool TopLevelString(string file, string key, out string? value)
        {
            value = null;
            try
            {
                using (JsonDocument doc = JsonDocument.Parse(FileSystemExtras.ReadAllBytes(file), PorterStorage.Core.Json.GoJson.DocumentOptions))
                {
                    if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        Problems.Add(new PorterHomeProblem(ProblemCodes.UnreadableDocument, file, $"'{file}' is not a JSON object."));
                        return false;
                    }
                    if (!doc.RootElement.TryGetProperty(key, out JsonElement v))
                    {
                        return false;
                    }
                    if (v.ValueKind == JsonValueKind.String)
                    {
                        value = v.GetString();
                    }
                    return true;
                }
            }
            catch (JsonException ex)
            {
                Problems.Add(new PorterHomeProblem(ProblemCodes.UnreadableDocument, file,
                    $"'{file}' is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})."));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Problems.Add(new PorterHomeProblem(ProblemCodes.UnreadableDocument, file, $"'{file}' could not be read: {ex.Message}"));
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

        /// <summary>Porter ≥ v0.38.7 refuses any file with bits outside 0600 here (spec §2.4).</summary>
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
            foreach (string type in new[] { ItemTypes.Claims, ItemTypes.Outputs, ItemTypes.Credentials, ItemTypes.Parameters })
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
            foreach (FileSystemInfo entry in dir.EnumerateFileSystemInfos())
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
            int? mode = UnixPermissions.TryGetMode(file);
            if (mode.HasValue && (mode.Value & ~0x180 & 0x1FF) != 0)
            {
                Problems.Add(new PorterHomeProblem(ProblemCodes.FilePermissions, file,
                    $"'{file}' has mode {UnixPermissions.ToOctal(mode.Value)}; Porter v0.38.7+ requires 600 or stricter."));
            }
        }
    }
}
