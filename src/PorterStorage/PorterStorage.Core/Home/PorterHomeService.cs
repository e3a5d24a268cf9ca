using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace PorterStorage.Core.Home
{
    /// <summary>Resolves and inspects Porter homes. Reads only.</summary>
    public static class PorterHomeService
    {
        /// <summary>
        /// Porter's home resolution (format §1): an explicit path, else a non-empty <c>PORTER_HOME</c>, else
        /// <c>&lt;user home&gt;/.porter</c>; relative values are made absolute against <paramref name="currentDirectory"/>.
        /// </summary>
        public static string ResolvePath(string? explicitPath, string? porterHomeVariable, string? userHome, string currentDirectory, out string resolvedFrom)
        {
            string raw;
            if (!string.IsNullOrEmpty(explicitPath))
            {
                raw = explicitPath!;
                resolvedFrom = "Parameter";
            }
            else if (!string.IsNullOrEmpty(porterHomeVariable))
            {
                raw = porterHomeVariable!;
                resolvedFrom = "PORTER_HOME";
            }
            else if (!string.IsNullOrEmpty(userHome))
            {
                raw = Path.Combine(userHome!, ".porter");
                resolvedFrom = "UserHome";
            }
            else
            {
                throw new PorterStorageException(ErrorIds.HomePathInvalid, PorterErrorKind.InvalidArgument, null,
                    "Could not find the user home directory (HOME or USERPROFILE) and PORTER_HOME is not set; pass -Path.");
            }

            try
            {
                string full = Path.GetFullPath(Path.IsPathRooted(raw) ? raw : Path.Combine(currentDirectory, raw));
                return TrimSeparator(full);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException)
            {
                throw new PorterStorageException(ErrorIds.HomePathInvalid, PorterErrorKind.InvalidArgument, raw,
                    $"'{raw}' is not a valid home path: {ex.Message}", ex);
            }
        }

        /// <summary>The user home as Go's os.UserHomeDir finds it.</summary>
        public static string? UserHomeFromEnvironment() =>
            Environment.GetEnvironmentVariable(RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "USERPROFILE" : "HOME");

        private static string TrimSeparator(string path)
        {
            string root = Path.GetPathRoot(path) ?? string.Empty;
            while (path.Length > root.Length && (path.EndsWith("/", StringComparison.Ordinal) || path.EndsWith("\\", StringComparison.Ordinal)))
            {
                path = path.Substring(0, path.Length - 1);
            }
            return path;
        }

        /// <summary>Inspects a home: config, storage, layout, counts, size, schema and problems.</summary>
        public static PorterHome Inspect(string homePath, string resolvedFrom = "Parameter", CancellationToken cancellationToken = default) =>
            Inspect(homePath, resolvedFrom, FileIO.System, cancellationToken);

        /// <summary>
        /// As above, listing and reading through <paramref name="io"/>. A folder or file the process may not list or read is a
        /// problem naming it (<c>AccessDenied</c>, <c>StoreReadError</c>, <c>UnreadableDocument</c>, <c>ConfigUnreadable</c>), never an exception.
        /// </summary>
        internal static PorterHome Inspect(string homePath, string resolvedFrom, IFileIO io, CancellationToken cancellationToken)
        {
            bool exists = Directory.Exists(homePath);
            var home = new PorterHome(homePath, resolvedFrom, exists);
            var problems = new List<PorterHomeProblem>();
            if (!exists)
            {
                // Nothing there is no problem of a home (Porter would create it); a file there is.
                PorterStorageException? refusal = HomeShape.FolderRefusal(homePath);
                if (refusal != null && refusal.ErrorId == ErrorIds.PathNotFolder)
                {
                    problems.Add(new PorterHomeProblem(ProblemCodes.PathNotFolder, homePath, refusal.Message));
                }
                home.Storage = PorterResolvedStorage.Default();
                home.Layout = PorterLayout.Empty;
                home.Problems = problems;
                return home;
            }

            try
            {
                home.Config = PorterConfigReader.Read(homePath, io);
                home.Storage = home.Config.ResolvedStorage;
                foreach (string ignored in home.Config.IgnoredFiles)
                {
                    problems.Add(new PorterHomeProblem(ProblemCodes.IgnoredConfigFile, ignored,
                        $"'{ignored}' is ignored: Porter reads only '{home.Config.FilePath}'."));
                }
            }
            catch (PorterStorageException ex)
            {
                problems.Add(new PorterHomeProblem(ProblemCodes.ConfigUnreadable, ex.Target, $"{ex.ErrorId}: {ex.Message}"));
            }

            IPorterStore folder = PorterStores.OpenReader(homePath, null, io, Environment.GetEnvironmentVariable, cancellationToken);
            var scanner = new HomeScanner(homePath, cancellationToken, io);
            scanner.Scan(home.ConfigPath, PorterStores.YamlOnlyCredentialSets(folder));
            problems.AddRange(scanner.Problems);
            home.SizeBytes = scanner.SizeBytes;
            home.Items = PorterStores.CountItems(folder, out _, cancellationToken);
            home.Layout = LayoutOf(home.Items);

            try
            {
                // For an azure.blob or azure.table home the data lives in the plugin's container or table: it is counted there and its schema read.
                IPorterStore data = PorterStores.OpenReader(homePath, home.Config, io, Environment.GetEnvironmentVariable, cancellationToken);
                home.AzureStorage = PorterStores.ContainerOf(data);
                if (home.AzureStorage != null)
                {
                    home.Items = PorterStores.CountItems(data, out _, cancellationToken);
                    home.Layout = LayoutOf(home.Items);
                }
                home.Schema = SchemaInspector.Evaluate(homePath, data, home.Items, cancellationToken);
            }
            catch (PorterStorageException ex)
            {
                problems.Add(new PorterHomeProblem((home.Storage?.IsAzureBlob == true || home.Storage?.IsAzureTable == true) && home.Schema == null && ex.ErrorId != ErrorIds.SchemaParseError
                    ? ProblemCodes.StorageUnreachable : ProblemCodes.SchemaUnreadable, ex.Target, $"{ex.ErrorId}: {ex.Message}"));
            }

            home.Problems = problems;
            return home;
        }

        /// <summary>
        /// Checks the schema of a home (Test-PorterSchema): its folder, or for an azure.blob home the plugin's container and its
        /// <c>schema</c> blob. Raises <c>SchemaParseError</c>, <c>HomeNotFound</c>, config and Azure errors.
        /// </summary>
        public static PorterSchemaStatus TestSchema(string homePath, CancellationToken cancellationToken = default) =>
            TestSchema(homePath, FileIO.System, cancellationToken);

        /// <summary>
        /// As above, listing and reading through <paramref name="io"/>. A folder or document of the home that cannot be listed or
        /// read leaves the state unknown: its named error (<c>AccessDenied</c>, <c>StoreReadError</c>, <c>FileUnreadable</c>) is raised.
        /// </summary>
        internal static PorterSchemaStatus TestSchema(string homePath, IFileIO io, CancellationToken cancellationToken)
        {
            HomeShape.RequireFolder(homePath);
            PorterConfig config = PorterConfigReader.Read(homePath, io);
            return SchemaOf(homePath, PorterStores.OpenReader(homePath, config, io, Environment.GetEnvironmentVariable, cancellationToken), cancellationToken);
        }

        /// <summary>
        /// Checks the schema of the azure.blob plugin's container or the azure.table plugin's table given directly (a storage
        /// from Get-PorterAzureStorage): its <c>schema</c> blob or entity and what it holds. Raises Azure errors.
        /// </summary>
        public static PorterSchemaStatus TestStorageSchema(PorterAzureStorage storage, CancellationToken cancellationToken = default) =>
            SchemaOf(storage.StoreUri.ToString(), PorterStores.OpenReader(storage), cancellationToken);

        /// <summary>The schema state of what <paramref name="data"/> holds; the first item that could not be listed or read is raised.</summary>
        private static PorterSchemaStatus SchemaOf(string location, IPorterStore data, CancellationToken cancellationToken)
        {
            PorterItemCounts counts = PorterStores.CountItems(data, out IReadOnlyList<PorterStorageException> failures, cancellationToken);
            if (failures.Count > 0)
            {
                throw failures[0];
            }
            return SchemaInspector.Evaluate(location, data, counts, cancellationToken);
        }

        /// <summary>Reads the config of an existing home (Get-PorterConfig).</summary>
        public static PorterConfig ReadConfig(string homePath) => HomeShape.ReadConfig(homePath);

        public static PorterLayout LayoutOf(PorterItemCounts counts)
        {
            bool legacy = counts.LegacyTotal > 0, current = counts.CurrentTotal > 0;
            return legacy ? (current ? PorterLayout.Mixed : PorterLayout.Legacy) : (current ? PorterLayout.Current : PorterLayout.Empty);
        }
    }
}
