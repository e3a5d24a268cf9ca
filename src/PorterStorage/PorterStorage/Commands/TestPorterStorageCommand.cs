using System.Management.Automation;
using PorterStorage.Core.Migration;

namespace PorterStorage.Commands
{
    /// <summary>Test-PorterStorage: checks a v0.28–v0.38 home the way Porter reads it. Reads only.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "PorterStorage", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PorterStorageVerification))]
    [OutputType(typeof(bool))]
    public sealed class TestPorterStorageCommand : PorterHomeCmdlet
    {
        /// <summary>Return only $true (no errors) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord() => ForEachHome((home, _) =>
        {
            PorterStorageVerification result = StorageVerifier.Verify(home, CancellationToken);
            foreach (StorageFinding finding in result.Findings)
            {
                WriteVerbose(finding.ToString());
            }
            WriteObject(Quiet ? (object)result.IsValid : result);
        }, afterError: () =>
        {
            if (Quiet)
            {
                WriteObject(false);
            }
        });
    }
}
