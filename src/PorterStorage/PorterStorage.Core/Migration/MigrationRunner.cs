using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using PorterStorage.Core.Backup;
using PorterStorage.Core.Errors;
using PorterStorage.Core.IO;
using PorterStorage.Core.Schema;
using PorterStorage.Core.Storage;

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
            var installations = new List<InstallationMigrationRecord>();
            var credentialSets = new List<SetMigrationRecord>();
            var parameterSets = new List<SetMigrationRecord>();
            string? openedLog = null;
            try
            {
                return Run(store, approved, options, cancel, installations, credentialSets, parameterSets, path => openedLog = path);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // Slots of change sets still waiting to be applied are empty: only what was committed is counted.
                int migrated = installations.Count(i => i != null && (i.Outcome == MigrationOutcome.Migrated || i.Outcome == MigrationOutcome.Finished));
                int sets = credentialSets.Concat(parameterSets).Count(i => i != null && i.Outcome != MigrationOutcome.Failed && i.Outcome != MigrationOutcome.Declined);
                throw new MigrationStoppedException(store.Location, migrated, sets, openedLog);
            }
        }

        private static PorterMigrationResult Run(IMigrationStore store, IReadOnlyDictionary<string, PorterMigrationPlanItem>? approved, MigrationOptions options,
            CancellationToken cancel, List<InstallationMigrationRecord> installations, List<SetMigrationRecord> credentialSets, List<SetMigrationRecord> parameterSets,
            Action<string> logOpened)
        {
            var clock = Stopwatch.StartNew();
            var warnings = new List<string>();
            var errors = new List<MigrationError>();
            int blocking = 0; // failures that keep schema.json from being written
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
                    errors.Add(error);
                    if (blocks)
                    {
                        blocking++;
                    }
                    Log(logLine);
                    options.OnError?.Invoke(error);
                }
                void Outdated(PorterMigrationPlanItem item, string message)
                {
                    Record(item, MigrationOutcome.Failed, null, ErrorIds.PlanOutdated, message, installations, credentialSets, parameterSets);
                    Fail(ErrorIds.PlanOutdated, PorterErrorKind.InvalidOperation, store.FullName(item.Source ?? item.Name), message,
                        MigrationLogText.ErrorLine(item, ErrorIds.PlanOutdated, message), !IsHiddenFromPorter(item));
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
                            warnings.Add($"{change.ErrorId}: {change.Message}");
                            installations.Add(new InstallationMigrationRecord(change.Description, null, MigrationOutcome.RolledBack,
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
                // Change sets wait here to be applied together (one commit, many writes at once): installations and parameter sets,
                // which depend on nothing an item of another name does. An item is planned against the store as the items before it
                // left it: one of a name a waiting change set has is planned again once those are applied.
                var pending = new List<Queued>();
                var pendingKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                long pendingBytes = 0;
                System.Collections.IList Outcomes(MigrationItemKind kind) => ListOf(kind, installations, credentialSets, parameterSets);
                void NotMigrated(PorterMigrationPlanItem item, Exception caught, int? slot)
                {
                    PorterStorageException ex = IOErrors.Map(caught, store.FullName(item.Source ?? string.Empty), IOOperation.Write,
                        $"{item.Kind} '{item.Name}' was not migrated.");
                    object? record = Outcome(item, MigrationOutcome.Failed, null, ex.ErrorId, ex.Message);
                    if (slot is int at)
                    {
                        Outcomes(item.Kind)[at] = record;
                    }
                    else if (record != null)
                    {
                        Outcomes(item.Kind).Add(record);
                    }
                    Fail(ex.ErrorId, ex.Kind, ex.Target ?? store.Location, ex.Message, MigrationLogText.ErrorLine(item, ex.ErrorId, ex.Message), !IsHiddenFromPorter(item));
                }
                void Flush()
                {
                    if (pending.Count == 0)
                    {
                        return;
                    }
                    List<Queued> batch = pending.ToList();
                    pending.Clear();
                    pendingKeys.Clear();
                    pendingBytes = 0;
                    IReadOnlyList<PorterStorageException?> outcomes = journal.ApplyAll(batch.Select(q => q.Changes).ToList());
                    for (int i = 0; i < batch.Count; i++)
                    {
                        if (outcomes[i] == null)
                        {
                            Vouch(store, batch[i].Changes, evidence);
                            Outcomes(batch[i].Item.Kind)[batch[i].Slot] = batch[i].Applied();
                        }
                        else
                        {
                            NotMigrated(batch[i].Item, outcomes[i]!, batch[i].Slot);
                        }
                    }
                }
                void Enqueue(Queued queued)
                {
                    List<string> keys = Keys(store, queued.Item, queued.Changes).ToList();
                    if (keys.Any(pendingKeys.Contains))
                    {
                        Flush();
                    }
                    System.Collections.IList list = Outcomes(queued.Item.Kind);
                    queued.Slot = list.Add(null); // kept in plan order: filled when the batch is applied
                    pending.Add(queued);
                    pendingKeys.UnionWith(keys);
                    pendingBytes += queued.Changes.Writes.Sum(w => (long)w.Content.Length);
                    if (queued.Item.Kind == MigrationItemKind.CredentialSet || pending.Count >= BatchCount || pendingBytes >= BatchBytes)
                    {
                        Flush();
                    }
                }

                IEnumerable<PorterMigrationPlanItem> items = MigrationPlanner.PlanItems(store, storedSchema, cancel, prepare: true, settle: Flush);
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
                        if (pending.Count > 0 && Waits(item, pendingKeys))
                        {
                            // Planned before the change set of the same name was applied: apply it, then plan this one again.
                            Flush();
                            if (item.Kind == MigrationItemKind.Installation && item.Entry != null)
                            {
                                item = MigrationPlanner.Replan(store, item, prepare: true);
                            }
                        }
                        seen?.Add(MigrationPlanItemKey.Of(item));
                        for (; sections < MigrationLogText.Sections.Count && sections <= MigrationLogText.SectionOf(item.Kind); sections++)
                        {
                            Flush(); // each section's errors are logged under it
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
                            Record(item, MigrationOutcome.Failed, null, item.ErrorId, item.Reason, installations, credentialSets, parameterSets);
                            Fail(item.ErrorId!, item.ErrorKind, store.FullName(item.Source ?? string.Empty), item.Reason, MigrationLogText.ErrorLine(item, item.ErrorId!, item.Reason), !IsHiddenFromPorter(item));
                            continue;
                        }
                        if (!item.ChangesSomething)
                        {
                            if (item.IsCurrentLayout)
                            {
                                installations.Add(new InstallationMigrationRecord(item.Name, item.Source, MigrationOutcome.AlreadyCurrent,
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
                            Record(item, MigrationOutcome.Declined, null, ErrorIds.MigrationDeclined, "declined", installations, credentialSets, parameterSets);
                            warnings.Add($"{item.Kind} {item.Name} was declined; schema.json is not updated until it is migrated.");
                            errors.Add(new MigrationError(ErrorIds.MigrationDeclined, PorterErrorKind.OperationStopped, store.FullName(item.Source ?? item.Name), $"The migration of {item.Kind} '{item.Name}' was declined."));
                            if (!IsHiddenFromPorter(item))
                            {
                                blocking++;
                            }
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
                                Flush(); // a credential set's target, and the repairs, depend on what came before
                            }
                            Queued? queued = Execute(store, item, options, evidence, Log, installations, credentialSets, parameterSets, warnings, cancel);
                            if (queued != null)
                            {
                                Enqueue(queued);
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
                Flush();

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
                    if (blocking == 0)
                    {
                        // Porter rewrites a current schema.json with the same content; it is left byte-identical here.
                        Log("Wrote updated schema.json to storage");
                    }
                }
                else
                {
                    if (blocking == 0 && options.ShouldProcess(schemaItem))
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
                    else if (blocking > 0)
                    {
                        Log($"schema.json was not updated: {blocking} item(s) did not migrate");
                    }
                }
                options.Progress?.Report(new MigrationProgress("done", total, total));
                schemaAfter = SchemaInspector.ReadSchema(store, out _, cancel) ?? PorterSchemaDocument.Empty;
                logPath = log.Path;
            }

            warnings.AddRange(store.RunWarnings());
            PorterStorageVerification verification = StorageVerifier.Verify(store, cancel, options.IndexWait);
            // Its errors, and every set Porter will not see: the schema may be current while a YAML-only set is left behind.
            warnings.AddRange(StorageVerifier.Summarise(verification.Findings.Where(f => f.Severity == FindingSeverity.Error || f.Code == FindingCodes.YamlOnlySet)));
            return new PorterMigrationResult(options.SourceHome ?? store.Location, options.SourceHome != null ? store.Location : null, logPath, options.Backup,
                schemaBefore, schemaAfter, schemaWritten, installations, credentialSets, parameterSets, warnings, errors, verification, clock.Elapsed);
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

        /// <summary>
        /// A YAML credential set (Porter ≤ v0.22): Porter v0.28+ neither counts nor reads it, so its failure (or a declined
        /// conversion) does not keep schema.json from being written — a home Porter could use stays usable (its YAML stays
        /// in place for the next run).
        /// </summary>
        private static bool IsHiddenFromPorter(PorterMigrationPlanItem item) =>
            item.Kind == MigrationItemKind.CredentialSet && item.Source != null && item.Source.EndsWith(".yaml", StringComparison.Ordinal);

        private static void Record(PorterMigrationPlanItem item, MigrationOutcome outcome, string? target, string? errorId, string? error,
            List<InstallationMigrationRecord> installations, List<SetMigrationRecord> credentialSets, List<SetMigrationRecord> parameterSets)
        {
            object? record = Outcome(item, outcome, target, errorId, error);
            if (record != null)
            {
                ListOf(item.Kind, installations, credentialSets, parameterSets).Add(record);
            }
        }

        /// <summary>The result's list an item of this kind is recorded in.</summary>
        private static System.Collections.IList ListOf(MigrationItemKind kind,
            List<InstallationMigrationRecord> installations, List<SetMigrationRecord> credentialSets, List<SetMigrationRecord> parameterSets) =>
            kind == MigrationItemKind.CredentialSet ? credentialSets : kind == MigrationItemKind.ParameterSet ? (System.Collections.IList)parameterSets : installations;

        /// <summary>The record of an item's outcome (null for the repairs, which have none of their own).</summary>
        private static object? Outcome(PorterMigrationPlanItem item, MigrationOutcome outcome, string? target, string? errorId, string? error)
        {
            switch (item.Kind)
            {
                case MigrationItemKind.Installation:
                case MigrationItemKind.Interrupted:
                    return new InstallationMigrationRecord(item.Name, item.Source, outcome, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), errorId, error);
                case MigrationItemKind.CredentialSet:
                    return new SetMigrationRecord("credentials", item.Name, item.Source!, target, outcome, errorId, error);
                case MigrationItemKind.ParameterSet:
                    return new SetMigrationRecord("parameters", item.Name, item.Source!, target, outcome, errorId, error);
                default:
                    return null;
            }
        }

        /// <summary>How many change sets wait to be applied together at most, and how many bytes of documents they hold.</summary>
        internal const int BatchCount = 64;

        internal const long BatchBytes = 4L * 1024 * 1024;

        /// <summary>A change set waiting to be applied with others, and the record it leaves when it is.</summary>
        private sealed class Queued
        {
            public Queued(PorterMigrationPlanItem item, ChangeSet changes, Func<object> applied)
            {
                Item = item;
                Changes = changes;
                Applied = applied;
            }

            public PorterMigrationPlanItem Item { get; }

            public ChangeSet Changes { get; }

            public Func<object> Applied { get; }

            /// <summary>Where its record goes in the result, kept in plan order.</summary>
            public int Slot { get; set; }
        }

        /// <summary>What a change set is known by while it waits: its item's kind and name, and every path it touches.</summary>
        private static IEnumerable<string> Keys(IMigrationStore store, PorterMigrationPlanItem item, ChangeSet changes)
        {
            yield return NameKey(item);
            if (item.Source != null)
            {
                yield return item.Source;
            }
            foreach (StoredDocument d in changes.Writes)
            {
                yield return store.StorePath(d);
            }
            foreach (string d in changes.Deletes)
            {
                yield return d;
            }
            foreach (KeyValuePair<string, string> r in changes.Renames)
            {
                yield return r.Key;
                yield return r.Value;
            }
        }

        private static string NameKey(PorterMigrationPlanItem item) => item.Kind + ":" + item.Name;

        /// <summary>True when the item was planned while a change set of its name or source waited (its plan may be out of date).</summary>
        private static bool Waits(PorterMigrationPlanItem item, HashSet<string> pendingKeys) =>
            pendingKeys.Contains(NameKey(item)) || (item.Source != null && pendingKeys.Contains(item.Source));

        /// <summary>
        /// Does what an item needs: the change set it makes (checked, waiting to be applied, with the record it leaves once it is),
        /// or null when it was done here (nothing to change, the repairs, an interrupted change already finished).
        /// </summary>
        private static Queued? Execute(IMigrationStore store, PorterMigrationPlanItem item, MigrationOptions options, RunEvidence? evidence, Action<string> log,
            List<InstallationMigrationRecord> installations, List<SetMigrationRecord> credentialSets, List<SetMigrationRecord> parameterSets, List<string> warnings,
            CancellationToken cancel)
        {
            string source = item.Source ?? string.Empty;
            string full = store.FullName(source);
            string fileName = Path.GetFileNameWithoutExtension(source);
            switch (item.Action)
            {
                case MigrationAction.Migrate:
                {
                    log($" - Migrating claim {fileName} to the new schema...");
                    using LegacyClaim legacy = item.Prepared as LegacyClaim ?? LegacyClaim.Parse(store.ReadFile(source), full);
                    if (legacy.RenamedFromName)
                    {
                        log($" - Migrating claim {fileName} from claim.Name to claim.Installation");
                        log(MigrationLogText.RenamedClaimLine(fileName));
                    }
                    SplitClaim split = ClaimSplitter.Split(legacy, source, options.Ids);
                    return Checked(store, item, split.Changes, full, options, evidence,
                        () => new InstallationMigrationRecord(split.Installation, source, MigrationOutcome.Migrated, split.ClaimIds, split.ResultIds, split.OutputNames, null, null));
                }
                case MigrationAction.RemoveDuplicate:
                {
                    var changes = new ChangeSet($"installation {item.Name} (duplicate legacy claim)");
                    changes.Deletes.Add(source);
                    return Checked(store, item, changes, full, options, evidence, () =>
                    {
                        warnings.Add($"'{full}' was already migrated by an earlier run; the legacy file was removed.");
                        return new InstallationMigrationRecord(item.Name, source, MigrationOutcome.RemovedDuplicate, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), null, null);
                    });
                }
                case MigrationAction.Rewrite when item.Kind == MigrationItemKind.CredentialSet:
                {
                    SetRewrite? rewrite = item.Prepared as SetRewrite ?? SetMigration.MigrateCredentialSet(store.ReadFile(source), full, fileName);
                    if (rewrite == null)
                    {
                        credentialSets.Add(new SetMigrationRecord("credentials", item.Name, source, null, MigrationOutcome.AlreadyCurrent, null, null));
                        return null;
                    }
                    log($" - Migrating credential set {rewrite.Name} to the new schema...");
                    string target = MigrationPlanner.CredentialTarget(store, rewrite.Name, new StoreEntry(Path.GetFileName(source), source, false, false, fileName, true));
                    var changes = new ChangeSet($"credential set {rewrite.Name}");
                    changes.Writes.Add(new StoredDocument(ItemTypes.Credentials, null, rewrite.Name, rewrite.Content) { Expected = rewrite.Expected });
                    if (target != source)
                    {
                        changes.Deletes.Add(source);
                    }
                    return Checked(store, item, changes, full, options, evidence,
                        () => new SetMigrationRecord("credentials", rewrite.Name, source, target, MigrationOutcome.Rewritten, null, null));
                }
                case MigrationAction.Convert:
                {
                    SetRewrite converted = item.Prepared as SetRewrite ?? SetMigration.ConvertYamlCredentialSet(store.ReadFile(source), full, fileName, store.ModifiedUtc(source));
                    log($" - Migrating credential set {converted.Name} to the new schema...");
                    var changes = new ChangeSet($"YAML credential set {converted.Name}");
                    changes.Writes.Add(new StoredDocument(ItemTypes.Credentials, null, converted.Name, converted.Content) { Expected = converted.Expected });
                    changes.Renames.Add(new KeyValuePair<string, string>(source, source + ".migrated"));
                    string target = store.SetPath(ItemTypes.Credentials, converted.Name);
                    return Checked(store, item, changes, full, options, evidence,
                        () => new SetMigrationRecord("credentials", converted.Name, source, target, MigrationOutcome.Converted, null, null));
                }
                case MigrationAction.Rewrite:
                {
                    SetRewrite? rewrite = item.Prepared as SetRewrite ?? SetMigration.MigrateParameterSet(store.ReadFile(source), full, fileName);
                    if (rewrite == null)
                    {
                        parameterSets.Add(new SetMigrationRecord("parameters", item.Name, source, null, MigrationOutcome.AlreadyCurrent, null, null));
                        return null;
                    }
                    log($" - Migrating parameter set {fileName} to the new schema...");
                    var changes = new ChangeSet($"parameter set {fileName}");
                    changes.Writes.Add(new StoredDocument(ItemTypes.Parameters, null, fileName, rewrite.Content) { Expected = rewrite.Expected });
                    return Checked(store, item, changes, full, options, evidence,
                        () => new SetMigrationRecord("parameters", fileName, source, source, MigrationOutcome.Rewritten, null, null));
                }
                case MigrationAction.Repair:
                {
                    log(StoreRepairs.Run(store, cancel));
                    return null;
                }
                case MigrationAction.Finish:
                    installations.Add(new InstallationMigrationRecord(item.Name, null, MigrationOutcome.Finished, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), null, null));
                    return null;
                default:
                    return null;
            }
        }

        /// <summary>
        /// Every stored item the change set deletes, renames or overwrites must be in the backup, byte for byte, or be what this run
        /// itself wrote there (<see cref="RunEvidence"/>).
        /// </summary>
        private static void RequireEvidence(IMigrationStore store, ChangeSet changes, RunEvidence? evidence)
        {
            if (evidence == null)
            {
                return;
            }
            var touched = new List<string>(changes.Deletes);
            touched.AddRange(changes.Renames.Select(r => r.Key));
            touched.AddRange(changes.Writes.Select(store.StorePath).Where(store.Exists));
            foreach (string path in touched.Distinct(StringComparer.Ordinal))
            {
                evidence.Require(path, store.ReadFile(path), store.FullName(path));
            }
        }

        /// <summary>What an applied change set wrote, moved and deleted, for the run's evidence.</summary>
        private static void Vouch(IMigrationStore store, ChangeSet changes, RunEvidence? evidence)
        {
            if (evidence == null)
            {
                return;
            }
            foreach (StoredDocument d in changes.Writes)
            {
                evidence.Wrote(store.StorePath(d), d.Content);
            }
            foreach (KeyValuePair<string, string> r in changes.Renames)
            {
                evidence.Moved(r.Key, r.Value);
            }
            foreach (string d in changes.Deletes)
            {
                evidence.Deleted(d);
            }
        }

        /// <summary>
        /// Every change set goes to the store through here: its names are checked, its documents re-read strictly and compared with
        /// what they must hold (<see cref="WrittenDocumentGuard"/>), and what it replaces must be in the backup, before it waits to
        /// be committed, whatever the store.
        /// </summary>
        private static Queued Checked(IMigrationStore store, PorterMigrationPlanItem item, ChangeSet changes, string source, MigrationOptions options, RunEvidence? evidence,
            Func<object> applied)
        {
            if (options.WriterFault != null)
            {
                for (int i = 0; i < changes.Writes.Count; i++)
                {
                    StoredDocument d = changes.Writes[i];
                    changes.Writes[i] = new StoredDocument(d.ItemType, d.Group, d.Name, options.WriterFault(d)) { Expected = d.Expected };
                }
            }
            ChangeSetNames.Check(store, changes, source);
            WrittenDocumentGuard.Check(changes, source);
            RequireEvidence(store, changes, evidence);
            return new Queued(item, changes, applied);
        }
    }
}
