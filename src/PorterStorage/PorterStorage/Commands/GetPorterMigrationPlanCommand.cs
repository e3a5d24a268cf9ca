using System.Management.Automation;
using PorterStorage.Core.Migration;

namespace PorterStorage.Commands
{
    /// <summary>Get-PorterMigrationPlan: what Invoke-PorterStorageMigration would write, rewrite, skip or fail, and why. Reads only.</summary>
    [Cmdlet(VerbsCommon.Get, "PorterMigrationPlan", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PorterMigrationPlan))]
    public sealed class GetPorterMigrationPlanCommand : PorterHomeCmdlet
    {
        protected override void ProcessRecord() => ForEachHome((home, _) =>
        {
            if (!System.IO.Directory.Exists(home))
            {
                throw new Core.Errors.PorterStorageException(Core.Errors.ErrorIds.HomeNotFound, Core.Errors.PorterErrorKind.ObjectNotFound, home,
                    $"The Porter home '{home}' does not exist.");
            }
            WriteObject(MigrationEngine.Plan(new FileSystemMigrationStore(home), CancellationToken));
        });
    }
}
