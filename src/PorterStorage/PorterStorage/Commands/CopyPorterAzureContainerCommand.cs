using System.Management.Automation;
using PorterStorage.Core;
using PorterStorage.Core.Azure;
using PorterStorage.Core.Backup;
using PorterStorage.Core.Errors;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Copy-PorterAzureContainer: server-side copy of the Porter container to another container or account, keeping index
    /// tags, metadata and content headers; a rerun skips what is already copied; verified at the end.
    /// </summary>
    [Cmdlet(VerbsCommon.Copy, "PorterAzureContainer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PorterContainerCopyResult))]
    public sealed class CopyPorterAzureContainerCommand : PorterCmdlet
    {
        /// <summary>The container to copy from.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Source { get; set; }

        /// <summary>The container to copy to (created when missing).</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [AzContextTransformation]
        public PorterAzureStorage? Destination { get; set; }

        /// <summary>How many blobs are copied at once (azcopy's default: 32 on up to four cores, 16 per core above).</summary>
        [Parameter]
        [ValidateRange(1, AzureConcurrency.Max)]
        public int ConcurrentTaskCount { get; set; } = ContainerCopy.DefaultConcurrency;

        /// <summary>
        /// How long the verification waits for the account's Blob Index to return every copied tagged blob through Porter's
        /// tag queries (the index lags behind the copy, by minutes after bulk tagging).
        /// </summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int IndexTimeoutSeconds { get; set; } = 60;

        /// <summary>Copy even when the destination holds data that differs from the source.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            if (!ShouldProcess(Destination!.ContainerUri.ToString(), $"Copy every blob of '{Source!.ContainerUri}' with its tags"))
            {
                return;
            }
            var progress = new CmdletProgress(this, 7, $"Copying {Source.ContainerUri} to {Destination.ContainerUri}");
            int done = 0;
            long bytes = 0;
            try
            {
                PorterContainerCopyResult result = ContainerCopy.Run(Source, Destination, ConcurrentTaskCount, Force, System.TimeSpan.FromSeconds(IndexTimeoutSeconds), e =>
                {
                    done++;
                    bytes += e.Bytes;
                    if (e.Error != null)
                    {
                        WriteCoreError(e.Error);
                    }
                    progress.Report(new OperationProgress("Copying", e.Blob, done, e.ToCopy, bytes, "blobs"));
                }, CancellationToken);
                foreach (string mismatch in result.Mismatches)
                {
                    WriteError(ToErrorRecord(new PorterStorageException(ErrorIds.BlobVerificationFailed, PorterErrorKind.InvalidData,
                        mismatch.Split(':')[0], "Verification: " + mismatch)));
                }
                if (result.IndexLagging)
                {
                    WriteWarning($"{ErrorIds.BlobIndexLagging}: the copy is complete and both sides list equal, but after {result.IndexWait.TotalSeconds:0} s " +
                        $"Porter's tag queries did not yet return {result.NotYetIndexed.Count} tagged blob(s) (e.g. '{result.NotYetIndexed[0]}'). " +
                        "The account's Blob Index is behind; run the copy again later (nothing is copied twice) or raise -IndexTimeoutSeconds.");
                }
                WriteObject(result);
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
