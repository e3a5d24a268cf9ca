using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.Migration
{
    /// <summary>What one migration is asked to do, and how it asks and reports back (the cmdlet supplies the callbacks).</summary>
    public sealed class MigrationRequest
    {
        public MigrationRequest(IMigrationStore store)
        {
            Store = store;
        }

        /// <summary>The store to migrate (or to copy, with <see cref="Destination"/>).</summary>
        public IMigrationStore Store { get; }

        /// <summary>A verified backup of <see cref="Store"/>; required unless <see cref="SkipBackupCheck"/>.</summary>
        public PorterBackup? Backup { get; set; }

        public bool SkipBackupCheck { get; set; }

        /// <summary>Migrate a copy here and leave the store untouched (see <see cref="IMigrationStore.CopyTo"/>).</summary>
        public object? Destination { get; set; }

        /// <summary>
        /// Asked once for each planned item that changes something, with where it happens and what would be done (the
        /// cmdlet's ShouldProcess); false declines it. When nothing needs to change it is asked once, with the store's location
        /// and <see cref="MigrationConfirmation.CheckOnly"/>, whether to check the store anyway.
        /// </summary>
        public Func<string, string, bool> Approve { get; set; } = (_, _) => true;

        /// <summary>
        /// When set, asked once for the whole store (its location, a summary of every change: "Migrate 2000 installation(s), …")
        /// instead of <see cref="Approve"/> once per item; false declines the run. The items failing to plan are named in the
        /// summary too, and are not migrated either way.
        /// </summary>
        public Func<string, string, bool>? ApproveAll { get; set; }

        /// <summary>What the session itself says along the way (verbose output).</summary>
        public Action<string>? OnNote { get; set; }

        /// <summary>Each line of the migration log, as it is written.</summary>
        public Action<string>? OnLog { get; set; }

        /// <summary>Each item that failed, as it happens; the run goes on.</summary>
        public Action<MigrationError>? OnError { get; set; }

        /// <summary>Each failing item of the copy for <see cref="Destination"/>, before the copy is refused.</summary>
        public Action<PorterStorageException>? OnCopyError { get; set; }

        public IProgress<MigrationProgress>? Progress { get; set; }

        /// <summary>How long the closing verification gives the store's index to catch up (see <see cref="MigrationOptions.IndexWait"/>).</summary>
        public TimeSpan? IndexWait { get; set; }

        /// <summary>Test seam: stands for a faulty writer (see <see cref="MigrationOptions.WriterFault"/>).</summary>
        internal Func<StoredDocument, byte[]>? WriterFault { get; set; }
    }

    /// <summary>The run was refused before anything was written: a failed precondition, not a failed item.</summary>
    public sealed class MigrationRefusedException : PorterStorageException
    {
        public MigrationRefusedException(PorterStorageException cause)
            : base(cause.ErrorId, cause.Kind, cause.Target, cause.Message, cause.InnerException)
        {
        }
    }

    /// <summary>
    /// A migration stopped by its caller (Ctrl+C): what was committed before it stopped, and that a rerun finishes the rest.
    /// Nothing is left half-done: a change set that was being applied is in the journal and finished by the next run.
    /// </summary>
    public sealed class MigrationStoppedException : OperationCanceledException
    {
        public MigrationStoppedException(string location, int installationsMigrated, int setsMigrated, string? logPath)
            : base($"The migration of '{location}' was stopped after {installationsMigrated} installation(s) and {setsMigrated} credential or parameter set(s) " +
                   "were migrated and committed; schema.json is not updated yet. Run the same command again: it finishes any change that was being " +
                   $"applied and migrates the rest, nothing twice.{(logPath != null ? $" The log: {logPath}." : string.Empty)}")
        {
            Location = location;
            InstallationsMigrated = installationsMigrated;
            SetsMigrated = setsMigrated;
            LogPath = logPath;
        }

        public string Location { get; }

        public int InstallationsMigrated { get; }

        public int SetsMigrated { get; }

        public string? LogPath { get; }
    }

    /// <summary>
    /// One migration from start to end, the same for every store: plan the changes to confirm, take the approvals, check the
    /// backup, make the copy for a destination, then run under the store's lock, where each item is planned again and run only
    /// if it makes the change confirmed.
    /// </summary>
    public static class MigrationSession
    {
        /// <summary>
        /// Runs <paramref name="request"/>. Returns null when every change was declined (or, with nothing to change, the check
        /// was). Raises <see cref="MigrationRefusedException"/> (<c>BackupRequired</c>) when the backup cannot vouch for the store,
        /// <c>HomePathInvalid</c> for a destination of the wrong kind, the copy's errors, and what the runner raises.
        /// </summary>
        public static PorterMigrationResult? Run(MigrationRequest request, CancellationToken cancel = default)
        {
            IMigrationStore source = request.Store;
            IStoreCopy? copy = request.Destination == null ? null : source.CopyTo(request.Destination);
            IRequestCounter?[] counters = { source.Requests, copy?.Requests };
            RequestCount Counted() => counters.Where(c => c != null).Distinct().Aggregate(default(RequestCount), (sum, c) => sum + c!.Snapshot());
            RequestCount before = Counted();

            // The plan every change is confirmed from. The run plans each item again under the lock, just before it runs, and
            // runs it only if it makes the change confirmed here; anything else fails with PlanOutdated.
            var shown = new Dictionary<string, PorterMigrationPlanItem>(StringComparer.Ordinal);
            var approved = new HashSet<string>(StringComparer.Ordinal);
            string? declinedFinish = null;
            int wanted = 0;
            IEnumerable<PorterMigrationPlanItem> planned = MigrationPlanner.PlanItems(source, cancel);
            Func<string, string, bool> approve = request.Approve;
            if (request.ApproveAll != null)
            {
                // One question for the whole store, from the whole plan; then every item has the answer given.
                List<PorterMigrationPlanItem> whole = planned.ToList();
                planned = whole;
                bool yes = !whole.Any(i => i.ChangesSomething)
                    || request.ApproveAll(copy != null ? copy.FullName(string.Empty) : source.Location, MigrationConfirmation.Summary(whole));
                approve = (_, action) => action == MigrationConfirmation.CheckOnly ? request.ApproveAll(source.Location, action) : yes;
            }
            foreach (PorterMigrationPlanItem item in planned)
            {
                string key = MigrationPlanItemKey.Of(item);
                shown[key] = item;
                if (!item.ChangesSomething)
                {
                    continue;
                }
                wanted++;
                string where = copy != null ? copy.FullName(item.Source ?? item.Name) : source.FullName(item.Source ?? item.Name);
                if (approve(where, MigrationConfirmation.Of(item)))
                {
                    approved.Add(key);
                }
                else if (item.Action == MigrationAction.Finish)
                {
                    declinedFinish ??= item.Name;
                }
            }
            if (wanted > 0 && approved.Count == 0)
            {
                return null;
            }
            if (wanted == 0 && !approve(source.Location, MigrationConfirmation.CheckOnly))
            {
                return null;
            }
            if (declinedFinish != null)
            {
                // Recovery comes first, always: an unfinished change would have its legacy file migrated twice.
                throw new MigrationRefusedException(new PorterStorageException(ErrorIds.MigrationDeclined, PorterErrorKind.OperationStopped, source.FullName(declinedFinish),
                    $"Finishing the interrupted change '{declinedFinish}' was declined; nothing else can be migrated until it is finished, so nothing was changed."));
            }

            BackupEvidence? evidence = CheckBackup(request, source, cancel);

            IMigrationStore target = source;
            if (copy != null)
            {
                target = copy.Create(e => request.OnCopyError?.Invoke(e), cancel);
            }
            // Everything approved (the usual case) also covers what the run itself makes migratable (see MigrationRunner).
            bool all = approved.Count == wanted;
            bool inPlace = copy == null;
            var options = new MigrationOptions
            {
                ShouldProcess = item => all || approved.Contains(MigrationPlanItemKey.Of(item)),
                Progress = request.Progress,
                OnError = request.OnError,
                OnLog = request.OnLog,
                Backup = request.Backup,
                // In place, each item deleted or overwritten must be in the backup as it is now.
                Evidence = inPlace ? evidence : null,
                SourceHome = inPlace ? null : source.Location,
                IndexWait = request.IndexWait,
                WriterFault = request.WriterFault,
            };
            // The copy holds the same items under the same store paths, so what was shown for the source holds for it.
            PorterMigrationResult result = MigrationRunner.Run(target, shown, options, cancel);
            result.Record(Counted().Since(before));
            return result;
        }

        private static BackupEvidence? CheckBackup(MigrationRequest request, IMigrationStore store, CancellationToken cancel)
        {
            if (request.SkipBackupCheck)
            {
                request.OnNote?.Invoke("The backup check is skipped (-SkipBackupCheck).");
                return null;
            }
            try
            {
                return BackupVerifier.RequireBackupOf(request.Backup, store.Location, store.BackupKind, cancel);
            }
            catch (PorterStorageException ex)
            {
                throw new MigrationRefusedException(ex);
            }
        }
    }

    /// <summary>How a planned item is known again when the run plans it anew under the lock.</summary>
    public static class MigrationPlanItemKey
    {
        /// <summary>The item's kind and store path (its name when it has none).</summary>
        public static string Of(PorterMigrationPlanItem item) => item.Kind + ":" + (item.Source ?? item.Name);

        /// <summary>
        /// <paramref name="now"/> makes no change beyond the one confirmed as <paramref name="shown"/>: the same action, name,
        /// writes and deletes. Two changes an earlier item of the same run can bring about are covered too: a legacy claim
        /// confirmed for migration that is now a duplicate of one migrated meanwhile (it goes, its content already migrated),
        /// and a repair that finds only some of the items it was confirmed for.
        /// </summary>
        public static bool Covers(PorterMigrationPlanItem shown, PorterMigrationPlanItem now)
        {
            if (shown.Name != now.Name)
            {
                return false;
            }
            if (shown.Action == MigrationAction.Migrate && now.Action == MigrationAction.RemoveDuplicate)
            {
                return now.Deletes.All(d => shown.Deletes.Contains(d, StringComparer.Ordinal));
            }
            if (shown.Action == MigrationAction.Repair && now.Action == MigrationAction.Repair)
            {
                return now.Writes.All(w => shown.Writes.Contains(w, StringComparer.Ordinal));
            }
            return shown.Action == now.Action && shown.Writes.SequenceEqual(now.Writes, StringComparer.Ordinal) && shown.Deletes.SequenceEqual(now.Deletes, StringComparer.Ordinal);
        }
    }

    /// <summary>The words a confirmation prompt uses for a planned item.</summary>
    public static class MigrationConfirmation
    {
        /// <summary>The action confirmed when nothing needs to change.</summary>
        public const string CheckOnly = "Check the Porter data (nothing to migrate)";

        /// <summary>
        /// The whole plan in one line for a single confirmation: "Migrate 2000 installation(s), rewrite 14 credential set(s) and
        /// 3 parameter set(s), record the schema versions; 2 item(s) cannot be migrated and stay as they are".
        /// </summary>
        public static string Summary(IReadOnlyCollection<PorterMigrationPlanItem> items)
        {
            int Count(Func<PorterMigrationPlanItem, bool> which) => items.Count(i => i.ChangesSomething && which(i));
            var parts = new List<string>();
            void Add(int n, string text)
            {
                if (n > 0)
                {
                    parts.Add($"{n} {text}");
                }
            }
            Add(Count(i => i.Action == MigrationAction.Finish), "interrupted step(s) to finish");
            Add(Count(i => i.Kind == MigrationItemKind.Installation && i.Action == MigrationAction.Migrate), "installation(s) to migrate");
            Add(Count(i => i.Action == MigrationAction.RemoveDuplicate), "already migrated legacy claim(s) to remove");
            Add(Count(i => i.Kind == MigrationItemKind.CredentialSet && i.Action != MigrationAction.Finish), "credential set(s) to rewrite or convert");
            Add(Count(i => i.Kind == MigrationItemKind.ParameterSet && i.Action != MigrationAction.Finish), "parameter set(s) to rewrite");
            Add(Count(i => i.Action == MigrationAction.Repair), "repair(s)");
            string text = "Migrate the Porter data: " + string.Join(", ", parts);
            if (items.Any(i => i.Action == MigrationAction.WriteSchema))
            {
                text += parts.Count > 0 ? ", then record the schema versions" : "record the schema versions";
            }
            int failing = items.Count(i => i.Action == MigrationAction.Fail);
            return failing > 0 ? $"{text}; {failing} item(s) cannot be migrated and stay as they are" : text;
        }

        /// <summary>What <paramref name="item"/> would do, with the documents it writes.</summary>
        public static string Of(PorterMigrationPlanItem item)
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
    }
}
