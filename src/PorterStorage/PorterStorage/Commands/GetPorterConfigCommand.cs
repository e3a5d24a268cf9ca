using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>Get-PorterConfig: the home's config file as Porter reads it, and the storage that applies.</summary>
    [Cmdlet(VerbsCommon.Get, "PorterConfig", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PorterConfig))]
    public sealed class GetPorterConfigCommand : PorterHomeCmdlet
    {
        protected override void ProcessRecord() => ForEachHome((path, _) =>
        {
            PorterConfig config = PorterHomeService.ReadConfig(path);
            WriteVerbose(config.Exists ? $"Read '{config.FilePath}'." : $"'{path}' has no config file; Porter uses its defaults.");
            WriteObject(config);
        });
    }
}
