using System.IO;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Schema;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Home
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
        public static string Kind(IO.FileIdentity id) => id.IsDirectory ? "a folder" : id.IsRegularFile ? "a file" : id.IsLink ? "a symbolic link" : "a pipe, socket or device";
    }
}
