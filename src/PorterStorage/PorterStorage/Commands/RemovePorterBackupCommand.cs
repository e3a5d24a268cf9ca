using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Remove-PorterBackup: removes backups (those named, or with -KeepLast all but the newest N of each home or container),
    /// never the only verified backup of a home or container: that one is kept and said so.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "PorterBackup", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(BackupRemoval))]
    public sealed class RemovePorterBackupCommand : PorterBackupFolderCmdlet
    {
        private const string InputObjectSet = "InputObject";
        private readonly List<string> _asked = new List<string>();

        /// <summary>Backups from Get-PorterBackup.</summary>
        [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PorterBackup? InputObject { get; set; }

        /// <summary>Keep the newest N backups of each home or container among those given and remove the older ones.</summary>
        [Parameter]
        [ValidateRange(1, 100000)]
        public int? KeepLast { get; set; }

        protected override void ProcessRecord()
        {
            if (InputObject != null)
            {
                _asked.Add(InputObject.Path);
            }
            else
            {
                _asked.AddRange(ArchiveFiles(defaultToCurrentFolder: false));
            }
        }

        protected override void EndProcessing()
        {
            if (_asked.Count == 0)
            {
                return;
            }
            foreach (BackupRemoval decision in BackupCatalog.PlanRemoval(_asked, KeepLast,
                         (file, why) => WriteVerbose($"'{file}' is not a PorterStorage backup: {why}"), CancellationToken))
            {
                if (decision.Remove)
                {
                    if (!ShouldProcess(decision.Backup.Path, $"Remove the {decision.Backup.Kind.ToLowerInvariant()} backup of '{decision.Backup.Source}' from {decision.Backup.Created:u} ({decision.Reason})"))
                    {
                        continue;
                    }
                    try
                    {
                        BackupCatalog.Delete(decision.Backup);
                    }
                    catch (System.Exception ex) when (IOErrors.IsIOFailure(ex))
                    {
                        WriteCoreError(ToCoreError(ex, decision.Backup.Path));
                        continue;
                    }
                }
                else
                {
                    WriteVerbose($"Keeping '{decision.Backup.Path}': {decision.Reason}.");
                }
                WriteObject(decision);
            }
        }
    }
}
