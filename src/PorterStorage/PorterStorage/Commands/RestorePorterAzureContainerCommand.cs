using System.Management.Automation;

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

        /// <summary>
        /// Restore into a container that already holds blobs, or a table that holds entities, making it equal to the backup: what it
        /// holds otherwise or in addition is saved first to a pre-restore backup beside the archive, then replaced or removed.
        /// </summary>
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
                if (Storage is PorterAzureTable table)
                {
                    PorterTableRestoreResult? restored = TableBackup.Restore(archive, ExpectedSha256, table, Force, ShouldProcess, progress, CancellationToken);
                    if (restored != null)
                    {
                        WriteObject(restored);
                    }
                    return;
                }
                PorterContainerRestoreResult? result = ContainerRestore.Restore(archive, ExpectedSha256, AzureReferences.Container(Storage, "Restore-PorterAzureContainer"), Force, ShouldProcess, progress, CancellationToken);
                if (result != null)
                {
                    WriteObject(result);
                }
            }
            catch (System.Exception ex) when (IsStop(ex))
            {
                Core.OperationProgress? last = progress.Last;
                string kind = Storage is PorterAzureTable ? "entities" : "blob(s)";
                string written = last != null && last.Activity == "Restoring" ? $"{last.Done} of {last.Total} {kind} were written" : $"no {kind} were written";
                TellStopped($"The restore of '{archive}' into '{Storage.StoreUri}' was stopped after {written}; it may be partly restored. " +
                    "Run the same command again with -Force to finish it: what it holds then is compared with the backup, saved first when anything is to be " +
                    "replaced or removed, and only what differs is written. If it replaced or removed anything, what the container held before is in the " +
                    "pre-restore backup beside the archive.");
                throw;
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
