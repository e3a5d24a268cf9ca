using System;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Backup-PorterAzureContainer: every blob of the container (by List), with headers, metadata and tags, in one verified archive;
    /// or, given the azure.table plugin's table, every entity with every property and its type.
    /// </summary>
    [Cmdlet(VerbsData.Backup, "PorterAzureContainer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PorterBackup))]
    public sealed class BackupPorterAzureContainerCommand : PorterCmdlet
    {
        /// <summary>The container, or the azure.table plugin's table, from Get-PorterAzureStorage.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Storage { get; set; }

        /// <summary>A folder (created when missing) or the archive's file name (.tar.gz or .tgz for a tar.gz, .zip for a zip). Default: the current folder.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>Replace an existing archive of the same name (and, with -CopyTo, the blob of that name).</summary>
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

        protected override void ProcessRecord()
        {
            if (CopyTo != null)
            {
                // Refused before anything is written.
                PorterStorageException? refusal = BackupUpload.RefusalFor(Storage!, CopyTo);
                if (refusal != null)
                {
                    ThrowCoreError(refusal);
                }
            }
            string cwd = CurrentFolder;
            string destination = Destination == null ? cwd : GetUnresolvedProviderPathFromPSPath(Destination);
            PorterAzureTable? table = Storage as PorterAzureTable;
            string stem = table != null ? "porter-table-" + table.AccountName + "-" + table.Table : "porter-container-" + Storage!.AccountName + "-" + Storage.Container;
            string archive = BackupPaths.PlanArchivePath(destination, stem, Force, DateTime.Now, ArchiveFormat.TarGzip);
            if (!ShouldProcess(archive, $"Back up the {Storage!.Kind.ToLowerInvariant()} '{Storage.StoreUri}'{(CopyTo != null ? $" and copy the archive to '{CopyTo.ContainerUri}'" : string.Empty)}"))
            {
                return;
            }
            var progress = new CmdletProgress(this, 5, $"Backing up {Storage.StoreUri}");
            try
            {
                PorterBackup backup = PorterStores.Backup(Storage, archive, Force, progress, CancellationToken);
                WriteVerbose($"Wrote '{backup.Path}': {backup.FileCount} {(table != null ? "entities" : "blobs")}, {backup.TotalBytes} bytes, SHA-256 {backup.Sha256}.");
                BackupMetadata.Label(backup, RunId);
                SendCopy(backup, CopyTo, Force);
                WriteObject(backup);
            }
            catch (PorterStorageException ex)
            {
                WriteCoreError(ex);
            }
            finally
            {
                progress.Complete();
            }
        }
    }
}
