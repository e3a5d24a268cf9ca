using System;
using System.Collections.Generic;

namespace PorterStorage.Core.Archive
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
        public void Require(string path, byte[] content, string described) => Refuse(Refusal(path, Hex.Sha256(content)), described);

        /// <summary>The evidence one migration run works with: this backup, and what the run itself writes as it goes.</summary>
        public RunEvidence StartRun() => new RunEvidence(this);

        /// <summary>Why the backup cannot vouch for these bytes at this path; empty when it can.</summary>
        internal string Refusal(string path, string sha256) =>
            !_sha256ByPath.TryGetValue(path, out string? recorded) ? "is not in the backup (it was added after the backup was made)"
            : !string.Equals(recorded, sha256, StringComparison.OrdinalIgnoreCase) ? "has changed since the backup was made"
            : string.Empty;

        internal void Refuse(string why, string described)
        {
            if (why.Length > 0)
            {
                throw new PorterStorageException(ErrorIds.BackupRequired, PorterErrorKind.InvalidOperation, described,
                    $"'{described}' {why}: the backup '{_archive}' cannot restore what the migration would delete or overwrite. Make a new backup and run again.");
            }
        }
    }

    /// <summary>
    /// The evidence of one migration run. An item is vouched for by the backup (it holds these very bytes) or by the run
    /// itself: a document this run wrote a moment earlier (an installation's index that its second legacy claim writes again)
    /// may be overwritten while it still holds what the run wrote. Anything added or changed by someone else after the backup,
    /// including a document the run wrote and someone changed afterwards, is refused with <c>BackupRequired</c>.
    /// </summary>
    public sealed class RunEvidence
    {
        private readonly BackupEvidence _backup;
        private readonly Dictionary<string, string> _writtenByRun = new Dictionary<string, string>(StringComparer.Ordinal);

        internal RunEvidence(BackupEvidence backup)
        {
            _backup = backup;
        }

        /// <summary>Raises <c>BackupRequired</c> unless the backup or this run vouches for <paramref name="content"/> at <paramref name="path"/>.</summary>
        public void Require(string path, byte[] content, string described)
        {
            string sha256 = Hex.Sha256(content);
            string why = !_writtenByRun.TryGetValue(path, out string? written) ? _backup.Refusal(path, sha256)
                : string.Equals(written, sha256, StringComparison.Ordinal) ? string.Empty
                : "has changed since this migration wrote it";
            _backup.Refuse(why, described);
        }

        /// <summary>This run put <paramref name="content"/> at <paramref name="path"/> (a change set of it was applied).</summary>
        public void Wrote(string path, byte[] content) => _writtenByRun[path] = Hex.Sha256(content);

        /// <summary>This run moved <paramref name="from"/> to <paramref name="to"/>: the run vouches for <paramref name="to"/> only if it wrote <paramref name="from"/>.</summary>
        public void Moved(string from, string to)
        {
            if (_writtenByRun.TryGetValue(from, out string? written))
            {
                _writtenByRun[to] = written;
            }
            else
            {
                _writtenByRun.Remove(to);
            }
            _writtenByRun.Remove(from);
        }

        /// <summary>This run deleted <paramref name="path"/>: whatever appears there later is someone else's.</summary>
        public void Deleted(string path) => _writtenByRun.Remove(path);
    }
}
