using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PorterStorage.Core.IO
{
    /// <summary>
    /// The file system below one folder (a home) that a less trusted user may write, for a process that may be root. The folder
    /// is opened once, when first written to, and everything below it is reached from that handle one name at a time without
    /// following a link (openat with O_NOFOLLOW): a link planted anywhere below it, or the folder swapped for a link meanwhile,
    /// is refused (<see cref="LinkRefusedException"/>) and nothing is written through it. What it creates is 0600 (files) or
    /// 0700 (folders) and, when the process may set owners, belongs to the folder's owner and group; a file put in place of
    /// another keeps the owner and group of the one it replaces. Listings are the system's. Off Linux it is
    /// <see cref="FileIO.System"/>. Files below the folder are read the same way (never through a link); a file elsewhere is read as the system reads it.
    /// </summary>
    internal sealed partial class ConfinedFileIO : IFileIO
    {
        private readonly string _root;
        private readonly object _gate = new object();
        private SafeFileHandle? _rootHandle;
        private FileIdentity? _rootIdentity;

        private readonly Func<FileIdentity, (uint Owner, uint Group)>? _owner;
        private (uint Owner, uint Group)? _giveTo;

        public ConfinedFileIO(string root)
            : this(root, null)
        {
        }

        /// <summary>
        /// As above; <paramref name="owner"/> chooses, from the root folder's status, the owner and group new files and folders get
        /// (the root's own when null).
        /// </summary>
        public ConfinedFileIO(string root, Func<FileIdentity, (uint Owner, uint Group)>? owner)
        {
            _root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
            _owner = owner;
        }

        /// <summary>The owner and group what this creates is given (read when the root was opened).</summary>
        public (uint Owner, uint Group)? NewOwner
        {
            get
            {
                if (UnixFiles.Supported && _giveTo == null)
                {
                    RootFd();
                }
                return _giveTo;
            }
        }

        /// <summary>The owner and group new files get (the folder's, read when it was opened); null off Linux or when unread.</summary>
        public FileIdentity? RootIdentity
        {
            get
            {
                if (UnixFiles.Supported && _rootIdentity == null)
                {
                    RootFd();
                }
                return _rootIdentity;
            }
        }

        /// <summary>Files whose owner could not be set to the folder's (the process may not); each named once.</summary>
        public List<string> OwnersNotSet { get; } = new List<string>();

        private bool Below(string path) => Path.GetFullPath(path).StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

        /// <summary>Opens a file below the folder for reading, non-blocking, never through a link (its folders reached from the root).</summary>
        public Stream OpenRead(string path, int bufferSize)
        {
            if (!UnixFiles.Supported || !Below(path))
            {
                return FileIO.System.OpenRead(path, bufferSize); // a file elsewhere (an archive being restored) is the caller's to name
            }
            return Open(path, UnixFiles.ORdOnly | UnixFiles.ONonBlock, bufferSize, FileAccess.Read, created: false);
        }

        public byte[] ReadAllBytes(string path)
        {
            using Stream stream = OpenRead(path, 4096);
            using var buffer = new MemoryStream(stream.CanSeek ? (int)Math.Min(stream.Length, int.MaxValue) : 4096);
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }

        public IEnumerable<FileSystemInfo> List(string folder) => FileIO.System.List(folder);

        public Stream CreateNew(string path, int bufferSize)
        {
            if (!UnixFiles.Supported)
            {
                return FileIO.System.CreateNew(path, bufferSize);
            }
            return Open(path, UnixFiles.ORdWr | UnixFiles.OCreat | UnixFiles.OExcl, bufferSize, FileAccess.ReadWrite);
        }

        public Stream OpenAppend(string path)
        {
            if (!UnixFiles.Supported)
            {
                return FileIO.System.OpenAppend(path);
            }
            FileStream stream = Open(path, UnixFiles.OWrOnly | UnixFiles.OCreat, 4096, FileAccess.Write);
            stream.Seek(0, SeekOrigin.End);
            return stream;
        }

        /// <summary>
        /// Opens (creating when missing) a file for reading and writing, never through a link, and takes an exclusive lock on it
        /// (flock, as the runtime's FileShare.None does); raises an <see cref="IOException"/> when another process holds it.
        /// </summary>
        public FileStream OpenLocked(string path)
        {
            if (!UnixFiles.Supported)
            {
                return FileIO.System.OpenLocked(path);
            }
            FileStream stream = Open(path, UnixFiles.ORdWr | UnixFiles.OCreat, 4096, FileAccess.ReadWrite);
            if (UnixFiles.Native.flock((int)stream.SafeFileHandle.DangerousGetHandle(), 2 | 4 /* LOCK_EX | LOCK_NB */) != 0)
            {
                int errno = Marshal.GetLastWin32Error();
                stream.Dispose();
                throw new IOException($"The file '{path}' is locked by another process (errno {errno}).", 11);
            }
            return stream;
        }

        public void CreateDirectory(string path)
        {
            if (!UnixFiles.Supported)
            {
                FileIO.System.CreateDirectory(path);
                return;
            }
            if (string.Equals(Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar), _root, StringComparison.Ordinal))
            {
                RootFd(); // the folder itself: it exists, or nothing below it can be written
                return;
            }
            Walk(path, create: true, leafIsFolder: true, (dir, leaf) => true);
        }

        public void Move(string source, string destination, bool overwrite)
        {
            if (!UnixFiles.Supported)
            {
                FileIO.System.Move(source, destination, overwrite);
                return;
            }
            Walk(source, create: false, leafIsFolder: false, (fromDir, fromLeaf) => Walk(destination, create: false, leafIsFolder: false, (toDir, toLeaf) =>
            {
                FileIdentity? replaced = UnixFiles.Stat(toDir, toLeaf, UnixFiles.AtSymlinkNoFollow);
                FileIdentity? moved = UnixFiles.Stat(fromDir, fromLeaf, UnixFiles.AtSymlinkNoFollow);
                if (moved == null)
                {
                    throw new FileNotFoundException($"'{source}' does not exist.", source);
                }
                if (moved.Value.IsLink)
                {
                    throw new LinkRefusedException(source);
                }
                if (replaced != null)
                {
                    if (!overwrite)
                    {
                        throw new IOException($"'{destination}' already exists.", UnixFiles.EExist);
                    }
                    if (replaced.Value.IsDirectory)
                    {
                        throw new IOException($"'{destination}' is a folder.", 21);
                    }
                    // The replaced file's owner, unless it has other names (its owner then is no owner of this folder's).
                    (uint owner, uint group) = replaced.Value.IsHardLinked ? _giveTo!.Value : (replaced.Value.Owner, replaced.Value.Group);
                    GiveTo(fromDir, fromLeaf, destination, moved.Value, owner, group);
                }
                int rc = overwrite
                    ? UnixFiles.Native.renameat(fromDir, fromLeaf, toDir, toLeaf)
                    : UnixFiles.Native.renameat2(fromDir, fromLeaf, toDir, toLeaf, 1 /* RENAME_NOREPLACE */);
                if (rc != 0)
                {
                    throw UnixFiles.Error(Marshal.GetLastWin32Error(), destination, "move a file to");
                }
                return true;
            }));
        }

        public void Delete(string path)
        {
            if (!UnixFiles.Supported)
            {
                FileIO.System.Delete(path);
                return;
            }
            Walk(path, create: false, leafIsFolder: false, (dir, leaf) =>
            {
                if (UnixFiles.Native.unlinkat(dir, leaf, 0) != 0)
                {
                    int errno = Marshal.GetLastWin32Error();
                    if (errno != UnixFiles.ENoEnt)
                    {
                        throw UnixFiles.Error(errno, path, "delete");
                    }
                }
                return true;
            });
        }

        public void MoveDirectory(string source, string destination)
        {
            if (!UnixFiles.Supported)
            {
                FileIO.System.MoveDirectory(source, destination);
                return;
            }
            Walk(source, create: false, leafIsFolder: false, (fromDir, fromLeaf) => Walk(destination, create: false, leafIsFolder: false, (toDir, toLeaf) =>
            {
                if (UnixFiles.Native.renameat2(fromDir, fromLeaf, toDir, toLeaf, 1 /* RENAME_NOREPLACE */) != 0)
                {
                    throw UnixFiles.Error(Marshal.GetLastWin32Error(), destination, "move a folder to");
                }
                return true;
            }));
        }

        public void DeleteEmptyDirectory(string path)
        {
            if (!UnixFiles.Supported)
            {
                FileIO.System.DeleteEmptyDirectory(path);
                return;
            }
            Walk(path, create: false, leafIsFolder: false, (dir, leaf) =>
            {
                if (UnixFiles.Native.unlinkat(dir, leaf, UnixFiles.AtRemoveDir) != 0)
                {
                    throw UnixFiles.Error(Marshal.GetLastWin32Error(), path, "remove the folder");
                }
                return true;
            });
        }

        /// <summary>Sets the permission bits of a file below the folder, never of what a link leads to (a link, or a hard link, is refused).</summary>
        public void SetMode(string path, int mode)
        {
            if (!UnixFiles.Supported)
            {
                UnixPermissions.SetModeIfSupported(path, mode);
                return;
            }
            OnFile(path, (fd, _) =>
            {
                if (UnixFiles.Native.chmod(UnixFiles.ProcPath(fd), (uint)(mode & 0xFFF)) != 0)
                {
                    throw UnixFiles.Error(Marshal.GetLastWin32Error(), path, "set the mode of");
                }
                return true;
            });
        }

        /// <summary>
        /// Removes a folder below the root and everything in it through folder handles (openat, unlinkat): a folder swapped for a link
        /// meanwhile, anywhere in the tree, is removed as a link and never entered, so nothing outside the tree is removed.
        /// </summary>
        public void DeleteTree(string path)
        {
            if (!UnixFiles.Supported)
            {
                FileIO.System.DeleteTree(path);
                return;
            }
            try
            {
                Walk(path, create: false, leafIsFolder: false, (dir, leaf) =>
                {
                    RemoveBelow(dir, leaf, path);
                    return true;
                });
            }
            catch (DirectoryNotFoundException)
            {
                // Nothing there.
            }
        }

        /// <summary>Creates a symbolic link below the folder (its folders reached without following a link).</summary>
        public void CreateSymbolicLink(string path, string target)
        {
            if (!UnixFiles.Supported)
            {
                FileIO.System.CreateSymbolicLink(path, target);
                return;
            }
            Walk(path, create: false, leafIsFolder: false, (dir, leaf) =>
            {
                if (UnixFiles.Native.symlinkat(target, dir, leaf) != 0)
                {
                    throw UnixFiles.Error(Marshal.GetLastWin32Error(), path, "create the link");
                }
                return true;
            });
        }

        /// <summary>
        /// Gives a file, folder or symbolic link itself below the folder an owner and group, never what a link leads to, and never a file
        /// with other names (a hard link); false when the process may not.
        /// </summary>
        public bool TrySetOwner(string path, uint owner, uint group)
        {
            if (!UnixFiles.Supported)
            {
                return false;
            }
            return OnFile(path, (fd, _) =>
            {
                if (UnixFiles.Native.fchownat(fd, string.Empty, owner, group, UnixFiles.AtEmptyPath) == 0)
                {
                    return true;
                }
                int errno = Marshal.GetLastWin32Error();
                if (errno == UnixFiles.EPerm || errno == UnixFiles.EAccess)
                {
                    return false;
                }
                throw UnixFiles.Error(errno, path, "change the owner of");
            }, linkItself: true);
        }

        /// <summary>Sets the modification time of a file or folder below the folder (its access time too), never through a link.</summary>
        public void SetModifiedTime(string path, DateTime utc)
        {
            if (!UnixFiles.Supported)
            {
                FileIO.System.SetModifiedTime(path, utc);
                return;
            }
            long ticks = utc.ToUniversalTime().Ticks - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
            long seconds = ticks >= 0 ? ticks / TimeSpan.TicksPerSecond : -((-ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
            long nanoseconds = (ticks - seconds * TimeSpan.TicksPerSecond) * 100;
            var times = new long[] { seconds, nanoseconds, seconds, nanoseconds };
            OnFile(path, (fd, _) =>
            {
                if (UnixFiles.Native.utimensat(UnixFiles.AtFdCwd, UnixFiles.ProcPath(fd), times, 0) != 0)
                {
                    throw UnixFiles.Error(Marshal.GetLastWin32Error(), path, "set the time of");
                }
                return true;
            });
        }

        /// <summary>The status of a file below the folder without following a link (the link itself); null when nothing is there.</summary>
        public FileIdentity? Identity(string path)
        {
            if (!UnixFiles.Supported)
            {
                return null;
            }
            FileIdentity? result = null;
            try
            {
                Walk(path, create: false, leafIsFolder: false, (dir, leaf) =>
                {
                    result = UnixFiles.Stat(dir, leaf, UnixFiles.AtSymlinkNoFollow);
                    return true;
                });
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }
            return result;
        }
    }
}
