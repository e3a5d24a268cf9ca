using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PorterStorage.Core.IO
{
    /// <summary>What a file is, read without following a link: where it lives (device, inode), its kind, size, time and owner.</summary>
    public readonly struct FileIdentity : IEquatable<FileIdentity>
    {
        public FileIdentity(ulong device, ulong inode, int mode, long size, long modifiedNanoseconds, uint owner, uint group, uint links = 1)
        {
            Links = links;
            Device = device;
            Inode = inode;
            Mode = mode;
            Size = size;
            ModifiedNanoseconds = modifiedNanoseconds;
            Owner = owner;
            Group = group;
        }

        public ulong Device { get; }

        public ulong Inode { get; }

        /// <summary>The file type and permission bits (st_mode).</summary>
        public int Mode { get; }

        public long Size { get; }

        /// <summary>The modification time in nanoseconds since the Unix epoch.</summary>
        public long ModifiedNanoseconds { get; }

        public uint Owner { get; }

        public uint Group { get; }

        /// <summary>How many names the file has (st_nlink): a file with more than one may also be reached from outside a folder.</summary>
        public uint Links { get; }

        /// <summary>True for a file (not a folder) with more than one name: a hard link, whose other names may lie anywhere.</summary>
        public bool IsHardLinked => !IsDirectory && Links > 1;

        public bool IsLink => (Mode & 0xF000) == 0xA000;

        public bool IsDirectory => (Mode & 0xF000) == 0x4000;

        public bool IsRegularFile => (Mode & 0xF000) == 0x8000;

        /// <summary>True when both name the same file (device and inode).</summary>
        public bool SameFile(FileIdentity other) => Device == other.Device && Inode == other.Inode;

        /// <summary>True when both are the same file, unchanged: device, inode, size and modification time.</summary>
        public bool Equals(FileIdentity other) => SameFile(other) && Size == other.Size && ModifiedNanoseconds == other.ModifiedNanoseconds;

        public override bool Equals(object? obj) => obj is FileIdentity other && Equals(other);

        public override int GetHashCode() => unchecked((int)Inode ^ (int)(Device * 31) ^ (int)Size);

        /// <summary>The identity as text (the version a journal records): device, inode, size, modification time.</summary>
        public string Token => FormattableString.Invariant($"{Device}:{Inode}:{Size}:{ModifiedNanoseconds}");
    }

    /// <summary>
    /// The Unix calls .NET's netstandard2.0 surface lacks, for files a less trusted user may arrange: status without following a
    /// link (statx, the same layout on every Linux architecture), owners, and the open flags that refuse a link. Linux only
    /// (<see cref="Supported"/>); elsewhere callers keep what the runtime gives.
    /// </summary>
    public static class UnixFiles
    {
        /// <summary>True on Linux, where these calls are made.</summary>
        public static bool Supported { get; } = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        private static readonly bool Arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 || RuntimeInformation.ProcessArchitecture == Architecture.Arm;

        internal const int AtFdCwd = -100;
        internal const int AtSymlinkNoFollow = 0x100;
        internal const int AtEmptyPath = 0x1000;
        internal const int AtRemoveDir = 0x200;

        internal const int ORdOnly = 0;
        internal const int OWrOnly = 1;
        internal const int ORdWr = 2;
        internal const int OCreat = 0x40;
        internal const int OExcl = 0x80;
        internal const int OTrunc = 0x200;
        internal const int OAppend = 0x400;
        internal const int ONonBlock = 0x800;
        internal const int OCloExec = 0x80000;
        internal const int OPath = 0x200000;

        /// <summary>An open file's own path in /proc: a change made through it reaches exactly the inode that is open.</summary>
        internal static string ProcPath(int fd) => "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);

        internal static int ODirectory => Arm ? 0x4000 : 0x10000;

        internal static int ONoFollow => Arm ? 0x8000 : 0x20000;

        internal const int ENoEnt = 2;
        internal const int EAccess = 13;
        internal const int EPerm = 1;
        internal const int EExist = 17;
        internal const int ENotDir = 20;
        internal const int ELoop = 40;
        internal const int EXDev = 18;
        internal const int ENoSpace = 28;

        /// <summary>The effective user id of this process (0: root), or null off Linux.</summary>
        public static uint? EffectiveUser => Supported ? Native.geteuid() : (uint?)null;

        /// <summary>True when this process may give files to other owners (root on Linux).</summary>
        public static bool MayChangeOwners => Supported && Native.geteuid() == 0;

        /// <summary>The status of <paramref name="path"/>, a link itself when it is one; null when nothing is there.</summary>
        public static FileIdentity? Lstat(string path) => Stat(AtFdCwd, path, AtSymlinkNoFollow);

        /// <summary>The status of what <paramref name="path"/> leads to (links followed); null when nothing is there.</summary>
        public static FileIdentity? StatFollowing(string path) => Stat(AtFdCwd, path, 0);

        /// <summary>The status of an open file.</summary>
        public static FileIdentity Fstat(SafeHandle handle)
        {
            FileIdentity? identity = Stat((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath | AtSymlinkNoFollow);
            return identity ?? throw new IOException("The open file's status could not be read.");
        }

        internal static FileIdentity? Stat(int dirFd, string name, int flags)
        {
            if (!Supported)
            {
                return null;
            }
            var buffer = new byte[256];
            if (Native.statx(dirFd, name, flags, 0x7FF, buffer) != 0)
            {
                int errno = Marshal.GetLastWin32Error();
                if (errno == ENoEnt || errno == ENotDir)
                {
                    return null;
                }
                throw Error(errno, name, "read the status of");
            }
            uint links = BitConverter.ToUInt32(buffer, 16);
            uint uid = BitConverter.ToUInt32(buffer, 20);
            uint gid = BitConverter.ToUInt32(buffer, 24);
            int mode = BitConverter.ToUInt16(buffer, 28);
            ulong ino = BitConverter.ToUInt64(buffer, 32);
            long size = (long)BitConverter.ToUInt64(buffer, 40);
            long mtime = BitConverter.ToInt64(buffer, 112) * 1_000_000_000L + BitConverter.ToUInt32(buffer, 120);
            ulong dev = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
            return new FileIdentity(dev, ino, mode, size, mtime, uid, gid, links);
        }

        /// <summary>Gives <paramref name="path"/> (never what a link leads to) to an owner and group; false when the process may not.</summary>
        public static bool TryChangeOwner(string path, uint owner, uint group)
        {
            if (!Supported)
            {
                return false;
            }
            if (Native.fchownat(AtFdCwd, path, owner, group, AtSymlinkNoFollow) == 0)
            {
                return true;
            }
            int errno = Marshal.GetLastWin32Error();
            if (errno == EPerm || errno == EAccess)
            {
                return false;
            }
            throw Error(errno, path, "change the owner of");
        }

        /// <summary>
        /// The first part of <paramref name="path"/> (made absolute) that is a symbolic link another user owns (neither this process's
        /// user nor root), or null: such a link lets that user choose where everything below it lands.
        /// </summary>
        public static string? LinkAnotherUserOwns(string path)
        {
            if (!Supported || !(EffectiveUser is uint me))
            {
                return null;
            }
            string full = Path.GetFullPath(path);
            string at = Path.GetPathRoot(full) ?? "/";
            foreach (string part in full.Substring(at.Length).Split(new[] { Path.DirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries))
            {
                at = Path.Combine(at, part);
                FileIdentity? id = Lstat(at);
                if (id == null)
                {
                    return null;
                }
                if (id.Value.IsLink && id.Value.Owner != me && id.Value.Owner != 0)
                {
                    return at;
                }
            }
            return null;
        }

        /// <summary>
        /// True when another process holds an exclusive lock on the file <paramref name="path"/> (flock, as the runtime's
        /// FileShare.None takes it); false when the file is missing or free. A link there is never followed (false).
        /// </summary>
        public static bool IsLockedByAnother(string path)
        {
            if (!Supported)
            {
                try
                {
                    using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                    {
                        return false;
                    }
                }
                catch (FileNotFoundException)
                {
                    return false;
                }
                catch (DirectoryNotFoundException)
                {
                    return false;
                }
                catch (IOException)
                {
                    return true;
                }
            }
            int fd = Native.openat(AtFdCwd, path, ORdOnly | ONoFollow | OCloExec | ONonBlock, 0);
            if (fd < 0)
            {
                return false;
            }
            try
            {
                return Native.flock(fd, 1 | 4 /* LOCK_SH | LOCK_NB */) != 0 && Marshal.GetLastWin32Error() == 11 /* EWOULDBLOCK */;
            }
            finally
            {
                Native.close(fd);
            }
        }

        /// <summary>
        /// True when <paramref name="path"/>, as a folder listing gave it, is a name that is not valid UTF-8 on disk: the runtime
        /// decodes such bytes lossily (U+FFFD), so the string names no file (or another one). Such a file cannot be opened by name.
        /// </summary>
        public static bool IsLossyName(string path) =>
            Supported && path.IndexOf('\uFFFD') >= 0 && Lstat(path) == null;

        /// <summary>The exception an errno stands for, as the runtime would raise it (denied, missing, or an I/O error with its number).</summary>
        internal static Exception Error(int errno, string path, string what)
        {
            switch (errno)
            {
                case EAccess:
                case EPerm:
                    return new UnauthorizedAccessException($"Access to '{path}' is denied (errno {errno}).");
                case ENoEnt:
                    return new FileNotFoundException($"'{path}' does not exist.", path);
                case ELoop:
                    return new LinkRefusedException(path);
                case EExist:
                    return new IOException($"'{path}' already exists.", EExist);
                case ENoSpace:
                    return new IOException($"No space left on device to {what} '{path}'.", ENoSpace);
                default:
                    return new IOException($"Could not {what} '{path}' (errno {errno}).", errno);
            }
        }

        internal static class Native
        {
#pragma warning disable IDE1006
            [DllImport("libc", SetLastError = true)]
            internal static extern int statx(int dirfd, string path, int flags, uint mask, byte[] buffer);

            [DllImport("libc", SetLastError = true)]
            internal static extern uint geteuid();

            [DllImport("libc", SetLastError = true)]
            internal static extern int fchownat(int dirfd, string path, uint owner, uint group, int flags);

            [DllImport("libc", SetLastError = true)]
            internal static extern int fchown(int fd, uint owner, uint group);

            [DllImport("libc", SetLastError = true)]
            internal static extern int chmod(string path, uint mode);

            [DllImport("libc", SetLastError = true)]
            internal static extern int fchmodat(int dirfd, string path, uint mode, int flags);

            [DllImport("libc", SetLastError = true)]
            internal static extern int flock(int fd, int operation);

            [DllImport("libc", SetLastError = true)]
            internal static extern int openat(int dirfd, string path, int flags, int mode);

            [DllImport("libc", SetLastError = true)]
            internal static extern int mkdirat(int dirfd, string path, int mode);

            [DllImport("libc", SetLastError = true)]
            internal static extern int renameat(int olddirfd, string oldpath, int newdirfd, string newpath);

            [DllImport("libc", SetLastError = true)]
            internal static extern int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

            [DllImport("libc", SetLastError = true)]
            internal static extern int unlinkat(int dirfd, string path, int flags);

            [DllImport("libc", SetLastError = true)]
            internal static extern int close(int fd);

            [DllImport("libc", SetLastError = true)]
            internal static extern int symlinkat(string target, int newdirfd, string linkpath);

            [DllImport("libc", SetLastError = true)]
            internal static extern int utimensat(int dirfd, string path, long[] times, int flags);
#pragma warning restore IDE1006
        }
    }

    /// <summary>A symbolic link stood where the module opens, creates or changes a file of its own, and was not followed.</summary>
    public sealed class LinkRefusedException : IOException
    {
        public LinkRefusedException(string path, bool hard = false)
            : base(hard
                ? $"'{path}' is a hard link (the file has other names, which may lie anywhere); it is never written, changed or read through."
                : $"'{path}' is a symbolic link (or lies under one); it is never followed.")
        {
            PathName = path;
            Hard = hard;
        }

        /// <summary>A file with more than one name, rather than a symbolic link.</summary>
        public bool Hard { get; }

        public string PathName { get; }
    }
}
