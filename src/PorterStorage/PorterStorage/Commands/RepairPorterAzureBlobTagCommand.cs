using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Repair-PorterAzureBlobTag: rebuilds missing or wrong index tags of a Porter container from blob names and JSON
    /// content, for stores damaged by the plugin's tagging bugs or by a tag-less copy. Reports what it changed.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Repair, "PorterAzureBlobTag", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PorterTagRepairResult))]
    public sealed class RepairPorterAzureBlobTagCommand : PorterCmdlet
    {
        /// <summary>The container, from Get-PorterAzureStorage.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Storage { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                PorterTagRepairResult result = TagRepair.Run(AzureReferences.Container(Storage!, "Repair-PorterAzureBlobTag"), change => ShouldProcess(change.Blob, "Set the index tags " + string.Join(", ", System.Linq.Enumerable.Select(change.After, kv => kv.Key + "=" + kv.Value))),
                    WriteCoreError, CancellationToken);
                foreach (BlobTagChange change in result.Changes)
                {
                    WriteVerbose("Retagged " + change);
                }
                if (result.Repaired > 0 || result.Failed > 0 || result.Planned == 0)
                {
                    // Nothing is reported when every change was declined (-WhatIf).
                    WriteObject(result);
                }
            }
            catch (PorterStorageException ex)
            {
                WriteCoreError(ex);
            }
        }
    }
}
