using System.Management.Automation;
using PorterStorage.Core.Azure;
using PorterStorage.Core.AzureTable;
using PorterStorage.Core.Errors;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Restore-PorterAzureContainer: uploads a verified container backup with its headers, metadata and index tags; or writes a
    /// verified table backup's entities into the azure.table plugin's table, read back to check.
    /// </summary>
    [Cmdlet(VerbsData.Restore, "PorterAzureContainer", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(PorterContainerRestoreResult))]
    [OutputType(typeof(PorterTableRestoreResult))]
    public sealed class RestorePorterAzureContainerCommand : PorterArchiveCmdlet
    {
        /// <summary>The container (or, for a table backup, the table) to restore into; created when missing.</summary>
        [Parameter(Mandatory = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Storage { get; set; }

        /// <summary>Restore into a container that already holds blobs, or a table that holds entities (same names or keys are replaced, others kept).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            string? archive = ArchivePath;
            if (archive == null)
            {
                return;
            }
            var progress = new CmdletProgress(this, 6, $"Restoring {Storage!.StoreUri}");
            try
            {
                if (Storage.IsTable)
                {
                    PorterTableRestoreResult restored = TableBackup.Restore(archive, ExpectedSha256, Storage, Force,
                        target => ShouldProcess(target, $"Restore the entities of '{archive}'"), progress, CancellationToken);
                    if (restored.EntityCount > 0)
                    {
                        WriteObject(restored);
                    }
                    return;
                }
                PorterContainerRestoreResult result = ContainerBackup.Restore(archive, ExpectedSha256, Storage, Force,
                    target => ShouldProcess(target, $"Restore the blobs of '{archive}'"), progress, CancellationToken);
                if (result.BlobCount > 0 || result.Bytes > 0)
                {
                    WriteObject(result);
                }
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
