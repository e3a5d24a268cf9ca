using System;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Backup-PorterHome: one verified zip of a Porter home (every file, or with -DataOnly the data Porter stores),
    /// with a manifest of each file's size, SHA-256, mode and time. The archive is written 0600 under a temporary
    /// name and renamed when complete.
    /// </summary>
    [Cmdlet(VerbsData.Backup, "PorterHome", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PorterBackup))]
    public sealed class BackupPorterHomeCommand : PorterHomeCmdlet
    {
        /// <summary>A folder (created when missing) or the archive's file name (.tar.gz or .tgz for a tar.gz, .zip for a zip). Default: the current folder.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>Only the config file, schema.json, the data folders and migration logs.</summary>
        [Parameter]
        public SwitchParameter DataOnly { get; set; }

        /// <summary>
        /// Replace an existing archive of the same name (and, with -CopyTo, the blob of that name), and back up a folder that
        /// holds nothing of Porter's (NotAPorterHome otherwise).
        /// </summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>
        /// A blob container (from Get-PorterAzureStorage) to copy the finished archive to, so that it outlives this machine:
        /// the blob is named after the archive, checked by length and MD5, and named in the result's CopiedTo.
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        [AzContextTransformation]
        public PorterStorage.PorterAzureStorage? CopyTo { get; set; }

        /// <summary>
        /// A name for the run this backup is made for (1 to 64 letters, digits, dots, hyphens, underscores), kept on the backup and
        /// recorded with its copy (-CopyTo), so that a restarted runbook finds the backup it made (Get-PorterBackup -Storage) and reuses it.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RunId { get; set; }

        protected override void BeginProcessing() => RequireRunId(RunId);

        protected override void ProcessRecord() => ForEachHome((home, _) =>
        {
            if (!Force)
            {
                HomeShape.RequirePorterHome(home);
            }
            string cwd = CurrentFolder;
            string destination = Destination == null ? cwd : GetUnresolvedProviderPathFromPSPath(Destination);
            string archive = HomeBackup.PlanArchivePath(home, destination, cwd, Force, DateTime.Now);
            if (!ShouldProcess(archive, $"Back up the Porter home '{home}'{(DataOnly ? " (data only)" : string.Empty)}{(CopyTo != null ? $" and copy the archive to '{CopyTo.ContainerUri}'" : string.Empty)}"))
            {
                return;
            }

            var progress = new CmdletProgress(this, 1, $"Backing up {home}");
            try
            {
                PorterBackup backup = HomeBackup.Create(home, archive, DataOnly, Force, progress, WriteCoreError, CancellationToken);
                WriteVerbose($"Wrote '{backup.Path}': {backup.FileCount} files, {backup.TotalBytes} bytes, archive {backup.ArchiveBytes} bytes, SHA-256 {backup.Sha256}.");
                if (!backup.Verified)
                {
                    WriteWarning(backup.Skipped.Count > 0
                        ? $"The backup '{backup.Path}' is incomplete ({backup.Skipped.Count} file(s) not recorded); the migration will not accept it."
                        : $"The backup '{backup.Path}' did not pass its check when it was read back (Test-PorterBackup names the entries); the migration will not accept it.");
                }
                BackupMetadata.Label(backup, RunId);
                SendCopy(backup, CopyTo, Force);
                WriteObject(backup);
            }
            finally
            {
                progress.Complete();
            }
        });
    }
}
