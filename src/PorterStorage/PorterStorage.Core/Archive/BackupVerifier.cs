using System;
using System.IO;
using System.Threading;

namespace PorterStorage.Core.Archive
{
    /// <summary>Re-reads every byte of an archive and checks it against its manifest, as restic/borg 'check' do.</summary>
    public static class BackupVerifier
    {
        /// <summary>
        /// Checks the archive with <see cref="ArchiveValidator"/> (the one rule restores and the migration use too).
        /// <paramref name="expectedSha256"/> (from a <see cref="PorterBackup"/>) is compared with the archive's hash when given.
        /// Raises <c>BackupNotFound</c> only when the file does not exist; every other defect is reported in the result.
        /// </summary>
        public static PorterBackupVerification Verify(string archivePath, string? expectedSha256, IProgress<OperationProgress>? progress, CancellationToken cancel) =>
            ArchiveValidator.Validate(archivePath, expectedSha256, progress, cancel);

        /// <summary>
        /// What every restore checks first: the archive passes <see cref="Verify"/> (else its named refusal, <c>BackupCorrupt</c> and
        /// the rest) and is a backup of the kind <paramref name="manifestKind"/> (else <c>BackupKindMismatch</c>, saying where a backup
        /// of its own kind goes). Returns the check, whose manifest is set.
        /// </summary>
        public static PorterBackupVerification RequireValidOfKind(string archivePath, string? expectedSha256, string manifestKind, IProgress<OperationProgress>? progress,
            CancellationToken cancel)
        {
            if (ForeignOwner(archivePath) is uint owner)
            {
                throw new PorterStorageException(ErrorIds.BackupNotTrusted, PorterErrorKind.PermissionDenied, archivePath,
                    $"'{archivePath}' is owned by uid {owner}, neither this user nor root: whoever wrote it chose what its manifest says (the home, the owners, the content), " +
                    "so it is not restored by this process. Restore it as that user, or check it and take it over (chown) first.");
            }
            PorterBackupVerification check = Verify(archivePath, expectedSha256, progress, cancel);
            PorterStorageException? refusal = check.ToException();
            if (refusal != null)
            {
                throw refusal;
            }
            BackupManifest manifest = check.Manifest!;
            if (manifest.Kind != manifestKind)
            {
                string where = manifest.Kind == BackupKinds.HomeManifest ? "use Restore-PorterHome"
                    : manifest.Kind == BackupKinds.TableManifest ? "restore it into a table (Restore-PorterAzureContainer -Storage from Get-PorterAzureStorage -Table)"
                    : "restore it into a blob container with Restore-PorterAzureContainer";
                throw new PorterStorageException(ErrorIds.BackupKindMismatch, PorterErrorKind.InvalidArgument, archivePath,
                    $"'{archivePath}' is a backup of {ArchiveKindRules.For(manifest.Kind)?.Description ?? "something else"}, not of {ArchiveKindRules.For(manifestKind)!.Description}; {where}.");
            }
            return check;
        }

        /// <summary>
        /// The owner of an archive file when it is neither this process's user nor root (an archive another user wrote), else null
        /// (also where the platform tells no owner). Such an archive vouches for nothing and is restored by no other user.
        /// </summary>
        public static uint? ForeignOwner(string archivePath)
        {
            if (!(UnixFiles.Lstat(archivePath) is FileIdentity id) || !(UnixFiles.EffectiveUser is uint me))
            {
                return null;
            }
            return IsForeign(id.Owner, me) ? id.Owner : (uint?)null;
        }

        /// <summary>The one trust rule for archives: one owned by neither this process's user nor root is another user's.</summary>
        internal static bool IsForeign(uint owner, uint me) => owner != me && owner != 0;

        /// <summary>
        /// The migration's evidence rule: <paramref name="backup"/> must be a verified backup of this very home or container
        /// (<paramref name="kind"/> Home or Container, <paramref name="identity"/> its full path or container URL) whose archive
        /// still matches it byte for byte. Raises <c>BackupRequired</c> saying why not. Returns what the backup vouches for,
        /// item by item, for the run to check before each delete or overwrite.
        /// </summary>
        public static BackupEvidence RequireBackupOf(PorterBackup? backup, string identity, string kind, CancellationToken cancel)
        {
            string producer = BackupKinds.Producer(kind);
            if (backup == null)
            {
                throw new PorterStorageException(ErrorIds.BackupRequired, PorterErrorKind.InvalidOperation, identity,
                    $"A verified backup of '{identity}' is required: pipe {producer} into this command, pass -Backup, or use -SkipBackupCheck.");
            }
            string recorded = kind == BackupKinds.Home ? System.IO.Path.GetFullPath(backup.Source).TrimEnd('/', '\\') : backup.Source;
            string why = ForeignOwner(backup.Path) is uint foreign ? $"its archive is owned by uid {foreign}, neither this user nor root, so it vouches for nothing"
                : backup.Kind != kind ? $"it is a backup of a {backup.Kind.ToLowerInvariant()}, not of a {kind.ToLowerInvariant()}"
                : !string.Equals(recorded, identity, StringComparison.Ordinal) ? $"it is a backup of '{backup.Source}', not of '{identity}'"
                : !backup.Verified ? (backup.Skipped.Count > 0
                    ? $"it is not verified: {backup.Skipped.Count} item(s) were not recorded (e.g. '{backup.Skipped[0].Path}')"
                    : "it is not verified: the archive did not pass its check when it was written (Test-PorterBackup names the entries)")
                : string.Empty;
            PorterStorageException? refusal = null;
            PorterBackupVerification? check = null;
            if (why.Length == 0)
            {
                // The same validator a restore uses: an archive that cannot be restored is no evidence.
                check = Verify(backup.Path, backup.Sha256, null, cancel);
                refusal = check.ToException();
                why = check.IsValid ? string.Empty : $"it cannot be restored ({check.ErrorId}): {check.Reason}";
            }
            if (why.Length > 0)
            {
                throw new PorterStorageException(ErrorIds.BackupRequired, PorterErrorKind.InvalidOperation, backup.Path,
                    $"The backup '{backup.Path}' cannot vouch for '{identity}': {why}.", refusal);
            }
            return BackupEvidence.From(backup, check!.Manifest!);
        }

        /// <summary>Reads the manifest of an archive (either format) that has been verified; raises <c>BackupCorrupt</c> when there is none.</summary>
        public static BackupManifest ReadManifest(string archivePath)
        {
            try
            {
                using ArchiveReader archive = ArchiveReader.OpenFile(archivePath);
                foreach (ArchiveItem item in archive.Items())
                {
                    if (item.Name == BackupManifest.ManifestEntryName)
                    {
                        using Stream s = item.Open();
                        return BackupManifest.Read(s, archivePath);
                    }
                }
            }
            catch (InvalidDataException ex)
            {
                throw BackupManifest.Corrupt(archivePath, "it is not a readable archive (" + ex.Message + ")", ex);
            }
            throw BackupManifest.Corrupt(archivePath, "the archive has no manifest.json", null);
        }

        private static PorterBackupVerification Failed(string path, string sha, string problem) =>
            new PorterBackupVerification(path, sha, false, null, 0, 0, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<BackupMismatch>(),
                Array.Empty<BackupSkippedItem>(), problem);
    }
}
