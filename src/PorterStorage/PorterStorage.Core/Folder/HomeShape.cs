using System.IO;
using System.Linq;

namespace PorterStorage.Core.Folder
{
    /// <summary>
    /// The shape a home must have before anything is written to it: <c>schema.json</c> a file when present, each data
    /// folder (and the migration's work folder) a folder when present. Checked before a run's first write, so a home
    /// of the wrong shape is refused whole instead of after every installation was migrated.
    /// </summary>
    public static class HomeShape
    {
        /// <summary>The work folder of the migration (journal, staging, lock).</summary>
        public const string WorkFolderName = ".porterstorage";

        /// <summary>
        /// The one rule of what a home path must name before anything reads it: an existing folder. Raises <c>HomeNotFound</c>
        /// when nothing is there and <c>PathNotFolder</c> when a file (or anything else but a folder) is.
        /// </summary>
        public static void RequireFolder(string homePath)
        {
            PorterStorageException? refusal = FolderRefusal(homePath);
            if (refusal != null)
            {
                throw refusal;
            }
        }

        /// <summary>Reads the config of an existing home (<see cref="RequireFolder"/> first).</summary>
        public static PorterConfig ReadConfig(string homePath)
        {
            RequireFolder(homePath);
            return PorterConfigReader.Read(homePath);
        }

        /// <summary>The refusal <see cref="RequireFolder"/> raises, or null for an existing folder.</summary>
        public static PorterStorageException? FolderRefusal(string homePath)
        {
            if (Directory.Exists(homePath))
            {
                return null;
            }
            return File.Exists(homePath)
                ? new PorterStorageException(ErrorIds.PathNotFolder, PorterErrorKind.InvalidArgument, homePath,
                    $"The Porter home '{homePath}' is a file, not a folder: give the folder that holds Porter's config and data (PORTER_HOME, default ~/.porter).")
                : new PorterStorageException(ErrorIds.HomeNotFound, PorterErrorKind.ObjectNotFound, homePath, $"The Porter home '{homePath}' does not exist.");
        }

        /// <summary>
        /// The names of Porter itself in a home, beside its config, <c>schema.json</c>, data folders and the migration's work
        /// folder: the binary, its runtime and what it installed.
        /// </summary>
        private static readonly string[] PorterOwnNames = { "porter", "porter.exe", "runtimes", "mixins", "plugins" };

        /// <summary>
        /// True when the folder holds anything of Porter's: a config file Porter reads, <c>schema.json</c>, a data folder, the
        /// migration's work folder, or Porter's own binary, runtime, mixins or plugins. An empty folder holds nothing.
        /// </summary>
        public static bool HoldsPorterData(string homePath) =>
            PorterConfigReader.FindConfigFile(homePath, out _, out _) != null
            || ItemTypes.DataFolders.Concat(PorterOwnNames).Concat(new[] { SchemaVersions.FileName, WorkFolderName })
                .Any(name => File.Exists(Path.Combine(homePath, name)) || Directory.Exists(Path.Combine(homePath, name)));

        /// <summary>
        /// What a backup or a migration of a home asks unless told to go on (-Force): a folder (<see cref="RequireFolder"/>) that
        /// holds Porter's data (<see cref="HoldsPorterData"/>), so that nothing of Porter's is written into a stranger's folder.
        /// Raises <c>HomeNotFound</c>, <c>PathNotFolder</c> or <c>NotAPorterHome</c>.
        /// </summary>
        public static void RequirePorterHome(string homePath)
        {
            RequireFolder(homePath);
            if (!HoldsPorterData(homePath))
            {
                throw new PorterStorageException(ErrorIds.NotAPorterHome, PorterErrorKind.InvalidOperation, homePath,
                    $"'{homePath}' holds nothing of Porter's (no config file, schema.json, data folder such as claims or installations, nor porter, runtimes, mixins or plugins), so it is not taken for a Porter home and nothing was written. Check the path (PORTER_HOME, default ~/.porter), or add -Force to use this folder anyway.");
            }
        }

        /// <summary>Raises <c>PathNotFile</c> or <c>PathNotFolder</c> naming the first path of the wrong kind.</summary>
        public static void Check(string homePath)
        {
            string schema = Path.Combine(homePath, SchemaVersions.FileName);
            if (Directory.Exists(schema))
            {
                throw NotFile(schema);
            }
            foreach (string folder in ItemTypes.DataFolders)
            {
                string path = Path.Combine(homePath, folder);
                if (File.Exists(path))
                {
                    throw NotFolder(path);
                }
            }
            string work = Path.Combine(homePath, WorkFolderName);
            if (File.Exists(work))
            {
                throw NotFolder(work);
            }
        }

        public static PorterStorageException NotFolder(string path, string what = "a file") =>
            new PorterStorageException(ErrorIds.PathNotFolder, PorterErrorKind.InvalidData, path,
                $"'{path}' is {what} where a folder belongs; nothing was changed. Move it aside and run again.");

        public static PorterStorageException NotFile(string path, string what = "a folder") =>
            new PorterStorageException(ErrorIds.PathNotFile, PorterErrorKind.InvalidData, path,
                $"'{path}' is {what} where a file belongs; nothing was changed. Move it aside and run again.");

        /// <summary>What a file system entry is, in words: "a folder", "a file", "a pipe, socket or device".</summary>
        public static string Kind(FileIdentity id) => id.IsDirectory ? "a folder" : id.IsRegularFile ? "a file" : id.IsLink ? "a symbolic link" : "a pipe, socket or device";
    }
}
