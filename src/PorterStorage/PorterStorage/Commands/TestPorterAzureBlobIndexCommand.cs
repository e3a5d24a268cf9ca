using System;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Test-PorterAzureBlobIndex: whether the account supports Blob Index tags (a live probe: write a tagged blob, find it by
    /// tag, delete it), its kind and SKU when readable, and how many Porter blobs lack the tags the plugin lists them by.
    /// -WhatIf writes nothing: it says what it would probe and runs the read-only checks.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "PorterAzureBlobIndex", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(PorterBlobIndexStatus))]
    [OutputType(typeof(bool))]
    public sealed class TestPorterAzureBlobIndexCommand : PorterCmdlet
    {
        /// <summary>The container, from Get-PorterAzureStorage.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Storage { get; set; }

        /// <summary>How long to wait for the index to list the probe blob.</summary>
        [Parameter]
        [ValidateRange(1, 900)]
        public int TimeoutSeconds { get; set; } = 60;

        /// <summary>Return only $true (supported) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                PorterAzureContainer container = AzureReferences.Container(Storage!, "Test-PorterAzureBlobIndex");
                bool write = ShouldProcess(container.ContainerUri.ToString(), $"Write a tagged probe blob '{BlobIndexProbe.ProbePrefix}<id>', find it by its tag, then delete it");
                PorterBlobIndexStatus status = BlobIndexProbe.Probe(container, TimeSpan.FromSeconds(TimeoutSeconds), write, CancellationToken);
                WriteVerbose($"{status.Account}: {status.Reason}.");
                if (status.ProbeBlobLeft != null)
                {
                    WriteWarning(status.ProbeBlobLeft);
                }
                WriteObject(Quiet ? (object)status.Supported : status);
            }
            catch (PorterStorageException ex)
            {
                WriteCoreError(ex);
                if (Quiet)
                {
                    WriteObject(false);
                }
            }
        }
    }
}
