using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using PorterStorage.Core.Config;
using PorterStorage.Core.Errors;
using PorterStorage.Core.IO;
using PorterStorage.Core.Json;
using PorterStorage.Core.Schema;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Migration
{
    public enum FindingSeverity
    {
        Warning,
        Error,
    }

    /// <summary>Something Test-PorterStorage found, with the item it concerns.</summary>
    public sealed class StorageFinding
    {
        internal StorageFinding(FindingSeverity severity, string code, string path, string message)
        {
            Severity = severity;
            Code = code;
            Path = path;
            Message = message;
        }

        public FindingSeverity Severity { get; }

        public string Code { get; }

        public string Path { get; }

        public string Message { get; }

        public override string ToString() => $"{Severity} {Code}: {Message}";
    }

    /// <summary>A current-layout home or container checked the way Porter v0.38 reads it.</summary>
    public sealed class PorterStorageVerification
    {
        internal PorterStorageVerification(string source, int installations, int claims, int results, int outputs, IReadOnlyList<StorageFinding> findings)
        {
            Source = source;
            Installations = installations;
            Claims = claims;
            Results = results;
            Outputs = outputs;
            Findings = findings;
        }

        /// <summary>What was checked: the home's full path, or the container's URL.</summary>
        public string Source { get; }

        public int Installations { get; }

        public int Claims { get; }

        public int Results { get; }

        public int Outputs { get; }

        public IReadOnlyList<StorageFinding> Findings { get; }

        public int ErrorCount => Findings.Count(f => f.Severity == FindingSeverity.Error);

        public int WarningCount => Findings.Count(f => f.Severity == FindingSeverity.Warning);

        /// <summary>No errors (warnings allowed).</summary>
        public bool IsValid => ErrorCount == 0;

        public override string ToString() => $"{Source}: {ErrorCount} error(s), {WarningCount} warning(s)";
    }

    /// <summary>
    /// Checks a home in the v0.28–v0.38 layout: documents, cross references, index, order, schema, modes. What makes
    /// Porter fail (missing or old schema, legacy leftovers, unreadable claims, index entries without claims, wide
    /// modes) is an error; orphaned or mislabelled results and outputs, which Porter tolerates, are warnings.
    /// </summary>
    public static class StorageVerifier
    {
        public static PorterStorageVerification Verify(string homePath, CancellationToken cancel = default) => Verify(homePath, FileIO.System, cancel);

        /// <summary>
        /// As above, listing and reading through <paramref name="io"/>. A folder that cannot be listed or a document that cannot be
        /// read is an error finding naming it (<c>AccessDenied</c>, <c>StoreReadError</c>; <c>DocumentUnreadable</c>), never a raw exception.
        /// </summary>
        internal static PorterStorageVerification Verify(string homePath, IFileIO io, CancellationToken cancel = default)
        {
            if (!Directory.Exists(homePath))
            {
                throw new PorterStorageException(ErrorIds.HomeNotFound, PorterErrorKind.ObjectNotFound, homePath, $"The Porter home '{homePath}' does not exist.");
            }
            try
            {
                return VerifyHome(homePath, io, cancel);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, homePath, IOOperation.List, "The home could not be checked.");
            }
        }

        private static PorterStorageVerification VerifyHome(string homePath, IFileIO io, CancellationToken cancel)
        {
            var findings = new List<StorageFinding>();
            void Add(FindingSeverity s, string code, string path, string message) => findings.Add(new StorageFinding(s, code, path, message));
            string P(params string[] parts) => Path.Combine(new[] { homePath }.Concat(parts).ToArray());

            // A folder's entries sorted by name; one that cannot be listed is an error finding naming it (once), and is taken as empty.
            var unlisted = new HashSet<string>(StringComparer.Ordinal);
            List<FileSystemInfo> Entries(string dir)
            {
                if (!Directory.Exists(dir))
                {
                    return new List<FileSystemInfo>();
                }
                try
                {
                    return io.List(dir).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
                }
                catch (Exception ex) when (IOErrors.IsIOFailure(ex))
                {
                    PorterStorageException named = IOErrors.Map(ex, dir, IOOperation.List, "What it holds was not checked.");
                    if (unlisted.Add(dir))
                    {
                        Add(FindingSeverity.Error, named.ErrorId, dir, named.Message);
                    }
                    return new List<FileSystemInfo>();
                }
            }
            IEnumerable<string> Files(string dir, string? suffix = null) =>
                Entries(dir).Where(e => e is FileInfo && (suffix == null || e.Name.EndsWith(suffix, StringComparison.Ordinal))).Select(e => e.FullName);
            IEnumerable<string> Folders(string dir) => Entries(dir).Where(e => e is DirectoryInfo).Select(e => e.FullName);
            IEnumerable<string> AllFiles(string dir) =>
                Entries(dir).SelectMany(e => e is DirectoryInfo ? ((e.Attributes & FileAttributes.ReparsePoint) != 0 ? Enumerable.Empty<string>() : AllFiles(e.FullName))
                    : new[] { e.FullName });
            JsonElement? Read(string file) => ReadObject(file, io, Add);

            // the home's shape: Porter fails on a data folder that is a file and on schema.json that is a folder
            foreach (string folder in ItemTypes.DataFolders)
            {
                if (File.Exists(P(folder)))
                {
                    Add(FindingSeverity.Error, ErrorIds.PathNotFolder, P(folder), $"'{P(folder)}' is a file where Porter keeps a folder.");
                }
            }
            if (Directory.Exists(P(SchemaVersions.FileName)))
            {
                Add(FindingSeverity.Error, ErrorIds.PathNotFile, P(SchemaVersions.FileName), $"'{P(SchemaVersions.FileName)}' is a folder where Porter keeps a file.");
            }

            // schema.json
            try
            {
                PorterSchemaDocument? schema = SchemaInspector.ReadSchema(new FileSystemPorterStore(homePath, io), out string? where, cancel);
                if (schema == null)
                {
                    Add(FindingSeverity.Error, FindingCodes.SchemaMissing, P(SchemaVersions.FileName), SchemaVersions.FileName + " is missing; Porter demands a migration.");
                }
                else if (!schema.IsCurrent)
                {
                    Add(FindingSeverity.Error, FindingCodes.SchemaOutdated, where!, $"'{where}' does not hold the current schema versions.");
                }
            }
            catch (PorterStorageException ex)
            {
                Add(FindingSeverity.Error, FindingCodes.SchemaUnreadable, ex.Target ?? P(SchemaVersions.FileName), ex.Message);
            }

            // claims
            var claimIds = new HashSet<string>(StringComparer.Ordinal);
            var installationFolders = new List<string>();
            int claimCount = 0;
            string claimsDir = P(ItemTypes.Claims);
            if (Directory.Exists(claimsDir))
            {
                List<FileSystemInfo> claimEntries = Entries(claimsDir);
                foreach (string file in claimEntries.Where(e => e is FileInfo && e.Name.EndsWith(".json", StringComparison.Ordinal)).Select(e => e.FullName))
                {
                    Add(FindingSeverity.Error, FindingCodes.LegacyClaim, file, $"'{file}' is a pre-v0.28 claim that has not been migrated.");
                }
                foreach (string dir in claimEntries.Where(e => e is DirectoryInfo).Select(e => e.FullName))
                {
                    cancel.ThrowIfCancellationRequested();
                    string installation = Path.GetFileName(dir);
                    installationFolders.Add(installation);
                    var created = new List<KeyValuePair<string, string>>();
                    foreach (string file in Files(dir, ".json"))
                    {
                        claimCount++;
                        string id = Path.GetFileNameWithoutExtension(file);
                        claimIds.Add(id);
                        if (!UlidGenerator.IsValid(id))
                        {
                            Add(FindingSeverity.Warning, FindingCodes.InvalidUlid, file, $"The claim ID '{id}' is not a valid ULID; Porter orders claims by this text.");
                        }
                        JsonElement? doc = Read(file);
                        if (doc == null)
                        {
                            continue;
                        }
                        if (Str(doc.Value, "id") != id || Str(doc.Value, "installation") != installation)
                        {
                            Add(FindingSeverity.Error, FindingCodes.ClaimMismatch, file, $"'{file}' does not carry the id and installation its path names.");
                        }
                        string? stamp = Str(doc.Value, "created");
                        if (stamp == null || !GoTime.TryNormalize(stamp, out _))
                        {
                            Add(FindingSeverity.Error, FindingCodes.ClaimUnreadable, file, $"'{file}' has no valid created time.");
                        }
                        else
                        {
                            created.Add(new KeyValuePair<string, string>(id, stamp));
                        }
                    }
                    CheckOrder(dir, created, Add);
                }
            }

            // index
            var index = new HashSet<string>(StringComparer.Ordinal);
            string indexDir = P(ItemTypes.Installations);
            {
                foreach (string file in Files(indexDir))
                {
                    string name = Path.GetFileName(file);
                    index.Add(name);
                    if (!installationFolders.Contains(name))
                    {
                        Add(FindingSeverity.Error, FindingCodes.IndexWithoutClaims, file, $"The index entry '{file}' has no claims folder; 'porter list' fails on it.");
                    }
                }
            }
            foreach (string installation in installationFolders.Where(i => !index.Contains(i)))
            {
                Add(FindingSeverity.Warning, FindingCodes.MissingIndex, P(ItemTypes.Installations, installation),
                    $"The installation '{installation}' has claims but no index entry; Porter v1's migration skips it.");
            }

            // results
            var resultIds = new HashSet<string>(StringComparer.Ordinal);
            int resultCount = 0;
            string resultsDir = P(ItemTypes.Results);
            {
                foreach (string dir in Folders(resultsDir))
                {
                    string claimId = Path.GetFileName(dir);
                    if (!claimIds.Contains(claimId))
                    {
                        Add(FindingSeverity.Warning, FindingCodes.ResultWithoutClaim, dir, $"The results in '{dir}' belong to no claim.");
                    }
                    foreach (string file in Files(dir, ".json"))
                    {
                        resultCount++;
                        string id = Path.GetFileNameWithoutExtension(file);
                        resultIds.Add(id);
                        JsonElement? doc = Read(file);
                        if (doc != null && (Str(doc.Value, "id") != id || Str(doc.Value, "claimId") != claimId))
                        {
                            Add(FindingSeverity.Warning, FindingCodes.ResultMismatch, file, $"'{file}' does not carry the id and claimId its path names.");
                        }
                    }
                }
            }

            // outputs
            int outputCount = 0;
            string outputsDir = P(ItemTypes.Outputs);
            {
                foreach (string dir in Folders(outputsDir))
                {
                    string resultId = Path.GetFileName(dir);
                    if (!resultIds.Contains(resultId))
                    {
                        Add(FindingSeverity.Warning, FindingCodes.OutputWithoutResult, dir, $"The outputs in '{dir}' belong to no result.");
                    }
                    foreach (string file in Files(dir))
                    {
                        outputCount++;
                        string fileName = Path.GetFileName(file);
                        if (!fileName.StartsWith(resultId + "-", StringComparison.Ordinal))
                        {
                            Add(FindingSeverity.Error, FindingCodes.OutputMisnamed, file, $"'{file}' is not named <result id>-<output name>.");
                        }
                        else if (fileName.Length > resultId.Length + 1 && (resultId + "-").IndexOf(fileName[resultId.Length + 1]) >= 0)
                        {
                            // cnab-go v0.19 strips the prefix with a character-set trim (E17).
                            Add(FindingSeverity.Warning, FindingCodes.OutputNameTrimmed, file,
                                $"The output name in '{file}' starts with a character of its result ID; Porter v0.38 may read it with that character cut off.");
                        }
                    }
                }
            }

            // sets
            foreach (string file in Files(P(ItemTypes.Credentials), ".json"))
            {
                JsonElement? doc = Read(file);
                if (doc != null && !PorterDocuments.HasSchemaVersion(doc.Value, requireValue: true))
                {
                    Add(FindingSeverity.Error, FindingCodes.LegacyCredentialSet, file, PorterDocuments.NotMigrated(file));
                }
            }
            foreach (string file in Files(P(ItemTypes.Parameters), ".json"))
            {
                JsonElement? doc = Read(file);
                if (doc != null && !PorterDocuments.HasSchemaVersion(doc.Value, requireValue: false))
                {
                    Add(FindingSeverity.Error, FindingCodes.LegacyParameterSet, file, PorterDocuments.NotMigrated(file));
                }
            }

            // permissions (Porter v0.38.7+)
            if (UnixPermissions.CanRead)
            {
                string? config = PorterConfigReader.FindConfigFile(homePath, out _, out _);
                var toCheck = new List<string>();
                if (config != null)
                {
                    toCheck.Add(config);
                }
                foreach (string folder in PorterFileModes.CheckedFolders)
                {
                    toCheck.AddRange(AllFiles(P(folder)).OrderBy(f => f, StringComparer.Ordinal));
                }
                foreach (string file in toCheck)
                {
                    int? mode = PorterFileModes.ModeBeyondPrivate(file, followLinks: true);
                    if (mode.HasValue)
                    {
                        Add(FindingSeverity.Error, FindingCodes.FilePermissions, file, PorterFileModes.Refusal(file, mode.Value));
                    }
                }
            }

            return new PorterStorageVerification(homePath, index.Count, claimCount, resultCount, outputCount, findings);
        }

        private static void CheckOrder(string dir, List<KeyValuePair<string, string>> created, Action<FindingSeverity, string, string, string> add)
        {
            // Porter takes the claim with the greatest ID as the installation's latest; IDs must follow time.
            var byId = new List<decimal>();
            foreach (KeyValuePair<string, string> c in created.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (!GoTime.TryInstant(c.Value, out decimal instant))
                {
                    return; // an invalid time is reported where the claim is read
                }
                byId.Add(instant);
            }
            for (int i = 1; i < byId.Count; i++)
            {
                if (byId[i] < byId[i - 1])
                {
                    add(FindingSeverity.Warning, FindingCodes.ClaimOrder, dir, $"In '{dir}' a claim with a later ID was created earlier; Porter would report the wrong latest action.");
                    return;
                }
            }
        }

        private static string? Str(JsonElement e, string key) =>
            e.TryGetProperty(key, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        private static JsonElement? ReadObject(string file, IFileIO io, Action<FindingSeverity, string, string, string> add)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(io.ReadAllBytes(file), GoJson.DocumentOptions);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    return doc.RootElement.Clone();
                }
                add(FindingSeverity.Error, FindingCodes.DocumentUnreadable, file, $"'{file}' is not a JSON object.");
            }
            catch (JsonException ex)
            {
                add(FindingSeverity.Error, FindingCodes.DocumentUnreadable, file, $"'{file}' is not valid JSON (line {(ex.LineNumber ?? 0) + 1}).");
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                PorterStorageException named = IOErrors.Map(ex, file, IOOperation.Read);
                add(FindingSeverity.Error, FindingCodes.DocumentUnreadable, file, $"{named.ErrorId}: {named.Message}");
            }
            return null;
        }
    }
}
