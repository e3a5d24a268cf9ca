using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>Get-PorterHome: what a Porter home holds and what Porter would trip on. Reads only.</summary>
    [Cmdlet(VerbsCommon.Get, "PorterHome", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PorterHome))]
    public sealed class GetPorterHomeCommand : PorterHomeCmdlet
    {
        protected override void ProcessRecord() => ForEachHome((path, from) =>
        {
            PorterHome result = PorterHomeService.Inspect(path, from, CancellationToken);
            if (!result.Exists && result.Problems.Count == 0)
            {
                WriteVerbose($"The home '{path}' does not exist.");
            }
            foreach (PorterHomeProblem problem in result.Problems)
            {
                WriteVerbose(problem.ToString());
            }
            WriteObject(result);
        });
    }
}
