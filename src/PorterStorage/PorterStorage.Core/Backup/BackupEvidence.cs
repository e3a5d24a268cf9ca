using System;
using System.Collections.Generic;
using PorterStorage.Core.Errors;

namespace PorterStorage.Core.Backup
{
    /// <summary>
    /// What a verified backup vouches for, item by item: a migration deletes or overwrites a stored item only when the
    /// backup holds those very bytes (the same path and SHA-256). An item added or changed after the backup was made is
    /// refused with <c>BackupRequired</c> naming it, and the rest go on.
    /// </summary>
    public sealed class BackupEvidence
    {
        private readonly Dictionary<string, string> _sha256ByPath;
        private readonly string _archive;

        private BackupEvidence(string archive, Dictionary<string, string> sha256ByPath)
        {
            _archive = archive;
            _sha256ByPath = sha256ByPath;
        }

        /// <summary>The evidence of a backup that passed <see cref="BackupVerifier.RequireBackupOf"/>, which returns it.</summary>
        internal static BackupEvidence From(PorterBackup backup, BackupManifest manifest)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (BackupEntry e in manifest.Entries)
            {
                if (e.Type == BackupEntryType.File && e.Sha256 != null)
                {
                    map[e.Path] = e.Sha256;
                }
            }
            return new BackupEvidence(backup.Path, map);
        }

        /// <summary>Raises <c>BackupRequired</c> unless the backup holds <paramref name="content"/> at <paramref name="path"/> (the store's own path).</summary>
        public void Require(string path, byte[] content, string described)
        {
            string why = !_sha256ByPath.TryGetValue(path, out string? recorded) ? "is not in the backup (it was added after the backup was made)"
                : !string.Equals(recorded, Sha256(content), StringComparison.OrdinalIgnoreCase) ? "has changed since the backup was made"
                : string.Empty;
            if (why.Length > 0)
            {
                throw new PorterStorageException(ErrorIds.BackupRequired, PorterErrorKind.InvalidOperation, described,
                    $"'{described}' {why}: the backup '{_archive}' cannot restore what the migration would delete or overwrite. Make a new backup and run again.");
            }
        }

        private static string Sha256(byte[] content) => Hex.Sha256(content);
    }
}
