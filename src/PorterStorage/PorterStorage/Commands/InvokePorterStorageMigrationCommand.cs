using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using PorterStorage.Core.Backup;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Home;
using PorterStorage.Core.Migration;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Invoke-PorterStorageMigration: migrates a Porter home to the v0.28–v0.38 layout. Demands a verified backup of
    /// the home (or -SkipBackupCheck); -WhatIf shows every change and makes none; -Destination migrates a copy.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "PorterStorageMigration", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(PorterMigrationResult))]
    public sealed class InvokePorterStorageMigrationCommand : PorterCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string BackupSet = "Backup";
        private const string HomeSet = "Home";

        /// <summary>The Porter home. Default: the backup's home, else PORTER_HOME, else ~/.porter.</summary>
        [Parameter(ParameterSetName = PathSet, Position = 0)]
        [Parameter(ParameterSetName = BackupSet, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The Porter home, taken literally.</summary>
        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string? LiteralPath { get; set; }

        /// <summary>A home from Get-PorterHome.</summary>
        [Parameter(ParameterSetName = HomeSet, Mandatory = true, ValueFromPipeline = true)]
        public PorterHome? InputObject { get; set; }

        /// <summary>A verified backup of this home, from Backup-PorterHome.</summary>
        [Parameter(ParameterSetName = BackupSet, Mandatory = true, ValueFromPipeline = true)]
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = HomeSet)]
        public PorterBackup? Backup { get; set; }

        /// <summary>Run without a backup. Only for homes that are backed up some other way.</summary>
        [Parameter]
        public SwitchParameter SkipBackupCheck { get; set; }

        /// <summary>Migrate a copy into this new (or empty) folder and leave the home untouched.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        protected override void ProcessRecord()
        {
            string? home = ResolveHome();
            if (home == null)
            {
                return;
            }
            try
            {
                Migrate(home);
            }
            catch (PorterStorageException ex)
            {
                WriteCoreError(ex);
            }
        }

        private string? ResolveHome()
        {
            string[]? path = Path != null ? new[] { Path } : null;
            string[]? literal = LiteralPath != null ? new[] { LiteralPath }
                : InputObject != null ? new[] { InputObject.Path }
                : Path == null && Backup != null ? new[] { Backup.HomePath } : null;
            foreach (KeyValuePair<string, string> resolved in ResolveHomes(path, literal))
            {
                return resolved.Key;
            }
            return null;
        }

        private void Migrate(string home)
        {
            if (!Directory.Exists(home))
            {
                throw new PorterStorageException(ErrorIds.HomeNotFound, PorterErrorKind.ObjectNotFound, home, $"The Porter home '{home}' does not exist.");
            }
            PorterHome inspected = PorterHomeService.Inspect(home, "Parameter", CancellationToken);
            if (inspected.Storage != null && !inspected.Storage.IsFilesystem)
            {
                throw new PorterStorageException(ErrorIds.StorageNotLocal, PorterErrorKind.InvalidOperation, inspected.ConfigPath ?? home,
                    $"The home '{home}' keeps its data in the '{inspected.Storage.Plugin}' plugin, not in this folder.");
            }
            string? destination = Destination == null ? null : GetUnresolvedProviderPathFromPSPath(Destination);
            PorterMigrationPlan plan = MigrationEngine.Plan(new FileSystemMigrationStore(home), CancellationToken);

            // One ShouldProcess per item: -WhatIf lists every change and nothing at all is written.
            var approved = new HashSet<string>(StringComparer.Ordinal);
            int wanted = 0;
            foreach (PorterMigrationPlanItem item in plan.Items)
            {
                if (!item.ChangesSomething)
                {
                    continue;
                }
                wanted++;
                if (ShouldProcess(System.IO.Path.Combine(destination ?? home, item.Source ?? item.Name), Describe(item)))
                {
                    approved.Add(Key(item));
                }
            }
            if (wanted > 0 && approved.Count == 0)
            {
                return;
            }
            if (wanted == 0 && !ShouldProcess(home, "Check the Porter home (nothing to migrate)"))
            {
                return;
            }
            CheckBackup(home);

            string target = home;
            if (destination != null)
            {
                MigrationEngine.CopyHome(home, destination, CancellationToken);
                target = destination;
            }

            var progress = new ProgressAdapter(this, $"Migrating {target}");
            try
            {
                var options = new MigrationOptions
                {
                    ShouldProcess = item => wanted == 0 || approved.Contains(Key(item)),
                    Progress = progress,
                    OnError = e => WriteError(ToErrorRecord(new PorterStorageException(e.ErrorId, PorterErrorKind.InvalidData, e.Target, e.Message))),
                    OnLog = WriteVerbose,
                    Backup = Backup,
                    SourceHome = destination == null ? null : home,
                };
                PorterMigrationResult result = MigrationEngine.Run(new FileSystemMigrationStore(target), options, CancellationToken);
                foreach (string warning in result.Warnings)
                {
                    WriteWarning(warning);
                }
                WriteObject(result);
            }
            finally
            {
                progress.Complete();
            }
        }

        private static string Key(PorterMigrationPlanItem item) => item.Kind + ":" + (item.Source ?? item.Name);

        private static string Describe(PorterMigrationPlanItem item)
        {
            string what = item.Action switch
            {
                MigrationAction.Migrate => $"Migrate installation '{item.Name}'",
                MigrationAction.RemoveDuplicate => $"Remove the already migrated legacy claim of '{item.Name}'",
                MigrationAction.Rewrite => $"Rewrite {(item.Kind == MigrationItemKind.CredentialSet ? "credential" : "parameter")} set '{item.Name}'",
                MigrationAction.Convert => $"Convert the YAML credential set '{item.Name}'",
                MigrationAction.WriteSchema => "Write schema.json",
                MigrationAction.FixPermissions => "Set file modes to 0600",
                MigrationAction.Finish => "Finish an interrupted migration step",
                _ => item.Action.ToString(),
            };
            return item.Writes.Count > 0 ? $"{what} (writes {string.Join(", ", item.Writes)})" : what;
        }

        private void CheckBackup(string home)
        {
            if (SkipBackupCheck)
            {
                WriteVerbose("The backup check is skipped (-SkipBackupCheck).");
                return;
            }
            if (Backup == null)
            {
                ThrowCoreError(new PorterStorageException(ErrorIds.BackupRequired, PorterErrorKind.InvalidOperation, home,
                    $"A verified backup of '{home}' is required: pipe Backup-PorterHome into this command, pass -Backup, or use -SkipBackupCheck."));
            }
            string why = Backup!.Kind != "Home" ? "it is not a backup of a Porter home"
                : !string.Equals(System.IO.Path.GetFullPath(Backup.HomePath).TrimEnd('/', '\\'), home, StringComparison.Ordinal) ? $"it is a backup of '{Backup.HomePath}', not of this home"
                : !Backup.Verified ? "it is not verified (some files were not recorded)"
                : string.Empty;
            if (why.Length == 0)
            {
                PorterBackupVerification check = BackupVerifier.Verify(Backup.Path, Backup.Sha256, null, CancellationToken);
                why = check.IsValid ? string.Empty : "the archive no longer matches it: " + HomeRestore.Describe(check);
            }
            if (why.Length > 0)
            {
                ThrowCoreError(new PorterStorageException(ErrorIds.BackupRequired, PorterErrorKind.InvalidOperation, Backup.Path,
                    $"The backup '{Backup.Path}' cannot vouch for '{home}': {why}."));
            }
        }

        private sealed class ProgressAdapter : IProgress<MigrationProgress>
        {
            private readonly CmdletProgress _inner;

            public ProgressAdapter(Cmdlet cmdlet, string activity)
            {
                _inner = new CmdletProgress(cmdlet, 4, activity);
            }

            public void Report(MigrationProgress value) => _inner.Report(new BackupProgress("Migrating", value.Item, value.Done, value.Total, 0));

            public void Complete() => _inner.Complete();
        }
    }
}
