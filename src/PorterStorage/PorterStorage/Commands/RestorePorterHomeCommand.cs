using System.Linq;
using System;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Restore-PorterHome: restores a verified backup into a home folder, with file modes and times. A non-empty
    /// destination is refused unless -Force, and even then it is moved aside, never deleted.
    /// </summary>
    [Cmdlet(VerbsData.Restore, "PorterHome", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(PorterRestoreResult))]
    public sealed class RestorePorterHomeCommand : PorterArchiveCmdlet
    {
        /// <summary>The home folder to restore into. Default: the home recorded in the backup.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>Restore over a non-empty folder by moving it aside first.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            string? archive = ArchivePath;
            if (archive == null)
            {
                return;
            }
            string cwd = CurrentFolder;
            string? destination = Destination == null ? null : GetUnresolvedProviderPathFromPSPath(Destination);
            var progress = new CmdletProgress(this, 3, $"Restoring {archive}");
            try
            {
                RestorePlan plan = HomeRestore.Plan(archive, ExpectedSha256, destination, cwd, Force, progress, CancellationToken);
                string action = plan.MoveAside
                    ? $"Restore the Porter home from '{archive}', moving the current folder aside"
                    : $"Restore the Porter home from '{archive}'";
                if (!ShouldProcess(plan.Destination, action))
                {
                    return;
                }
                PorterRestoreResult result = HomeRestore.Execute(plan, progress, CancellationToken);
                if (result.MovedAside != null)
                {
                    WriteVerbose($"Moved the previous '{result.Destination}' to '{result.MovedAside}'.");
                }
                if (result.OwnersNotSet.Count > 0)
                {
                    WriteWarning($"{result.OwnersNotSet.Count} restored item(s) could not be given the owner their backup recorded (only root may change owners), e.g. "
                        + string.Join(", ", result.OwnersNotSet.Take(5).Select(p => $"'{p}'")) + "; they belong to this process's user.");
                }
                WriteObject(result);
            }
            catch (Exception ex) when (ex is PorterStorageException || IOErrors.IsIOFailure(ex))
            {
                WriteCoreError(ToCoreError(ex, archive));
            }
            finally
            {
                progress.Complete();
            }
        }
    }
}
