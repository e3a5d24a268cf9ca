using System;
using System.Globalization;
using System.IO;

namespace PorterStorage.Core.Archive
{
    /// <summary>Where a backup archive goes, for homes and containers alike.</summary>
    public static class BackupPaths
    {
        /// <summary>
        /// <paramref name="destination"/> (absolute) as a file when it names an archive (<see cref="ArchiveFormats.IsArchiveName"/>)
        /// and is no folder, else a folder with the name <c>&lt;stem&gt;-yyyyMMdd-HHmmss</c> and the extension of
        /// <paramref name="format"/>, numbered <c>-2</c>, <c>-3</c>… when a backup of that second exists.
        /// </summary>
        public static string ArchivePath(string destination, string stem, DateTime now, ArchiveFormat format)
        {
            if (ArchiveFormats.IsArchiveName(destination) && !Directory.Exists(destination))
            {
                return destination;
            }
            string extension = ArchiveFormats.Extension(format);
            string baseName = Path.Combine(destination, stem + "-" + now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            string candidate = baseName + extension;
            for (int n = 2; File.Exists(candidate) || Directory.Exists(candidate); n++)
            {
                candidate = baseName + "-" + n.ToString(CultureInfo.InvariantCulture) + extension;
            }
            return candidate;
        }

        /// <summary>
        /// The file name stem of a home's backups: <c>porter-home-</c> and the home folder's name in letters, digits, '.', '_'
        /// and '-' (any other run of characters becomes one '-', leading dots and dashes are dropped: <c>~/.porter</c> gives
        /// <c>porter-home-porter</c>, <c>/srv/porter/c[1]</c> gives <c>porter-home-c-1</c>), at most 64 characters of it;
        /// <c>porter-home</c> alone when nothing is left.
        /// </summary>
        public static string HomeStem(string homePath)
        {
            string leaf = Path.GetFileName(homePath.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
            var name = new System.Text.StringBuilder();
            foreach (char c in leaf)
            {
                bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                if (plain)
                {
                    name.Append(c);
                }
                else if (name.Length > 0 && name[name.Length - 1] != '-')
                {
                    name.Append('-');
                }
            }
            string cleaned = name.ToString().TrimStart('.', '-').TrimEnd('-', '.');
            if (cleaned.Length > 64)
            {
                cleaned = cleaned.Substring(0, 64).TrimEnd('-', '.');
            }
            return cleaned.Length == 0 ? "porter-home" : "porter-home-" + cleaned;
        }

        /// <summary>Raises <c>BackupExists</c> for an existing file (unless <paramref name="force"/>) or a folder of that name.</summary>
        public static void CheckWritable(string archive, bool force)
        {
            if (!force && File.Exists(archive))
            {
                throw new PorterStorageException(ErrorIds.BackupExists, PorterErrorKind.ResourceExists, archive,
                    $"The file '{archive}' already exists; use -Force to replace it.");
            }
            if (Directory.Exists(archive))
            {
                throw new PorterStorageException(ErrorIds.BackupExists, PorterErrorKind.ResourceExists, archive, $"'{archive}' is a folder.");
            }
        }

        /// <summary>The archive path for a container backup: checked as for homes.</summary>
        public static string PlanArchivePath(string destination, string stem, bool force, DateTime now, ArchiveFormat format)
        {
            string archive = ArchivePath(destination, stem, now, format);
            CheckWritable(archive, force);
            return archive;
        }
    }
}
