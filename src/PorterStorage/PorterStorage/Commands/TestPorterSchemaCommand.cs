using System.Management.Automation;
using PorterStorage.Core.Home;
using PorterStorage.Core.Schema;

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
        /// <summary>Return only $true (no migration required) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord() => ForEachHome((path, _) =>
        {
            PorterSchemaStatus status = PorterHomeService.TestSchema(path, CancellationToken);
            WriteVerbose($"{path}: {status.State}. {status.Reason}");
            WriteObject(Quiet ? (object)!status.MigrationRequired : status);
        }, afterError: () =>
        {
            if (Quiet)
            {
                WriteObject(false);
            }
        });
    }
}
