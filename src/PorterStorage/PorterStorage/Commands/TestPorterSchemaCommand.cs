using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Test-PorterSchema: whether Porter v0.28–v0.38 would demand a migration of this home. Reads only; never
    /// writes schema.json.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "PorterSchema", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PorterSchemaStatus))]
    [OutputType(typeof(bool))]
    public sealed class TestPorterSchemaCommand : PorterHomeCmdlet
    {
        private const string StorageSet = "Storage";

        /// <summary>
        /// The azure.blob plugin's container or the azure.table plugin's table, from Get-PorterAzureStorage (also from the
        /// pipeline): its schema blob or entity is read.
        /// </summary>
        [Parameter(ParameterSetName = StorageSet, Mandatory = true, ValueFromPipeline = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Storage { get; set; }

        /// <summary>Return only $true (no migration required) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            if (Storage != null)
            {
                PorterAzureStorage storage = Storage;
                RunItemOrWriteError(() => Write(storage.StoreUri.ToString(), PorterHomeService.TestStorageSchema(storage, CancellationToken)), QuietFalse,
                    storage.StoreUri.ToString());
                return;
            }
            ForEachHome((path, _) => Write(path, PorterHomeService.TestSchema(path, CancellationToken)), QuietFalse);
        }

        private void Write(string location, PorterSchemaStatus status)
        {
            WriteVerbose($"{location}: {status.State}. {status.Reason}");
            WriteObject(Quiet ? (object)!status.MigrationRequired : status);
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
