using System;
using System.Linq;
using System.IO;
using System.Management.Automation;
using PorterStorage.Core;
using PorterStorage.Core.Azure;
using PorterStorage.Core.Backup;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Home;
using PorterStorage.Core.Migration;
using PorterStorage.Core.Storage;

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
                string? logFolder = LogPath == null ? null : GetUnresolvedProviderPathFromPSPath(LogPath);
                IMigrationStore store;
                if (Storage != null)
                {
                    store = PorterStores.Open(Storage, logFolder ?? CurrentFolder, CancellationToken);
                }
                else
                {
                    string? home = ResolveHome();
                    if (home == null)
                    {
                        return;
                    }
                    store = PorterStores.Open(home, logFolder, Environment.GetEnvironmentVariable, CancellationToken);
                    if (store.Location != home)
                    {
                        WriteVerbose($"The home '{home}' keeps its data in {store.Location}; migrating the container.");
                    }
                }
                Migrate(store);
            }
            catch (MigrationRefusedException ex)
            {
                ThrowCoreError(ex);
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
                : Path == null && Backup != null ? new[] { Backup.Source } : null;
            var homes = ResolveHomes(path, literal).Select(h => h.Path).ToList();
            if (homes.Count > 1)
            {
                // One backup vouches for one home: a pattern that names several is refused rather than migrating the first.
                WriteCoreError(new PorterStorageException(ErrorIds.HomePathInvalid, PorterErrorKind.InvalidArgument, Path,
                    $"'{Path}' names {homes.Count} homes ({string.Join(", ", homes.Take(3))}{(homes.Count > 3 ? ", ..." : string.Empty)}); migrate one home at a time, e.g. Get-PorterHome -Path '{Path}' | Backup-PorterHome -Destination <folder> | Invoke-PorterStorageMigration."));
                return null;
            }
            return homes.Count == 1 ? homes[0] : null;
        }

        private void Migrate(IMigrationStore store)
        {
            object? destination = Destination is PSObject wrapped ? wrapped.BaseObject : Destination;
            var progress = new ProgressAdapter(this, $"Migrating {store.Location}");
            try
            {
                var request = new MigrationRequest(store)
                {
                    Backup = Backup,
                    SkipBackupCheck = SkipBackupCheck,
                    Destination = destination is string folder && !string.IsNullOrWhiteSpace(folder) ? GetUnresolvedProviderPathFromPSPath(folder) : destination,
                    // One ShouldProcess per item: -WhatIf lists every change and nothing at all is written.
                    Approve = ShouldProcess,
                    OnNote = WriteVerbose,
                    OnLog = WriteVerbose,
                    OnError = e => WriteCoreError(e.ToException()),
                    OnCopyError = WriteCoreError,
                    Progress = progress,
                };
                PorterMigrationResult? result = MigrationSession.Run(request, CancellationToken);
                if (result == null)
                {
                    return;
                }
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

        private sealed class ProgressAdapter : IProgress<MigrationProgress>
        {
            private readonly CmdletProgress _inner;

            public ProgressAdapter(Cmdlet cmdlet, string activity)
            {
                _inner = new CmdletProgress(cmdlet, 4, activity);
            }

            public void Report(MigrationProgress value) => _inner.Report(new OperationProgress("Migrating", value.Item, value.Done, value.Total, 0, "items"));

            public void Complete() => _inner.Complete();
        }
    }
}
