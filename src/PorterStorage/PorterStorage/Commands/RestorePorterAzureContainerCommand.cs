using System.Management.Automation;
using PorterStorage.Core.Azure;
using PorterStorage.Core.Errors;

namespace PorterStorage.Commands
{
    /// <summary>Restore-PorterAzureContainer: uploads a verified container backup with its headers, metadata and index tags.</summary>
    [Cmdlet(VerbsData.Restore, "PorterAzureContainer", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(PorterContainerRestoreResult))]
    public sealed class RestorePorterAzureContainerCommand : PorterArchiveCmdlet
    {
        /// <summary>The container to restore into (created when missing).</summary>
        [Parameter(Mandatory = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Storage { get; set; }

        /// <summary>Restore into a container that already holds blobs (same names are replaced).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            string? archive = ArchivePath;
            if (archive == null)
            {
                return;
            }
            var progress = new CmdletProgress(this, 6, $"Restoring {Storage!.ContainerUri}");
            try
            {
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
