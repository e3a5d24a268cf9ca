using System;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Get-PorterMigrationPlan: what Invoke-PorterStorageMigration would write, rewrite, repair, skip or fail, and why, for a
    /// home (its folder, or the container its config selects) or a container from Get-PorterAzureStorage. Reads only.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PorterMigrationPlan", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PorterMigrationPlan))]
    public sealed class GetPorterMigrationPlanCommand : PorterHomeCmdlet
    {
        private const string StorageSet = "Storage";

        /// <summary>The Azure plugin's container, from Get-PorterAzureStorage.</summary>
        [Parameter(ParameterSetName = StorageSet, Mandatory = true, ValueFromPipeline = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Storage { get; set; }

        protected override void ProcessRecord()
        {
            if (Storage != null)
            {
                RunItemOrWriteError(() => WriteObject(MigrationEngine.Plan(PorterStores.Open(Storage, CurrentFolder, CancellationToken), CancellationToken)));
                return;
            }
            ForEachHome((home, _) => WriteObject(MigrationEngine.Plan(
                PorterStores.Open(home, null, Environment.GetEnvironmentVariable, CancellationToken), CancellationToken)));
        }
    }
}
