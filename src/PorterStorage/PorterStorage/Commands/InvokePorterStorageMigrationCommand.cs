using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using PorterStorage.Core.Azure;
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
        private const string StorageSet = "Storage";

        /// <summary>The Porter home. Default: the backup's home, else PORTER_HOME, else ~/.porter.</summary>
        [Parameter(ParameterSetName = PathSet, Position = 0)]
        [Parameter(ParameterSetName = BackupSet, Position = 0)]
        [Alias("HomePath")]
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

        /// <summary>The Azure plugin's container to migrate, from Get-PorterAzureStorage.</summary>
        [Parameter(ParameterSetName = StorageSet, Mandatory = true, ValueFromPipeline = true)]
        public PorterAzureStorage? Storage { get; set; }

        /// <summary>A verified backup of this home (Backup-PorterHome) or container (Backup-PorterAzureContainer).</summary>
        [Parameter(ParameterSetName = BackupSet, Mandatory = true, ValueFromPipeline = true)]
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = HomeSet)]
        [Parameter(ParameterSetName = StorageSet)]
        public PorterBackup? Backup { get; set; }

        /// <summary>The folder for the migration log of a container (default: the home, else the current folder).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LogPath { get; set; }

        /// <summary>Run without a backup. Only for homes that are backed up some other way.</summary>
        [Parameter]
        public SwitchParameter SkipBackupCheck { get; set; }

        /// <summary>
        /// Migrate a copy and leave the source untouched: a new (or empty) folder for a home, a PorterAzureStorage
        /// (another container or account) for a container.
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        public object? Destination { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                string cwd = CurrentFolder;
                string? logFolder = LogPath == null ? null : GetUnresolvedProviderPathFromPSPath(LogPath);
                if (Storage != null)
                {
                    Migrate(new AzureBlobMigrationStore(Storage, logFolder ?? cwd), Storage.ContainerUri.ToString(), "Container");
                    return;
                }
                string? home = ResolveHome();
                if (home == null)
                {
                    return;
                }
                IMigrationStore store = PorterHomeService.OpenMigrationStore(home, logFolder, Environment.GetEnvironmentVariable, CancellationToken);
                if (store is AzureBlobMigrationStore container)
                {
                    WriteVerbose($"The home '{home}' keeps its data in {container.Location}; migrating the container.");
                    Migrate(store, container.Location, "Container");
                }
                else
                {
                    Migrate(store, home, "Home");
                }
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

        private void Migrate(IMigrationStore source, string identity, string backupKind)
        {
            object? destination = Destination is PSObject wrapped ? wrapped.BaseObject : Destination;
            string? destinationFolder = null;
            PorterAzureStorage? destinationContainer = null;
            if (destination is PorterAzureStorage container && source is AzureBlobMigrationStore)
            {
                destinationContainer = container;
            }
            else if (destination is string folder && source is FileSystemMigrationStore)
            {
                destinationFolder = GetUnresolvedProviderPathFromPSPath(folder);
            }
            else if (destination != null)
            {
                throw new PorterStorageException(ErrorIds.HomePathInvalid, PorterErrorKind.InvalidArgument, destination.ToString(),
                    "-Destination takes a folder for a home and a PorterAzureStorage (Get-PorterAzureStorage) for a container.");
            }

            // One ShouldProcess per item: -WhatIf lists every change and nothing at all is written.
            var approved = new HashSet<string>(StringComparer.Ordinal);
            int wanted = 0;
            foreach (PorterMigrationPlanItem item in MigrationEngine.PlanItems(source, CancellationToken))
            {
                if (!item.ChangesSomething)
                {
                    continue;
                }
                wanted++;
                string where = destinationFolder != null ? System.IO.Path.Combine(destinationFolder, item.Source ?? item.Name)
                    : destinationContainer != null ? destinationContainer.ContainerUri + "/" + (item.Source ?? item.Name)
                    : source.Describe(item.Source ?? item.Name);
                if (ShouldProcess(where, Describe(item)))
                {
                    approved.Add(Key(item));
                }
            }
            if (wanted > 0 && approved.Count == 0)
            {
                return;
            }
            if (wanted == 0 && !ShouldProcess(identity, "Check the Porter data (nothing to migrate)"))
            {
                return;
            }
            // Everything approved (the usual case): the run needs no list of keys to hold.
            bool all = approved.Count == wanted;
            if (all)
            {
                approved.Clear();
                approved.TrimExcess();
            }
            BackupEvidence? evidence = CheckBackup(identity, backupKind);

            IMigrationStore target = source;
            if (destinationFolder != null)
            {
                MigrationEngine.CopyHome(((FileSystemMigrationStore)source).HomePath, destinationFolder, CancellationToken);
                target = new FileSystemMigrationStore(destinationFolder);
            }
            else if (destinationContainer != null)
            {
                var sourceStore = (AzureBlobMigrationStore)source;
                PorterContainerCopyResult copy = ContainerCopy.Run(sourceStore.Storage, destinationContainer, 8, false, e =>
                {
                    if (e.Error != null)
                    {
                        WriteCoreError(e.Error);
                    }
                }, CancellationToken);
                // A lagging index does not stop the migration: it reads the copy by List, which agrees blob by blob.
                if (copy.Failed > 0 || copy.Mismatches.Count > 0)
                {
                    throw new PorterStorageException(ErrorIds.BlobVerificationFailed, PorterErrorKind.InvalidData, destinationContainer.ContainerUri.ToString(),
                        $"The copy to '{destinationContainer.ContainerUri}' did not verify ({copy.Failed} failed, {copy.Mismatches.Count} mismatched); nothing was migrated.");
                }
                target = new AzureBlobMigrationStore(destinationContainer, ((AzureBlobMigrationStore)source).LogFolder);
            }

            var progress = new ProgressAdapter(this, $"Migrating {target.Location}");
            try
            {
                var options = new MigrationOptions
                {
                    ShouldProcess = item => all || approved.Contains(Key(item)),
                    Progress = progress,
                    OnError = e => WriteError(ToErrorRecord(new PorterStorageException(e.ErrorId, PorterErrorKind.InvalidData, e.Target, e.Message))),
                    OnLog = WriteVerbose,
                    Backup = Backup,
                    // In place, each item deleted or overwritten must be in the backup as it is now.
                    Evidence = ReferenceEquals(target, source) ? evidence : null,
                    SourceHome = ReferenceEquals(target, source) ? null : identity,
                };
                PorterMigrationResult result = MigrationEngine.Run(target, options, CancellationToken);
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
                MigrationAction.WriteSchema => $"Record the current schema versions in '{item.Name}'",
                MigrationAction.Repair => "Repair: " + item.Reason,
                MigrationAction.Finish => "Finish an interrupted migration step",
                _ => item.Action.ToString(),
            };
            return item.Writes.Count > 0 && item.Action != MigrationAction.WriteSchema ? $"{what} (writes {string.Join(", ", item.Writes)})" : what;
        }

        private BackupEvidence? CheckBackup(string identity, string kind)
        {
            if (SkipBackupCheck)
            {
                WriteVerbose("The backup check is skipped (-SkipBackupCheck).");
                return null;
            }
            try
            {
                return BackupVerifier.RequireBackupOf(Backup, identity, kind, CancellationToken);
            }
            catch (PorterStorageException ex)
            {
                ThrowCoreError(ex);
                return null;
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
