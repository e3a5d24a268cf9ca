using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.Migration
{
    /// <summary>Runs a planned migration under the store's lock: recovery, each item as one checked change set, the schema last, then verification.</summary>
    internal static class MigrationRunner
    {
        /// <summary>
        /// Runs the migration under the home's lock: finishes an interrupted run, migrates every item (a failing item
        /// never stops the rest), writes schema.json only when everything succeeded, and verifies the result. Each item is
        /// planned again under the lock, just before it runs, so that it sees the store as the items before it left it.
        /// With <paramref name="approved"/> (the changes the caller was shown, by <see cref="MigrationPlanItemKey"/>), an item
        /// that was not shown or no longer makes the change that was shown is not run: it fails with <c>PlanOutdated</c>.
        /// </summary>
        public static PorterMigrationResult Run(IMigrationStore store, IReadOnlyDictionary<string, PorterMigrationPlanItem>? approved, MigrationOptions options, CancellationToken cancel)
        {
            var outcomes = new RunOutcomes();
            string? openedLog = null;
            try
            {
                return Run(store, approved, options, cancel, outcomes, path => openedLog = path);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // Slots of change sets still waiting to be applied are empty: only what was committed is counted.
                throw new MigrationStoppedException(store.Location, outcomes.MigratedInstallations(), outcomes.SetsDone(), openedLog);
            }
        }

        private static PorterMigrationResult Run(IMigrationStore store, IReadOnlyDictionary<string, PorterMigrationPlanItem>? approved, MigrationOptions options,
            CancellationToken cancel, RunOutcomes outcomes, Action<string> logOpened)
        {
            var clock = Stopwatch.StartNew();
            DateTime startedUtc = DateTime.UtcNow;
            PorterSchemaDocument schemaBefore;
            PorterSchemaDocument schemaAfter;
            bool schemaWritten = false;
            string? logPath;
            DateTime started = DateTime.Now;

            // What the backup vouches for, and what this run writes as it goes (a later item may overwrite what an earlier one wrote).
            RunEvidence? evidence = options.Evidence?.StartRun();
            var journal = new ChangeJournal(store);
            using (journal.Lock())
            // The log is created only when the run changes something or meets an error: a run with nothing to do leaves no file.
            using (var log = new RunLog(() => OpenLog(store, started), logOpened))
            {
                void Log(string line)
                {
                    log.Line(line);
                    options.OnLog?.Invoke(line);
                }
                void Fail(string errorId, PorterErrorKind kind, string target, string message, string logLine, bool blocks = true)
                {
                    log.Open();
                    var error = new MigrationError(errorId, kind, target, message);
                    outcomes.Failed(error, blocks);
                    Log(logLine);
                    options.OnError?.Invoke(error);
                }
                void Outdated(PorterMigrationPlanItem item, string message)
                {
                    outcomes.Record(item, MigrationOutcome.Failed, null, ErrorIds.PlanOutdated, message);
                    Fail(ErrorIds.PlanOutdated, PorterErrorKind.InvalidOperation, store.FullName(item.Source ?? item.Name), message,
                        MigrationLogText.ErrorLine(item, ErrorIds.PlanOutdated, message), !RunOutcomes.IsHiddenFromPorter(item));
                }

                try
                {
                    if (journal.Pending().Count > 0)
                    {
                        log.Open();
                    }
                    foreach (RecoveredChange change in journal.Recover())
                    {
                        if (change.Finished)
                        {
                            Log($"Finished the interrupted migration of {change.Description}");
                        }
                        else
                        {
                            Log($"Warning: {change.ErrorId}: {change.Message}");
                            outcomes.Warnings.Add($"{change.ErrorId}: {change.Message}");
                            outcomes.Installations.Add(new InstallationMigrationRecord(change.Description, null, MigrationOutcome.RolledBack,
                                Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), change.ErrorId, change.Message));
                        }
                    }
                }
                catch (PorterStorageException ex)
                {
                    // Nothing else may run while an interrupted change is unfinished: its legacy file would be migrated twice.
                    log.Open();
                    Log($"Error finishing an interrupted migration: {ex.ErrorId}: {ex.Message}");
                    throw;
                }

                PorterSchemaDocument? storedSchema = SchemaInspector.ReadSchema(store, out _, cancel);
                schemaBefore = storedSchema ?? PorterSchemaDocument.Empty;
                // What Porter's log sections compare with: Porter writes a current schema into an empty home as it loads the schema,
                // so all three of its sections are up-to-date there (the run still writes schema.json last, as Porter rewrites it).
                PorterSchemaDocument logged = storedSchema ?? (IsEmptyForPorter(store, cancel) ? PorterSchemaDocument.Current : PorterSchemaDocument.Empty);
                void NotMigrated(PorterMigrationPlanItem item, Exception caught, int? slot)
                {
                    PorterStorageException ex = IOErrors.Map(caught, store.FullName(item.Source ?? string.Empty), IOOperation.Write,
                        $"{item.Kind} '{item.Name}' was not migrated.");
                    object? record = RunOutcomes.Outcome(item, MigrationOutcome.Failed, null, ex.ErrorId, ex.Message);
                    if (slot is int at)
                    {
                        outcomes.ListOf(item.Kind)[at] = record;
                    }
                    else if (record != null)
                    {
                        outcomes.ListOf(item.Kind).Add(record);
                    }
                    Fail(ex.ErrorId, ex.Kind, ex.Target ?? store.Location, ex.Message, MigrationLogText.ErrorLine(item, ex.ErrorId, ex.Message), !RunOutcomes.IsHiddenFromPorter(item));
                }
                // An item is planned against the store as the items before it left it: one of a name a waiting change set has is
                // planned again once those are applied.
                var batch = new ChangeBatch(store, journal, evidence, outcomes, NotMigrated);

                IEnumerable<PorterMigrationPlanItem> items = MigrationPlanner.PlanItems(store, storedSchema, cancel, prepare: true, settle: batch.Apply);
                // The progress total: the confirmed plan already counted the items; only a run without one lists the store for it.
                int total = approved != null
                    ? approved.Values.Count(i => i.Kind == MigrationItemKind.Installation || i.Kind == MigrationItemKind.CredentialSet || i.Kind == MigrationItemKind.ParameterSet)
                    : store.Entries(ItemTypes.Claims).Count + MigrationPlanner.SetEntries(store, MigrationItemKind.CredentialSet, out _).Count
                      + MigrationPlanner.SetEntries(store, MigrationItemKind.ParameterSet, out _).Count;
                int done = 0;
                int sections = 0; // Porter logs its three sections, in order, whether or not they hold items
                PorterMigrationPlanItem? schemaItem = null;

                var seen = approved == null ? null : new HashSet<string>(StringComparer.Ordinal);
                foreach (PorterMigrationPlanItem planned in items)
                {
                    PorterMigrationPlanItem item = planned;
                    try
                    {
                        cancel.ThrowIfCancellationRequested();
                        if (batch.Holds(item))
                        {
                            // Planned before the change set of the same name was applied: apply it, then plan this one again.
                            batch.Apply();
                            if (item.Kind == MigrationItemKind.Installation && item.Entry != null)
                            {
                                item = MigrationPlanner.Replan(store, item, prepare: true);
                            }
                        }
                        seen?.Add(MigrationPlanItemKey.Of(item));
                        for (; sections < MigrationLogText.Sections.Count && sections <= MigrationLogText.SectionOf(item.Kind); sections++)
                        {
                            batch.Apply(); // each section's errors are logged under it
                            MigrationLogText.SectionHeader(MigrationLogText.Sections[sections], logged, Log);
                        }
                        if (item.Kind == MigrationItemKind.Schema)
                        {
                            schemaItem = item;
                            continue;
                        }
                        options.Progress?.Report(new MigrationProgress($"{item.Kind} {item.Name}", Math.Min(done++, total), total));

                        if (item.Action == MigrationAction.Fail)
                        {
                            if (item.Kind == MigrationItemKind.Installation)
                            {
                                Log($" - Migrating claim {Path.GetFileNameWithoutExtension(item.Source ?? item.Name)} to the new schema...");
                            }
                            outcomes.Record(item, MigrationOutcome.Failed, null, item.ErrorId, item.Reason);
                            Fail(item.ErrorId!, item.ErrorKind, store.FullName(item.Source ?? string.Empty), item.Reason, MigrationLogText.ErrorLine(item, item.ErrorId!, item.Reason), !RunOutcomes.IsHiddenFromPorter(item));
                            continue;
                        }
                        if (!item.ChangesSomething)
                        {
                            if (item.IsCurrentLayout)
                            {
                                outcomes.Installations.Add(new InstallationMigrationRecord(item.Name, item.Source, MigrationOutcome.AlreadyCurrent,
                                    Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), null, null));
                            }
                            continue;
                        }
                        PorterMigrationPlanItem? shown = null;
                        if (approved != null && !approved.TryGetValue(MigrationPlanItemKey.Of(item), out shown))
                        {
                            Outdated(item, $"{MigrationLogText.KindText(item.Kind)} '{item.Name}' appeared after the migration was planned, so it was not shown for approval; it is left as it is. Run the migration again.");
                            continue;
                        }
                        if (shown != null && !shown.ChangesSomething)
                        {
                            // Planned as nothing to do (or failing) when confirmed, and made migratable since, typically by an earlier item of
                            // this run (a name conflict it resolved): part of "everything" when everything was approved, else not asked about.
                            if (!options.ShouldProcess(item))
                            {
                                Outdated(item, $"{MigrationLogText.KindText(item.Kind)} '{item.Name}' needed no change when the migration was confirmed and needs one now, so it was not asked about; it is left as it is. Run the migration again.");
                                continue;
                            }
                        }
                        else if (!options.ShouldProcess(item))
                        {
                            outcomes.Record(item, MigrationOutcome.Declined, null, ErrorIds.MigrationDeclined, "declined");
                            outcomes.Warnings.Add($"{item.Kind} {item.Name} was declined; schema.json is not updated until it is migrated.");
                            outcomes.Failed(new MigrationError(ErrorIds.MigrationDeclined, PorterErrorKind.OperationStopped, store.FullName(item.Source ?? item.Name),
                                $"The migration of {item.Kind} '{item.Name}' was declined."), blocks: !RunOutcomes.IsHiddenFromPorter(item));
                            continue;
                        }
                        else if (shown != null && !MigrationPlanItemKey.Covers(shown, item))
                        {
                            Outdated(item, $"{MigrationLogText.KindText(item.Kind)} '{item.Name}' changed after it was approved (approved: {MigrationConfirmation.Of(shown)}; now: {MigrationConfirmation.Of(item)}); it is left as it is. Run the migration again.");
                            continue;
                        }
                        try
                        {
                            log.Open(); // the run changes something: its log exists before the change
                            if (item.Kind == MigrationItemKind.CredentialSet || item.Action == MigrationAction.Repair)
                            {
                                batch.Apply(); // a credential set's target, and the repairs, depend on what came before
                            }
                            QueuedChange? queued = MigrationItemExecution.Execute(store, item, options, evidence, Log, outcomes, cancel);
                            if (queued != null)
                            {
                                batch.Add(queued);
                            }
                        }
                        catch (Exception caught) when (caught is PorterStorageException || caught is IOException || caught is UnauthorizedAccessException)
                        {
                            NotMigrated(item, caught, null);
                        }
                    }
                    finally
                    {
                        // What planning parsed for it, whatever became of the item (a waiting change set holds its own content).
                        (planned.Prepared as IDisposable)?.Dispose();
                        if (!ReferenceEquals(item, planned))
                        {
                            (item.Prepared as IDisposable)?.Dispose();
                        }
                    }
                }
                batch.Apply();

                if (approved != null)
                {
                    // An approved change that the run no longer finds to make, while its item is still there, is not dropped silently.
                    foreach (PorterMigrationPlanItem gone in approved.Values.Where(i => i.ChangesSomething && i.Source != null && i.Kind != MigrationItemKind.Interrupted
                                 && i.Kind != MigrationItemKind.Schema && i.Kind != MigrationItemKind.Repair && !seen!.Contains(MigrationPlanItemKey.Of(i))
                                 && options.ShouldProcess(i) && store.Exists(i.Source)))
                    {
                        Outdated(gone, $"{MigrationLogText.KindText(gone.Kind)} '{gone.Name}' was approved ({MigrationConfirmation.Of(gone)}), but the run no longer finds a change to make for it; it is left as it is. Run the migration again.");
                    }
                }

                if (schemaItem!.Action != MigrationAction.WriteSchema)
                {
                    if (outcomes.Blocking == 0)
                    {
                        // Porter rewrites a current schema.json with the same content; it is left byte-identical here.
                        Log("Wrote updated schema.json to storage");
                    }
                }
                else
                {
                    if (outcomes.Blocking == 0 && options.ShouldProcess(schemaItem))
                    {
                        try
                        {
                            log.Open();
                            store.WriteSchema(System.Text.Encoding.UTF8.GetBytes(SchemaVersions.CurrentSchemaJson));
                            schemaWritten = true;
                            Log("Wrote updated schema.json to storage");
                        }
                        catch (PorterStorageException ex)
                        {
                            Fail(ex.ErrorId, ex.Kind, ex.Target ?? store.Location, ex.Message, $"Error writing schema.json: {ex.ErrorId}: {ex.Message}");
                        }
                    }
                    else if (outcomes.Blocking > 0)
                    {
                        Log($"schema.json was not updated: {outcomes.Blocking} item(s) did not migrate");
                    }
                }
                options.Progress?.Report(new MigrationProgress("done", total, total));
                schemaAfter = SchemaInspector.ReadSchema(store, out _, cancel) ?? PorterSchemaDocument.Empty;
                logPath = log.Path;
            }

            List<string> warnings = outcomes.Warnings;
            warnings.AddRange(store.RunWarnings());
            PorterStorageVerification verification = StorageVerifier.Verify(store, cancel, options.IndexWait);
            // Its errors, and every set Porter will not see: the schema may be current while a YAML-only set is left behind.
            warnings.AddRange(StorageVerifier.Summarise(verification.Findings.Where(f => f.Severity == FindingSeverity.Error || f.Code == FindingCodes.YamlOnlySet)));
            return new PorterMigrationResult(options.SourceHome ?? store.Location, options.SourceHome != null ? store.Location : null, logPath, options.Backup,
                schemaBefore, schemaAfter, schemaWritten, outcomes.Installations, outcomes.CredentialSets, outcomes.ParameterSets, warnings, outcomes.Errors, verification, clock.Elapsed)
            {
                Run = PorterRunFacts.Now(startedUtc),
            };
        }

        /// <summary>Porter's empty home, for the log; a folder that cannot be listed is no evidence of one (its sets fail on their own).</summary>
        private static bool IsEmptyForPorter(IMigrationStore store, CancellationToken cancel)
        {
            try
            {
                return SchemaInspector.IsEmptyForPorter(store, cancel);
            }
            catch (PorterStorageException ex) when (ex.ErrorId == ErrorIds.AccessDenied || ex.ErrorId == ErrorIds.StoreReadError)
            {
                return false;
            }
        }

        private static MigrationLog OpenLog(IMigrationStore store, DateTime started)
        {
            try
            {
                return store.CreateLog(started);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, store.Location,
                    $"The migration log could not be created in '{store.Location}': {ex.Message}. Nothing was changed.", ex);
            }
        }

    }
}
