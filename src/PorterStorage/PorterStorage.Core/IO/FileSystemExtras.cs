using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PorterStorage.Core.IO
{
    /// <summary>
    /// File operations netstandard2.0 lacks: files created 0600 from the first byte, symbolic links,
    /// atomic replace. Runtime APIs of .NET 6+ are found by reflection; libc is the fallback on Unix.
    /// </summary>
    public static class FileSystemExtras
    {
        private static readonly PropertyInfo? LinkTargetProperty = typeof(FileSystemInfo).GetProperty("LinkTarget");
        private static readonly MethodInfo? CreateFileLink = typeof(File).GetMethod("CreateSymbolicLink", new[] { typeof(string), typeof(string) });
        private static readonly MethodInfo? CreateDirectoryLink = typeof(Directory).GetMethod("CreateSymbolicLink", new[] { typeof(string), typeof(string) });

        /// <summary>Opens a file for appending (created 0600 on Unix when it does not exist), positioned at its end.</summary>
        public static FileStream OpenPrivateAppend(string path)
        {
            if (!UnixPermissions.IsUnix)
            {
                return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            }
            bool mac = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);
            int flags = 1 /* O_WRONLY */ | (mac ? 0x200 | 0x1000000 | 0x100 : 0x40 | 0x80000 | UnixFiles.ONoFollow); // O_CREAT | O_CLOEXEC | O_NOFOLLOW
            int fd = Native.open(path, flags, PorterFileModes.PrivateFile);
            if (fd < 0)
            {
                int errno = Marshal.GetLastWin32Error();
                throw errno == 40 || (mac && errno == 62) ? new LinkRefusedException(path) : new IOException($"The file '{path}' could not be opened (errno {errno}).");
            }
            var stream = new FileStream(new SafeFileHandle((IntPtr)fd, ownsHandle: true), FileAccess.Write, 4096);
            stream.Seek(0, SeekOrigin.End);
            return stream;
        }

        /// <summary>Creates a new file for writing, owner read/write only (0600) on Unix; fails if it exists.</summary>
        public static FileStream CreateNewPrivate(string path, int bufferSize = 81920)
        {
            if (!UnixPermissions.IsUnix)
            {
                return new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize);
            }

            bool mac = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);
            int flags = 2 /* O_RDWR */ | (mac ? 0x200 | 0x800 | 0x1000000 : 0x40 | 0x80 | 0x80000); // O_CREAT | O_EXCL | O_CLOEXEC
            int fd = Native.open(path, flags, PorterFileModes.PrivateFile);
            if (fd < 0)
            {
                int errno = Marshal.GetLastWin32Error();
                if (errno == 17 /* EEXIST */)
                {
                    if (UnixFiles.Lstat(path) is FileIdentity there && there.IsLink)
                    {
                        throw new LinkRefusedException(path);
                    }
                    throw new IOException($"The file '{path}' already exists.");
                }
                throw new IOException($"The file '{path}' could not be created (errno {errno}).");
            }
            return new FileStream(new SafeFileHandle((IntPtr)fd, ownsHandle: true), FileAccess.ReadWrite, bufferSize);
        }

        /// <summary>
        /// Opens a regular file for reading. On Unix it is opened non-blocking, so a FIFO or device in a home can never hang
        /// a backup or a migration; anything that is not a regular (seekable) file raises an <see cref="IOException"/>.
        /// </summary>
        public static FileStream OpenRegularForRead(string path, int bufferSize = 81920) => OpenRegularForRead(path, bufferSize, followLinks: true);

        /// <summary>
        /// As <see cref="OpenRegularForRead(string, int)"/>; without <paramref name="followLinks"/> a link at the path is refused
        /// (<see cref="LinkRefusedException"/>), so a file swapped for a link after it was listed is never read through it.
        /// </summary>
        public static FileStream OpenRegularForRead(string path, int bufferSize, bool followLinks)
        {
            FileStream stream;
            if (UnixPermissions.IsUnix)
            {
                bool mac = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);
                int flags = mac ? 0x4 | 0x1000000 : 0x800 | 0x80000; // O_RDONLY | O_NONBLOCK | O_CLOEXEC
                if (!followLinks)
                {
                    flags |= mac ? 0x100 : UnixFiles.ONoFollow;
                }
                int fd = Native.open(path, flags, 0);
                if (fd < 0)
                {
                    int errno = Marshal.GetLastWin32Error();
                    if (!followLinks && (errno == 40 || (mac && errno == 62)))
                    {
                        throw new LinkRefusedException(path);
                    }
                    if (errno == 13 || errno == 1)
                    {
                        throw new UnauthorizedAccessException($"Access to '{path}' is denied (errno {errno}).");
                    }
                    throw new IOException($"'{path}' could not be opened (errno {errno}).");
                }
                stream = new FileStream(new SafeFileHandle((IntPtr)fd, ownsHandle: true), FileAccess.Read, bufferSize);
            }
            else
            {
                stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize);
            }
            if (!stream.CanSeek)
            {
                stream.Dispose();
                throw new IOException($"'{path}' is not a regular file (a pipe, socket or device).");
            }
            return stream;
        }

        /// <summary>Reads a whole regular file (see <see cref="OpenRegularForRead(string, int)"/>).</summary>
        [MethodImpl(Hot.Path)]
        public static byte[] ReadAllBytes(string path) => ReadAllBytes(path, followLinks: true);

        /// <summary>Reads a whole regular file; without <paramref name="followLinks"/> a link at the path is refused.</summary>
        [MethodImpl(Hot.Path)]
        public static byte[] ReadAllBytes(string path, bool followLinks)
        {
            using FileStream stream = OpenRegularForRead(path, 4096, followLinks);
            var result = new byte[stream.Length];
            int read = 0;
            while (read < result.Length)
            {
                int n = stream.Read(result, read, result.Length - read);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            if (read != result.Length)
            {
                Array.Resize(ref result, read);
            }
            return result;
        }

        /// <summary>Creates a directory (and parents) with mode 0700 on Unix for the ones it creates.</summary>
        public static void CreatePrivateDirectory(string path)
        {
            if (Directory.Exists(path))
            {
                return;
            }
            string? parent = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(parent))
            {
                CreatePrivateDirectory(parent!);
            }
            Directory.CreateDirectory(path);
            UnixPermissions.SetModeIfSupported(path, PorterFileModes.PrivateFolder);
        }

        /// <summary>
        /// <paramref name="path"/> made absolute with every symbolic link among its existing parts followed, as realpath(3) does; the
        /// parts that do not exist yet are kept as written. Gives up following after 40 links (a loop) and keeps the rest as it is.
        /// </summary>
        public static string RealPath(string path)
        {
            string full = Path.GetFullPath(path);
            string current = Path.GetPathRoot(full) ?? string.Empty;
            var rest = new List<string>(full.Substring(current.Length).Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries));
            int links = 0;
            while (rest.Count > 0)
            {
                string part = rest[0];
                rest.RemoveAt(0);
                if (part == ".")
                {
                    continue;
                }
                if (part == "..")
                {
                    current = Path.GetDirectoryName(current) ?? current;
                    continue;
                }
                string next = Path.Combine(current, part);
                FileSystemInfo info = new FileInfo(next);
                string? target = info.Exists || Directory.Exists(next) ? ReadLink(Directory.Exists(next) ? new DirectoryInfo(next) : info) : null;
                if (target == null || ++links > 40)
                {
                    current = next;
                    continue;
                }
                string resolved = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target));
                current = Path.GetPathRoot(resolved) ?? string.Empty;
                rest.InsertRange(0, resolved.Substring(current.Length).Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries));
            }
            return current;
        }

        /// <summary>The target of a symbolic link as stored (not resolved), or null when it is no link.</summary>
        public static string? ReadLink(FileSystemInfo info)
        {
            if ((info.Attributes & FileAttributes.ReparsePoint) == 0)
            {
                return null;
            }
            if (LinkTargetProperty != null)
            {
                return (string?)LinkTargetProperty.GetValue(info);
            }
            if (UnixPermissions.IsUnix)
            {
                var buffer = new byte[4096];
                int n = Native.readlink(info.FullName, buffer, (IntPtr)buffer.Length);
                return n < 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, n);
            }
            return null;
        }

        /// <summary>Creates a symbolic link at <paramref name="path"/> pointing to <paramref name="target"/> as given.</summary>
        public static void CreateSymbolicLink(string path, string target, bool directory)
        {
            MethodInfo? api = directory ? CreateDirectoryLink : CreateFileLink;
            if (api != null)
            {
                try
                {
                    api.Invoke(null, new object[] { path, target });
                }
                catch (TargetInvocationException ex) when (ex.InnerException != null)
                {
                    throw ex.InnerException;
                }
                return;
            }
            if (!UnixPermissions.IsUnix || Native.symlink(target, path) != 0)
            {
                throw new IOException($"The symbolic link '{path}' could not be created on this platform.");
            }
        }

        /// <summary>Set once the C library is found to lack renameat2.</summary>
        private static bool _noRenameat2;

        /// <summary>
        /// Moves a file into place, replacing an existing one atomically when <paramref name="overwrite"/>. On Linux one rename: a
        /// link at the destination is replaced as itself (never followed), and without <paramref name="overwrite"/> anything there,
        /// a dangling link included, is refused (EEXIST).
        /// </summary>
        public static void MoveFile(string source, string destination, bool overwrite)
        {
            if (UnixFiles.Supported && !_noRenameat2)
            {
                int done;
                try
                {
                    done = overwrite
                        ? UnixFiles.Native.renameat(UnixFiles.AtFdCwd, source, UnixFiles.AtFdCwd, destination)
                        : UnixFiles.Native.renameat2(UnixFiles.AtFdCwd, source, UnixFiles.AtFdCwd, destination, 1 /* RENAME_NOREPLACE */);
                }
                catch (EntryPointNotFoundException)
                {
                    // A C library without renameat2 (glibc before 2.28, musl before 1.2.6): the runtime's move from now on.
                    _noRenameat2 = true;
                    MoveFile(source, destination, overwrite);
                    return;
                }
                int errno = done == 0 ? 0 : Marshal.GetLastWin32Error();
                if (errno == 0)
                {
                    return;
                }
                if (overwrite || (errno != 22 && errno != 38))
                {
                    if (errno == UnixFiles.EExist && UnixFiles.Lstat(destination) is FileIdentity there && there.IsLink)
                    {
                        throw new LinkRefusedException(destination);
                    }
                    // A missing name is the one that is missing: the file being moved, or the destination's folder.
                    throw UnixFiles.Error(errno, errno == UnixFiles.ENoEnt && UnixFiles.Lstat(source) == null ? source : destination, "move a file to");
                }
                // A file system without RENAME_NOREPLACE (EINVAL, ENOSYS): the runtime's move, which refuses an existing name too.
            }
            if (overwrite && File.Exists(destination))
            {
                File.Replace(source, destination, null);
            }
            else
            {
                File.Move(source, destination);
            }
        }

        private static class Native
        {
#pragma warning disable IDE1006
            [DllImport("libc", SetLastError = true)]
            internal static extern int open(string path, int flags, int mode);

            [DllImport("libc", SetLastError = true)]
            internal static extern int readlink(string path, byte[] buffer, IntPtr size);

            [DllImport("libc", SetLastError = true)]
            internal static extern int symlink(string target, string linkPath);
#pragma warning restore IDE1006
        }
    }
}
