using System;
using System.Collections.Generic;
using System.IO;

namespace PorterStorage.Core.IO
{
    /// <summary>
    /// The thin seam between the folder store, backup and restore and the file system: every open, read, write, rename,
    /// delete and listing they do goes through it, so tests can fail the n-th call (permission denied, disk full, read
    /// error) without special mounts or users. <see cref="FileIO.System"/> is the real one.
    /// </summary>
    internal interface IFileIO
    {
        /// <summary>Opens a regular file for reading (see <see cref="FileSystemExtras.OpenRegularForRead"/>).</summary>
        Stream OpenRead(string path, int bufferSize);

        /// <summary>Reads a whole regular file.</summary>
        byte[] ReadAllBytes(string path);

        /// <summary>Creates a new file, 0600 on Unix; fails when it exists.</summary>
        Stream CreateNew(string path, int bufferSize);

        /// <summary>Opens a file for appending, created 0600 when missing.</summary>
        Stream OpenAppend(string path);

        /// <summary>Creates a folder and its parents (0700 for the ones created).</summary>
        void CreateDirectory(string path);

        /// <summary>Moves a file into place (atomically replacing when <paramref name="overwrite"/>).</summary>
        void Move(string source, string destination, bool overwrite);

        /// <summary>Deletes a file.</summary>
        void Delete(string path);

        /// <summary>The entries of a folder.</summary>
        IEnumerable<FileSystemInfo> List(string folder);

        /// <summary>Moves (renames) a folder; the destination must not exist.</summary>
        void MoveDirectory(string source, string destination);

        /// <summary>Deletes an empty folder.</summary>
        void DeleteEmptyDirectory(string path);

        /// <summary>Opens (creating when missing, 0600) a file for reading and writing and takes an exclusive lock on it: a lock file.</summary>
        FileStream OpenLocked(string path);

        /// <summary>Sets the permission bits of a file.</summary>
        void SetMode(string path, int mode);

        /// <summary>The status of a path without following a link (null when nothing is there, or where the platform tells none).</summary>
        FileIdentity? Identity(string path);

        /// <summary>Gives a file or folder (never what a link leads to) an owner and group; false when the process may not.</summary>
        bool TrySetOwner(string path, uint owner, uint group);

        /// <summary>Sets a file's or folder's modification time (never through a link).</summary>
        void SetModifiedTime(string path, DateTime utc);

        /// <summary>Creates a symbolic link at <paramref name="path"/> holding <paramref name="target"/> as given.</summary>
        void CreateSymbolicLink(string path, string target);

        /// <summary>Removes a folder and everything in it, never following a link (a link is removed as itself); nothing there is no error.</summary>
        void DeleteTree(string path);
    }

    /// <summary>The file system itself.</summary>
    internal sealed class FileIO : IFileIO
    {
        private FileIO()
        {
        }

        public static IFileIO System { get; } = new FileIO();

        public Stream OpenRead(string path, int bufferSize) => FileSystemExtras.OpenRegularForRead(path, bufferSize);

        public byte[] ReadAllBytes(string path) => FileSystemExtras.ReadAllBytes(path);

        public Stream CreateNew(string path, int bufferSize) => FileSystemExtras.CreateNewPrivate(path, bufferSize);

        public Stream OpenAppend(string path) => FileSystemExtras.OpenPrivateAppend(path);

        public void CreateDirectory(string path) => FileSystemExtras.CreatePrivateDirectory(path);

        public void Move(string source, string destination, bool overwrite) => FileSystemExtras.MoveFile(source, destination, overwrite);

        public void Delete(string path) => File.Delete(path);

        public IEnumerable<FileSystemInfo> List(string folder) => new DirectoryInfo(folder).EnumerateFileSystemInfos();

        public void MoveDirectory(string source, string destination) => Directory.Move(source, destination);

        public void DeleteEmptyDirectory(string path) => Directory.Delete(path, recursive: false);

        public FileStream OpenLocked(string path) => new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        public void SetMode(string path, int mode) => UnixPermissions.SetModeIfSupported(path, mode);

        public FileIdentity? Identity(string path) => UnixFiles.Lstat(path);

        public bool TrySetOwner(string path, uint owner, uint group) => UnixFiles.TryChangeOwner(path, owner, group);

        public void CreateSymbolicLink(string path, string target) => FileSystemExtras.CreateSymbolicLink(path, target, directory: false);

        public void DeleteTree(string path)
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }

        public void SetModifiedTime(string path, DateTime utc)
        {
            if (Directory.Exists(path))
            {
                Directory.SetLastWriteTimeUtc(path, utc);
            }
            else
            {
                File.SetLastWriteTimeUtc(path, utc);
            }
        }
    }
}
