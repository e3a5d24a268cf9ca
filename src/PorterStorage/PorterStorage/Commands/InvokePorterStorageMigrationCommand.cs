using System;
using System.Linq;
using System.IO;
using System.Management.Automation;

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

        /// <summary>
        /// The Porter home; wildcards allowed, each match migrated in turn (each needs its own backup, so several homes
        /// go with -SkipBackupCheck or one by one through the pipeline from Backup-PorterHome). Default: the backup's home,
        /// else PORTER_HOME, else ~/.porter.
        /// </summary>
        [Parameter(ParameterSetName = PathSet, Position = 0)]
        [Parameter(ParameterSetName = BackupSet, Position = 0)]
        [Alias("HomePath")]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>The Porter home, taken literally (never a pattern).</summary>
        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>A home from Get-PorterHome.</summary>
        [Parameter(ParameterSetName = HomeSet, Mandatory = true, ValueFromPipeline = true)]
        public PorterHome? InputObject { get; set; }

        /// <summary>The Azure plugin's container to migrate, from Get-PorterAzureStorage.</summary>
        [Parameter(ParameterSetName = StorageSet, Mandatory = true, ValueFromPipeline = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Storage { get; set; }

        /// <summary>A verified backup of this home (Backup-PorterHome) or container (Backup-PorterAzureContainer).</summary>
        [Parameter(ParameterSetName = BackupSet, Mandatory = true, ValueFromPipeline = true)]
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = HomeSet)]
        [Parameter(ParameterSetName = StorageSet)]
        public PorterBackup? Backup { get; set; }

        /// <summary>
        /// The folder for the migration log of a container. Default: the home whose config names the container; for -Storage,
        /// a per-user folder (Windows %LOCALAPPDATA%\PorterStorage\logs, macOS ~/Library/Logs/PorterStorage, else
        /// $XDG_STATE_HOME/porterstorage/logs or ~/.local/state/porterstorage/logs). The result's LogPath names the file.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LogPath { get; set; }

        /// <summary>
        /// Write the result with a record for every installation and set. Without it the result is compact: the counts, the
        /// errors, the backup and the verification, and records only for the items that did not end well (the log names every item).
        /// </summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        /// <summary>Run without a backup. Only for homes that are backed up some other way.</summary>
        [Parameter]
        public SwitchParameter SkipBackupCheck { get; set; }

        /// <summary>
        /// Migrate a folder that holds nothing of Porter's (no config, schema.json, data folder, nor Porter itself), which is
        /// refused otherwise (NotAPorterHome) so that no schema.json or log is written into a stranger's folder.
        /// </summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>
        /// Migrate a copy and leave the source untouched: a new (or empty) folder for a home, a PorterAzureStorage
        /// (another container or account) for a container.
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        public object? Destination { get; set; }

        /// <summary>
        /// How long the closing verification waits for a container's Blob Index to return every migrated blob through Porter's
        /// tag queries (the index lags behind writes). 0 asks each query once. A folder or a table has no index to wait for.
        /// </summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int IndexTimeoutSeconds { get; set; } = 60;

        protected override void ProcessRecord()
        {
            string? logFolder = LogPath == null ? null : GetUnresolvedProviderPathFromPSPath(LogPath);
            if (Storage != null)
            {
                // A container given directly has no home to hold its log: a per-user folder, the same on every run.
                string? folder = logFolder ?? MigrationLog.DefaultFolder(Environment.GetEnvironmentVariable, MigrationLog.CurrentOs);
                if (folder == null)
                {
                    WriteCoreError(new PorterStorageException(ErrorIds.HomePathInvalid, PorterErrorKind.InvalidArgument, Storage.ContainerUri.ToString(),
                        "No per-user folder is known for the migration log (HOME, or LOCALAPPDATA on Windows, is not set); give -LogPath."));
                    return;
                }
                MigrateGuarded(() => PorterStores.Open(Storage, folder, CancellationToken));
                return;
            }
            foreach (string home in ResolveHomesToMigrate())
            {
                MigrateGuarded(() =>
                {
                    if (!Force)
                    {
                        HomeShape.RequirePorterHome(home);
                    }
                    IMigrationStore store = PorterStores.Open(home, logFolder, Environment.GetEnvironmentVariable, CancellationToken);
                    if (store.Location != home)
                    {
                        WriteVerbose($"The home '{home}' keeps its data in {store.Location}; migrating the container.");
                    }
                    return store;
                });
            }
        }

        /// <summary>Migrates one store; a refusal (no backup that vouches for it) ends the command, any other failure this store only.</summary>
        private void MigrateGuarded(Func<IMigrationStore> open)
        {
            try
            {
                Migrate(open());
            }
            catch (MigrationRefusedException ex)
            {
                ThrowCoreError(ex);
            }
            catch (MigrationStoppedException ex)
            {
                // A host without a UI is not told: the log has every line written before the stop.
                TellStopped(ex.Message);
                throw;
            }
            catch (PorterStorageException ex)
            {
                WriteCoreError(ex);
            }
        }

        private System.Collections.Generic.List<string> ResolveHomesToMigrate()
        {
            string[]? literal = LiteralPath ?? (InputObject != null ? new[] { InputObject.Path }
                : Path == null && Backup != null ? new[] { Backup.Source } : null);
            var homes = ResolveHomes(Path, literal).Select(h => h.Path).Distinct(StringComparer.Ordinal).ToList();
            if (homes.Count > 1 && Backup != null)
            {
                // One backup vouches for one home: a pattern that names several with one -Backup is refused as a whole.
                string named = string.Join(", ", Path ?? LiteralPath ?? Array.Empty<string>());
                WriteCoreError(new PorterStorageException(ErrorIds.HomePathInvalid, PorterErrorKind.InvalidArgument, named,
                    $"'{named}' names {homes.Count} homes ({string.Join(", ", homes.Take(3))}{(homes.Count > 3 ? ", ..." : string.Empty)}) and one -Backup vouches for one home; give each home its own backup, e.g. Get-PorterHome -Path '{named}' | Backup-PorterHome -Destination <folder> | Invoke-PorterStorageMigration."));
                homes.Clear();
            }
            return homes;
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
                    // -WhatIf lists every change, one line per item, and writes nothing; a confirmation is asked once per
                    // store with a summary of the whole plan (not once per installation).
                    Approve = ShouldProcess,
                    ApproveAll = WhatIfRequested() ? null : (Func<string, string, bool>)ShouldProcess,
                    OnNote = WriteVerbose,
                    OnLog = WriteVerbose,
                    OnError = e => WriteCoreError(e.ToException()),
                    OnCopyError = WriteCoreError,
                    Progress = progress,
                    IndexWait = TimeSpan.FromSeconds(IndexTimeoutSeconds),
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
                WriteObject(Detailed ? result : result.Compact());
            }
            finally
            {
                progress.Complete();
            }
        }

        private bool WhatIfRequested() =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? bound)
                ? bound is SwitchParameter sw ? sw.IsPresent : LanguagePrimitives.IsTrue(bound)
                : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

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
