using System;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Test-PorterStorage: checks v0.28–v0.38 data the way Porter reads it: a home's folder, the container its config selects,
    /// the table, or a container or table from Get-PorterAzureStorage. Reads only.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "PorterStorage", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PorterStorageVerification))]
    [OutputType(typeof(bool))]
    public sealed class TestPorterStorageCommand : PorterHomeCmdlet
    {
        private const string StorageSet = "Storage";

        /// <summary>The azure.blob plugin's container or the azure.table plugin's table, from Get-PorterAzureStorage.</summary>
        [Parameter(ParameterSetName = StorageSet, Mandatory = true, ValueFromPipeline = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Storage { get; set; }

        /// <summary>Return only $true (no errors) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>
        /// How long to wait for a container's Blob Index to return every tagged blob through Porter's tag queries (the index lags
        /// behind writes). 0 asks each query once. A folder or a table has no index to wait for.
        /// </summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int IndexTimeoutSeconds { get; set; } = 60;

        protected override void ProcessRecord()
        {
            if (Storage != null)
            {
                RunItemOrWriteError(() => Report(PorterStores.OpenForCheck(Storage, CurrentFolder, CancellationToken)), QuietFalse);
                return;
            }
            ForEachHome((home, _) => Report(PorterStores.OpenForCheck(home, Environment.GetEnvironmentVariable, CancellationToken)), QuietFalse);
        }

        private void Report(IPorterStore store)
        {
            PorterStorageVerification result = StorageVerifier.Verify(store, CancellationToken, TimeSpan.FromSeconds(IndexTimeoutSeconds));
            foreach (StorageFinding finding in result.Findings)
            {
                WriteVerbose(finding.ToString());
            }
            WriteObject(Quiet ? (object)result.IsValid : result);
        }

        private void QuietFalse()
        {
            if (Quiet)
            {
                WriteObject(false);
            }
        }
    }
}
