using System;
using System.IO;
using System.Text;

namespace PorterStorage.Core.Folder
{
    /// <summary>
    /// What version of a file a run read, and removing a file only while it is still that version: the rule that keeps another
    /// writer's change (an older Porter rewriting a claim in place, or replacing it) when a migration removes what it migrated.
    /// A version is the file's identity as read (device, inode, size, modification time; <c>-</c> where the platform tells none)
    /// and the SHA-256 of the content read: <c>dev:ino:size:mtime/sha256</c>.
    /// </summary>
    internal static class FolderVersions
    {
        /// <summary>Reads a whole file and the version of what was read; a file that changes while it is read is read again.</summary>
        public static byte[] Read(IFileIO io, string path, out string version)
        {
            for (int attempt = 0; ; attempt++)
            {
                using Stream stream = io.OpenRead(path, 4096);
                FileIdentity? before = Identity(stream);
                byte[] content = ReadAll(stream);
                FileIdentity? after = Identity(stream);
                if (before.HasValue && after.HasValue && !before.Value.Equals(after.Value) && attempt < 3)
                {
                    continue;
                }
                version = Of(after, content);
                return content;
            }
        }

        /// <summary>The version text of a file's identity and content.</summary>
        public static string Of(FileIdentity? identity, byte[] content) => (identity?.Token ?? "-") + "/" + Hash(content);

        /// <summary>True when the file at <paramref name="path"/> is (still) the version <paramref name="expected"/>: same identity, same content.</summary>
        public static bool Holds(IFileIO io, string path, string expected)
        {
            FileIdentity? now = io.Identity(path);
            if (now.HasValue && (!now.Value.IsRegularFile || !IdentityMatches(expected, now.Value)))
            {
                return false;
            }
            if (!now.HasValue && File.Exists(path) == false)
            {
                return false;
            }
            Read(io, path, out string version);
            return ContentMatches(expected, version) && IdentityMatches(expected, version);
        }

        /// <summary>
        /// Removes <paramref name="path"/> if it is the version <paramref name="expected"/>: moved to <paramref name="aside"/> first
        /// (after that, a writer opening the path makes a new file), checked there, then removed. A file that is not that version is
        /// put back, or, when a new file took the path meanwhile, kept in <paramref name="keepFolder"/>, whose path is returned.
        /// <paramref name="changed"/> says the file was not that version (nothing of it was removed). Nothing at the path and
        /// nothing aside: already removed (by an earlier attempt, or by the other writer). Repeating it after an interruption
        /// finishes or undoes what the last attempt began.
        /// </summary>
        public static string? RemoveIfUnchanged(IFileIO io, string path, string aside, string keepFolder, string expected, out bool changed)
        {
            changed = false;
            bool asideThere = io.Identity(aside) != null || (!UnixFiles.Supported && File.Exists(aside));
            FileIdentity? now = io.Identity(path);
            bool pathThere = now != null || (!UnixFiles.Supported && File.Exists(path));
            if (!pathThere && !asideThere)
            {
                return null;
            }
            if (pathThere && !asideThere)
            {
                if (now.HasValue && (!now.Value.IsRegularFile || !IdentityMatches(expected, now.Value)))
                {
                    changed = true;
                    return null;
                }
                io.CreateDirectory(Path.GetDirectoryName(aside)!);
                try
                {
                    io.Move(path, aside, overwrite: false);
                }
                catch (FileNotFoundException)
                {
                    return null; // removed by the other writer just now
                }
            }
            string version;
            try
            {
                Read(io, aside, out version);
                if (ContentMatches(expected, version) && IdentityMatches(expected, version))
                {
                    io.Delete(aside);
                    return null;
                }
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                PutBack(io, aside, path);
                throw;
            }
            changed = true;
            try
            {
                io.Move(aside, path, overwrite: false);
                return null;
            }
            catch (IOException) when (io.Identity(path) != null || File.Exists(path))
            {
                // A new file took the path while this one was aside: both are kept.
                string kept = Path.Combine(keepFolder, Path.GetFileName(path) + "." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture));
                io.CreateDirectory(keepFolder);
                io.Move(aside, kept, overwrite: false);
                return kept;
            }
        }

        /// <summary>After a failed step: the file goes back where it was (when nothing took its place), so no file is left aside.</summary>
        private static void PutBack(IFileIO io, string aside, string path)
        {
            try
            {
                io.Move(aside, path, overwrite: false);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                // Left aside under its version's name: the next attempt at this change finds it there and finishes or undoes it.
            }
        }

        /// <summary>The name a path's file has while it is aside: the same for the same path and version, so a rerun finds it.</summary>
        public static string AsideName(string path, string expected) => Hash(Encoding.UTF8.GetBytes(path + "\n" + expected)).Substring(0, 32);

        private static bool IdentityMatches(string expected, FileIdentity now)
        {
            string part = expected.Substring(0, Math.Max(0, expected.IndexOf('/')));
            return part == "-" || part == now.Token;
        }

        private static bool IdentityMatches(string expected, string actual)
        {
            string want = expected.Substring(0, Math.Max(0, expected.IndexOf('/')));
            string have = actual.Substring(0, Math.Max(0, actual.IndexOf('/')));
            return want == "-" || have == "-" || want == have;
        }

        private static bool ContentMatches(string expected, string actual) =>
            string.Equals(expected.Substring(expected.IndexOf('/') + 1), actual.Substring(actual.IndexOf('/') + 1), StringComparison.Ordinal);

        private static FileIdentity? Identity(Stream stream)
        {
            if (UnixFiles.Supported && stream is FileStream file)
            {
                try
                {
                    return UnixFiles.Fstat(file.SafeFileHandle);
                }
                catch (IOException)
                {
                    return null;
                }
            }
            return null;
        }

        private static byte[] ReadAll(Stream stream)
        {
            using var buffer = new MemoryStream(stream.CanSeek ? (int)Math.Min(stream.Length, int.MaxValue) : 4096);
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }

        private static string Hash(byte[] content) => Hex.Sha256(content);
    }
}
