using System;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>Test-PorterBackup: re-reads every byte of a backup and checks it against its manifest.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "PorterBackup", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PorterBackupVerification))]
    [OutputType(typeof(bool))]
    public sealed class TestPorterBackupCommand : PorterArchiveCmdlet
    {
        /// <summary>Return only $true (intact and complete) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string archive in ArchivePaths())
            {
                Check(archive);
            }
        }

        private void Check(string archive)
        {
            var progress = new CmdletProgress(this, 2, $"Verifying {archive}");
            try
            {
                PorterBackupVerification result = BackupVerifier.Verify(archive, ExpectedSha256, progress, CancellationToken);
                if (!result.IsValid)
                {
                    WriteVerbose($"'{archive}' is not valid: {result.Reason}");
                }
                WriteObject(Quiet ? (object)result.IsValid : result);
            }
            catch (Exception ex) when (ex is PorterStorageException || IOErrors.IsIOFailure(ex))
            {
                WriteCoreError(ToCoreError(ex, archive));
                if (Quiet)
                {
                    WriteObject(false);
                }
            }
            finally
            {
                progress.Complete();
            }
        }
    }
}
