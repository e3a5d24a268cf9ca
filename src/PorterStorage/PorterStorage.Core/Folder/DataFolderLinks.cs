using System.Collections.Generic;
using System.IO;

namespace PorterStorage.Core.Folder
{
    /// <summary>A data folder of a home that is a symbolic link (or junction), and where it points.</summary>
    public sealed class LinkedDataFolder
    {
        internal LinkedDataFolder(string name, string path, string? target)
        {
            Name = name;
            Path = path;
            Target = target;
        }

        /// <summary>The data folder's name, e.g. <c>claims</c>.</summary>
        public string Name { get; }

        /// <summary>The link's full path.</summary>
        public string Path { get; }

        /// <summary>The link's target as stored, or null when it cannot be read.</summary>
        public string? Target { get; }

        /// <summary>The named error for it: the migration refuses such a home, and a backup of it is no evidence.</summary>
        public PorterStorageException ToException() =>
            new PorterStorageException(ErrorIds.DataFolderIsLink, PorterErrorKind.InvalidData, Path,
                $"The data folder '{Path}' is a symbolic link{(Target == null ? string.Empty : $" to '{Target}'")}: a backup of the home does not hold " +
                "the files it points to, and the migration would delete them there. Nothing was changed. Replace the link by the folder itself " +
                "(or point PORTER_HOME at the real home) and run again.");

        public override string ToString() => Path;
    }

    /// <summary>
    /// The rule for links among a home's data folders (claims, results, outputs, installations, credentials, parameters):
    /// the migration reads, writes and deletes in them, so none may be a link. The home folder itself may be one.
    /// </summary>
    public static class DataFolderLinks
    {
        /// <summary>The data folders of <paramref name="homePath"/> that are links, in Porter's order.</summary>
        public static IReadOnlyList<LinkedDataFolder> Find(string homePath)
        {
            var result = new List<LinkedDataFolder>();
            foreach (string name in ItemTypes.DataFolders)
            {
                string path = System.IO.Path.Combine(homePath, name);
                var info = new DirectoryInfo(path);
                if (!info.Exists && !File.Exists(path))
                {
                    // A dangling link exists as neither; its attributes still say what it is.
                    FileSystemInfo probe = new FileInfo(path);
                    if (!IsLinkSafe(probe))
                    {
                        continue;
                    }
                    result.Add(new LinkedDataFolder(name, path, FileSystemExtras.ReadLink(probe)));
                    continue;
                }
                if (IsLinkSafe(info))
                {
                    result.Add(new LinkedDataFolder(name, path, FileSystemExtras.ReadLink(info)));
                }
            }
            return result;
        }

        /// <summary>Raises <c>DataFolderIsLink</c> naming the first data folder that is a link.</summary>
        public static void Refuse(string homePath)
        {
            IReadOnlyList<LinkedDataFolder> links = Find(homePath);
            if (links.Count > 0)
            {
                throw links[0].ToException();
            }
        }

        private static bool IsLinkSafe(FileSystemInfo info)
        {
            try
            {
                return (int)info.Attributes != -1 && (info.Attributes & FileAttributes.ReparsePoint) != 0;
            }
            catch (IOException)
            {
                return false;
            }
        }
    }
}
