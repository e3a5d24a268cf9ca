using System;
using System.IO;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.Folder
{
    /// <summary>A whole home copied to a new or empty folder, for a migration that leaves its source untouched (<c>-Destination</c>).</summary>
    public static class HomeCopy
    {
        /// <summary>
        /// Where a home may be copied to: a new or empty folder that neither lies in the home nor holds it, links followed.
        /// Raises <c>HomePathInvalid</c>, <c>DestinationInsideHome</c>, <c>DestinationNotEmpty</c>.
        /// </summary>
        internal static void CheckDestination(string source, string destination)
        {
            if (string.IsNullOrWhiteSpace(destination))
            {
                throw new PorterStorageException(ErrorIds.HomePathInvalid, PorterErrorKind.InvalidArgument, destination, "-Destination is empty; give the folder to migrate a copy into.");
            }
            if (ArchivePaths.MayBeInside(destination, source) || ArchivePaths.MayBeInside(source, destination))
            {
                throw new PorterStorageException(ErrorIds.DestinationInsideHome, PorterErrorKind.InvalidArgument, destination,
                    $"The destination '{destination}' overlaps the home '{source}'.");
            }
            if (File.Exists(destination))
            {
                throw new PorterStorageException(ErrorIds.DestinationNotEmpty, PorterErrorKind.ResourceExists, destination,
                    $"The destination '{destination}' is a file; give a new or empty folder.");
            }
            if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any())
            {
                throw new PorterStorageException(ErrorIds.DestinationNotEmpty, PorterErrorKind.ResourceExists, destination,
                    $"The destination '{destination}' is not empty.");
            }
        }

        /// <summary>
        /// Non-destructive mode: copies the whole home (modes, times, links as links) to an empty or new
        /// <paramref name="destination"/> that is not inside it. Raises <c>DestinationNotEmpty</c>, <c>DestinationInsideHome</c>.
        /// </summary>
        public static void Copy(string source, string destination, CancellationToken cancel = default)
        {
            CheckDestination(source, destination);
            try
            {
                FileSystemExtras.CreatePrivateDirectory(destination);
                CopyTree(new DirectoryInfo(source), destination, cancel);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, destination,
                    $"The home could not be copied to '{destination}': {ex.Message}. The source is unchanged; remove the partial copy and run again.", ex);
            }
        }

        private static void CopyTree(DirectoryInfo from, string to, CancellationToken cancel)
        {
            foreach (FileSystemInfo item in from.EnumerateFileSystemInfos())
            {
                cancel.ThrowIfCancellationRequested();
                string target = Path.Combine(to, item.Name);
                string? link = FileSystemExtras.ReadLink(item);
                if (link != null)
                {
                    FileSystemExtras.CreateSymbolicLink(target, link, item is DirectoryInfo);
                    continue;
                }
                if (item is DirectoryInfo dir)
                {
                    Directory.CreateDirectory(target);
                    CopyTree(dir, target, cancel);
                    int? mode = UnixPermissions.TryGetMode(dir.FullName);
                    if (mode.HasValue)
                    {
                        UnixPermissions.SetModeIfSupported(target, mode.Value);
                    }
                    Directory.SetLastWriteTimeUtc(target, dir.LastWriteTimeUtc);
                }
                else
                {
                    using (FileStream reader = FileSystemExtras.OpenRegularForRead(item.FullName))
                    using (FileStream writer = FileSystemExtras.CreateNewPrivate(target))
                    {
                        reader.CopyTo(writer);
                    }
                    int? mode = UnixPermissions.TryGetMode(item.FullName);
                    if (mode.HasValue)
                    {
                        UnixPermissions.SetModeIfSupported(target, mode.Value);
                    }
                    File.SetLastWriteTimeUtc(target, item.LastWriteTimeUtc);
                }
            }
        }
    }
}
