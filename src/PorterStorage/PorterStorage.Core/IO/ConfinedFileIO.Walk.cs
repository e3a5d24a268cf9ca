using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PorterStorage.Core.IO
{
    /// <summary>
    /// How <see cref="ConfinedFileIO"/> reaches a name: from the root's handle, opened once, one folder at a time with
    /// <c>openat(O_NOFOLLOW)</c>; the files it opens or creates there, and the owners it gives them.
    /// </summary>
    internal sealed partial class ConfinedFileIO
    {
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
