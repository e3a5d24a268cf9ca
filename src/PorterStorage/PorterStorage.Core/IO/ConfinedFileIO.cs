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
    internal sealed class ConfinedFileIO : IFileIO
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

        /// <summary>Removes <paramref name="name"/> of the folder open as <paramref name="dir"/>: a folder with its content, anything else as itself.</summary>
        private static void RemoveBelow(int dir, string name, string shown)
        {
            FileIdentity? id = UnixFiles.Stat(dir, name, UnixFiles.AtSymlinkNoFollow);
            if (id == null)
            {
                return;
            }
            if (id.Value.IsDirectory)
            {
                int fd = UnixFiles.Native.openat(dir, name, UnixFiles.ORdOnly | UnixFiles.ODirectory | UnixFiles.ONoFollow | UnixFiles.OCloExec, 0);
                if (fd >= 0)
                {
                    using var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
                    // The names of the folder that is open, whatever its path has become.
                    foreach (string child in Directory.EnumerateFileSystemEntries(UnixFiles.ProcPath(fd)))
                    {
                        RemoveBelow(fd, Path.GetFileName(child), Path.Combine(shown, Path.GetFileName(child)));
                    }
                }
                if (UnixFiles.Native.unlinkat(dir, name, UnixFiles.AtRemoveDir) != 0 && Marshal.GetLastWin32Error() != UnixFiles.ENoEnt)
                {
                    throw UnixFiles.Error(Marshal.GetLastWin32Error(), shown, "remove the folder");
                }
                return;
            }
            if (UnixFiles.Native.unlinkat(dir, name, 0) != 0 && Marshal.GetLastWin32Error() != UnixFiles.ENoEnt)
            {
                throw UnixFiles.Error(Marshal.GetLastWin32Error(), shown, "remove");
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

        /// <summary>
        /// Calls <paramref name="act"/> with a path-only handle (O_PATH) of the file or folder at <paramref name="path"/> and its status:
        /// what a change made through the handle reaches is exactly the file checked. A link, or a file with other names, is refused.
        /// </summary>
        private T OnFile<T>(string path, Func<int, FileIdentity, T> act, bool linkItself = false) => Walk(path, create: false, leafIsFolder: false, (dir, leaf) =>
        {
            int fd = UnixFiles.Native.openat(dir, leaf, UnixFiles.OPath | UnixFiles.ONoFollow | UnixFiles.OCloExec, 0);
            if (fd < 0)
            {
                throw UnixFiles.Error(Marshal.GetLastWin32Error(), path, "open");
            }
            using var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
            FileIdentity id = UnixFiles.Fstat(handle);
            if (id.IsLink && !linkItself)
            {
                throw new LinkRefusedException(path);
            }
            if (id.IsHardLinked && !id.IsLink)
            {
                throw new LinkRefusedException(path, hard: true);
            }
            return act(fd, id);
        });

        private FileStream Open(string path, int flags, int bufferSize, FileAccess access, bool created = true)
        {
            FileStream? result = null;
            Walk(path, create: false, leafIsFolder: false, (dir, leaf) =>
            {
                bool made = false;
                int fd = -1;
                if (created && (flags & UnixFiles.OCreat) != 0 && (flags & UnixFiles.OExcl) == 0)
                {
                    // Created afresh when missing (so only a file this process made is given away); else the one there is opened.
                    fd = UnixFiles.Native.openat(dir, leaf, flags | UnixFiles.OExcl | UnixFiles.ONoFollow | UnixFiles.OCloExec, PorterFileModes.PrivateFile);
                    made = fd >= 0;
                    if (fd < 0 && Marshal.GetLastWin32Error() == UnixFiles.EExist)
                    {
                        fd = UnixFiles.Native.openat(dir, leaf, (flags & ~UnixFiles.OCreat) | UnixFiles.ONoFollow | UnixFiles.OCloExec, 0);
                    }
                }
                else
                {
                    fd = UnixFiles.Native.openat(dir, leaf, flags | UnixFiles.ONoFollow | UnixFiles.OCloExec, PorterFileModes.PrivateFile);
                    made = fd >= 0 && (flags & UnixFiles.OExcl) != 0;
                }
                if (fd < 0)
                {
                    int errno = Marshal.GetLastWin32Error();
                    if (errno == UnixFiles.EExist && (flags & UnixFiles.OExcl) != 0)
                    {
                        FileIdentity? there = UnixFiles.Stat(dir, leaf, UnixFiles.AtSymlinkNoFollow);
                        if (there != null && there.Value.IsLink)
                        {
                            throw new LinkRefusedException(path);
                        }
                        throw new IOException($"The file '{path}' already exists.", UnixFiles.EExist);
                    }
                    throw UnixFiles.Error(errno, path, "open");
                }
                var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
                FileIdentity opened = UnixFiles.Fstat(handle);
                if (!opened.IsRegularFile)
                {
                    handle.Dispose();
                    throw new IOException($"'{path}' is not a regular file (a folder, pipe, socket or device).");
                }
                if (opened.IsHardLinked)
                {
                    handle.Dispose();
                    throw new LinkRefusedException(path, hard: true);
                }
                if (made)
                {
                    GiveTo(fd, path, opened);
                }
                result = new FileStream(handle, access, Math.Max(1, bufferSize));
                return true;
            });
            return result!;
        }

        /// <summary>
        /// Reaches the folder that holds <paramref name="path"/>'s last name from the root, one name at a time without following
        /// a link, and calls <paramref name="act"/> with that folder's handle and the name. <paramref name="create"/> creates the
        /// missing folders on the way (0700, the root's owner), the last one too when <paramref name="leafIsFolder"/>.
        /// </summary>
        private T Walk<T>(string path, bool create, bool leafIsFolder, Func<int, string, T> act)
        {
            string full = Path.GetFullPath(path);
            if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new IOException($"'{path}' is not below '{_root}'.");
            }
            string[] parts = full.Substring(_root.Length + 1).Split(new[] { Path.DirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries);
            int folders = leafIsFolder ? parts.Length : parts.Length - 1;
            var opened = new List<SafeFileHandle>();
            try
            {
                int dir = RootFd();
                string at = _root;
                for (int i = 0; i < folders; i++)
                {
                    at = at + Path.DirectorySeparatorChar + parts[i];
                    int fd = UnixFiles.Native.openat(dir, parts[i], UnixFiles.ORdOnly | UnixFiles.ODirectory | UnixFiles.ONoFollow | UnixFiles.OCloExec, 0);
                    if (fd < 0)
                    {
                        int errno = Marshal.GetLastWin32Error();
                        if (errno == UnixFiles.ENoEnt && create)
                        {
                            if (UnixFiles.Native.mkdirat(dir, parts[i], PorterFileModes.PrivateFolder) != 0 && Marshal.GetLastWin32Error() != UnixFiles.EExist)
                            {
                                throw UnixFiles.Error(Marshal.GetLastWin32Error(), at, "create the folder");
                            }
                            fd = UnixFiles.Native.openat(dir, parts[i], UnixFiles.ORdOnly | UnixFiles.ODirectory | UnixFiles.ONoFollow | UnixFiles.OCloExec, 0);
                            if (fd >= 0)
                            {
                                FileIdentity made = UnixFiles.Fstat(new SafeFileHandle((IntPtr)fd, ownsHandle: false));
                                GiveTo(fd, at, made);
                            }
                            else
                            {
                                errno = Marshal.GetLastWin32Error();
                            }
                        }
                        if (fd < 0)
                        {
                            throw FolderError(errno, dir, parts[i], at);
                        }
                    }
                    var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
                    opened.Add(handle);
                    dir = fd;
                }
                return leafIsFolder ? act(dir, string.Empty) : act(dir, parts[parts.Length - 1]);
            }
            finally
            {
                foreach (SafeFileHandle handle in opened)
                {
                    handle.Dispose();
                }
            }
        }

        private static Exception FolderError(int errno, int dir, string name, string at)
        {
            if (errno == UnixFiles.ENotDir || errno == UnixFiles.ELoop)
            {
                FileIdentity? there = UnixFiles.Stat(dir, name, UnixFiles.AtSymlinkNoFollow);
                if (there != null && there.Value.IsLink)
                {
                    return new LinkRefusedException(at);
                }
                return new IOException($"'{at}' is not a folder.", UnixFiles.ENotDir);
            }
            if (errno == UnixFiles.ENoEnt)
            {
                return new DirectoryNotFoundException($"The folder '{at}' does not exist.");
            }
            return UnixFiles.Error(errno, at, "open the folder");
        }

        /// <summary>The root folder, opened once (the path to it may hold links: the home may be one); later swaps of it change nothing.</summary>
        private int RootFd()
        {
            lock (_gate)
            {
                if (_rootHandle == null)
                {
                    int fd = UnixFiles.Native.openat(UnixFiles.AtFdCwd, _root, UnixFiles.ORdOnly | UnixFiles.ODirectory | UnixFiles.OCloExec, 0);
                    if (fd < 0)
                    {
                        int errno = Marshal.GetLastWin32Error();
                        throw errno == UnixFiles.ENoEnt ? new DirectoryNotFoundException($"The folder '{_root}' does not exist.") : UnixFiles.Error(errno, _root, "open the folder");
                    }
                    _rootHandle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
                    _rootIdentity = UnixFiles.Fstat(_rootHandle);
                    _giveTo = _owner != null ? _owner(_rootIdentity.Value) : (_rootIdentity.Value.Owner, _rootIdentity.Value.Group);
                }
                return (int)_rootHandle.DangerousGetHandle();
            }
        }

        /// <summary>Gives a file this process just created to the root's owner and group, when they differ and the process may.</summary>
        private void GiveTo(int fd, string path, FileIdentity created)
        {
            (uint owner, uint group) = _giveTo!.Value;
            if (created.Owner == owner && created.Group == group)
            {
                return;
            }
            if (UnixFiles.Native.fchown(fd, owner, group) != 0)
            {
                NotSet(path);
            }
        }

        /// <summary>Gives a staged file the owner and group of the file it is about to replace.</summary>
        private void GiveTo(int dir, string leaf, string path, FileIdentity file, uint owner, uint group)
        {
            if (file.Owner == owner && file.Group == group)
            {
                return;
            }
            if (UnixFiles.Native.fchownat(dir, leaf, owner, group, UnixFiles.AtSymlinkNoFollow) != 0)
            {
                NotSet(path);
            }
        }

        private void NotSet(string path)
        {
            lock (OwnersNotSet)
            {
                if (OwnersNotSet.Count < 1000 && !OwnersNotSet.Contains(path))
                {
                    OwnersNotSet.Add(path);
                }
            }
        }
    }
}
