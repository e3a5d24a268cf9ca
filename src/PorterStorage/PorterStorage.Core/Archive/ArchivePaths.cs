using System;
using System.Runtime.CompilerServices;
using System.IO;

namespace PorterStorage.Core.Archive
{
    /// <summary>Rules for paths inside an archive and for where archives and restores may go.</summary>
    public static class ArchivePaths
    {
        /// <summary>
        /// True for a relative, '/'-separated path with no empty, '.' or '..' segment, no backslash, drive or NUL:
        /// a path that cannot leave the folder it is extracted into.
        /// </summary>
        [MethodImpl(Hot.Path)]
        public static bool IsSafeRelative(string path)
        {
            if (string.IsNullOrEmpty(path) || path.IndexOf('\\') >= 0 || path.IndexOf('\0') >= 0 || path[0] == '/' || path.IndexOf(':') >= 0)
            {
                return false;
            }
            foreach (string segment in path.Split('/'))
            {
                if (segment.Length == 0 || segment == "." || segment == "..")
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>True when a link at <paramref name="linkPath"/> (relative) pointing at <paramref name="target"/> stays inside the root.</summary>
        public static bool IsSafeLinkTarget(string linkPath, string target)
        {
            if (string.IsNullOrEmpty(target) || target.IndexOf('\0') >= 0 || target.StartsWith("/", StringComparison.Ordinal) || target.IndexOf('\\') >= 0 || target.IndexOf(':') >= 0)
            {
                return false;
            }
            int depth = linkPath.Split('/').Length - 1;
            foreach (string segment in target.Split('/'))
            {
                if (segment == "..")
                {
                    depth--;
                    if (depth < 0)
                    {
                        return false;
                    }
                }
                else if (segment.Length > 0 && segment != ".")
                {
                    depth++;
                }
            }
            return true;
        }

        /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or lies beneath it.</summary>
        public static bool IsInside(string path, string folder)
        {
            StringComparison cmp = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            string f = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            string p = Path.GetFullPath(path);
            return string.Equals(p, f, cmp) || p.StartsWith(f + Path.DirectorySeparatorChar, cmp);
        }

        /// <summary>
        /// True when <paramref name="path"/> is or lies beneath <paramref name="folder"/> by any path: as written, once symbolic
        /// links are followed, or because <paramref name="path"/> or one of its existing ancestors is that very folder by device
        /// and inode (a bind mount of it, a second mount): for refusing a destination that reaches into a home.
        /// </summary>
        public static bool MayBeInside(string path, string folder) =>
            IsInside(path, folder) || IsInside(FileSystemExtras.RealPath(path), FileSystemExtras.RealPath(folder)) || ReachesByIdentity(path, folder);

        /// <summary>True when <paramref name="path"/> or an existing ancestor of it is <paramref name="folder"/> itself (same device and inode).</summary>
        private static bool ReachesByIdentity(string path, string folder)
        {
            if (!UnixFiles.Supported)
            {
                return false;
            }
            FileIdentity? target = Status(folder);
            if (target == null)
            {
                return false;
            }
            for (string? p = Path.GetFullPath(path); !string.IsNullOrEmpty(p); p = Path.GetDirectoryName(p))
            {
                FileIdentity? id = Status(p!);
                if (id != null && id.Value.SameFile(target.Value))
                {
                    return true;
                }
            }
            return false;
        }

        private static FileIdentity? Status(string path)
        {
            try
            {
                return UnixFiles.StatFollowing(path);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                return null;
            }
        }

        /// <summary>'/'-separated relative path of <paramref name="full"/> under <paramref name="root"/>.</summary>
        [MethodImpl(Hot.Path)]
        public static string Relative(string root, string full) =>
            full.Substring(root.Length).TrimStart(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Replace(Path.DirectorySeparatorChar, '/');
    }
}
