using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using PorterStorage.Core.Backup;
using PorterStorage.Core.Errors;
using PorterStorage.Core.IO;
using PorterStorage.Core.Json;
using PorterStorage.Core.Schema;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Migration
{
    /// <summary>How a run reports and asks.</summary>
    public sealed class MigrationOptions
    {
        /// <summary>Asked for every item that changes something; false declines it (the schema is then not written).</summary>
        public Func<PorterMigrationPlanItem, bool> ShouldProcess { get; set; } = _ => true;

        public IProgress<MigrationProgress>? Progress { get; set; }

        /// <summary>Called for each failure as it happens (the cmdlet writes an error record).</summary>
        public Action<MigrationError>? OnError { get; set; }

        /// <summary>Called with each log line (the cmdlet writes verbose output).</summary>
        public Action<string>? OnLog { get; set; }

        public PorterBackup? Backup { get; set; }

        /// <summary>When set, nothing is deleted, renamed or overwritten unless this backup holds its bytes (<c>BackupRequired</c> per item).</summary>
        public BackupEvidence? Evidence { get; set; }

        public string? SourceHome { get; set; }

        public UlidGenerator Ids { get; set; } = UlidGenerator.Shared;

        /// <summary>Test seam: stands for a faulty writer by replacing a document's bytes after it was written, before the guard.</summary>
        internal Func<StoredDocument, byte[]>? WriterFault { get; set; }
    }

    /// <summary>
    /// The migration of Porter's data to the v0.28–v0.38 layout (format §4–§8) with the documented improvements:
    /// per-item atomic change sets, convergence on partly migrated homes, file-by-file sets, named errors.
    /// </summary>
    public static class MigrationEngine
    {
        public const string ClaimsSpecLine = "Migrating claims data to match the CNAB Claim spec https://cdn.cnab.io/schema/cnab-claim-1.0.0-DRAFT+b5ed2f3/claim.schema.json. This is a one-way migration.";
        public const string CredentialsSpecLine = "Migrating credential set data to match the CNAB Credential Set spec https://github.com/cnabio/cnab-spec/blob/cnab-credentialsets-1.0.0-DRAFT+b6c701f/802-credential-sets.md. This is a one-way migration.";
        public const string ParametersSpecLine = "Migrating parameter set data to match the CNAB Parameter Set spec TODO. This is a one-way migration.";

        /// <summary>What a run would do, computed without writing anything.</summary>
        public static PorterMigrationPlan Plan(IMigrationStore store, CancellationToken cancel = default)
        {
            PorterSchemaDocument? schema = SchemaInspector.ReadSchema(store, out _, cancel);
            return new PorterMigrationPlan(store.Location, schema ?? PorterSchemaDocument.Empty, schema != null, PlanItems(store, schema, cancel).ToList());
        }

        /// <summary>
        /// The plan's items one at a time (the schema item last), for callers that need not hold the whole plan of a large
        /// store. Raises <c>SchemaParseError</c> when enumerated.
        /// </summary>
        public static IEnumerable<PorterMigrationPlanItem> PlanItems(IMigrationStore store, CancellationToken cancel = default) =>
            PlanItems(store, SchemaInspector.ReadSchema(store, out _, cancel), cancel);

        private static IEnumerable<PorterMigrationPlanItem> PlanItems(IMigrationStore store, PorterSchemaDocument? schema, CancellationToken cancel)
        {
            foreach (string journal in store.PendingJournals())
            {
                yield return new PorterMigrationPlanItem(MigrationItemKind.Interrupted, journal, null, MigrationAction.Finish,
                    "a change committed by an interrupted run is finished (rolled back when it cannot be)", Array.Empty<string>(), Array.Empty<string>());
            }

            foreach (StoreEntry entry in store.Entries(ItemTypes.Claims))
            {
                cancel.ThrowIfCancellationRequested();
                yield return PlanClaim(store, entry);
            }
            foreach (StoreEntry entry in store.Entries(ItemTypes.Credentials))
            {
                PorterMigrationPlanItem? item = PlanCredential(store, entry);
                if (item != null)
                {
                    yield return item;
                }
            }
            foreach (StoreEntry entry in store.Entries(ItemTypes.Parameters))
            {
                PorterMigrationPlanItem? item = PlanParameter(store, entry);
                if (item != null)
                {
                    yield return item;
                }
            }

            IReadOnlyList<string> repairs = store.ItemsToRepair(cancel);
            if (repairs.Count > 0)
            {
                yield return new PorterMigrationPlanItem(MigrationItemKind.Repair, "repairs", null, MigrationAction.Repair,
                    store.RepairReason(repairs.Count), repairs, Array.Empty<string>());
            }

            bool current = schema?.IsCurrent ?? false;
            yield return new PorterMigrationPlanItem(MigrationItemKind.Schema, store.SchemaPath, store.SchemaPath,
                current ? MigrationAction.Skip : MigrationAction.WriteSchema,
                current ? "already current" : "written last, and only when every item succeeded",
                current ? Array.Empty<string>() : new[] { store.SchemaPath }, Array.Empty<string>());
        }

        private static PorterMigrationPlanItem Failed(MigrationItemKind kind, string name, string source, PorterStorageException ex) =>
            new PorterMigrationPlanItem(kind, name, source, MigrationAction.Fail, ex.Message, Array.Empty<string>(), Array.Empty<string>(), ex.ErrorId);

        private static PorterStorageException LinkError(IMigrationStore store, StoreEntry entry) =>
            new PorterStorageException(ErrorIds.DataFileIsLink, PorterErrorKind.InvalidData, store.Describe(entry.RelativePath),
                $"'{store.Describe(entry.RelativePath)}' is a symbolic link; it is not followed and is left in place.");

        /// <summary>A link is never followed (a named failure); a folder is skipped with <paramref name="folderReason"/>; else null.</summary>
        private static PorterMigrationPlanItem? LinkOrFolder(MigrationItemKind kind, IMigrationStore store, StoreEntry entry, string folderReason)
        {
            if (entry.IsLink)
            {
                return Failed(kind, entry.ItemName, entry.RelativePath, LinkError(store, entry));
            }
            return entry.IsFolder
                ? new PorterMigrationPlanItem(kind, entry.Name, entry.RelativePath, MigrationAction.Skip, folderReason, Array.Empty<string>(), Array.Empty<string>())
                {
                    IsCurrentLayout = kind == MigrationItemKind.Installation,
                }
                : null;
        }

        private static PorterMigrationPlanItem PlanClaim(IMigrationStore store, StoreEntry entry)
        {
            string name = entry.ItemName;
            PorterMigrationPlanItem? guarded = LinkOrFolder(MigrationItemKind.Installation, store, entry, "already in the current layout");
            if (guarded != null)
            {
                return guarded;
            }
            if (!entry.IsDocument)
            {
                return new PorterMigrationPlanItem(MigrationItemKind.Installation, entry.Name, entry.RelativePath, MigrationAction.Skip,
                    "not a claim document (Porter ignores it)", Array.Empty<string>(), Array.Empty<string>());
            }
            try
            {
                using LegacyClaim legacy = LegacyClaim.Parse(store.ReadFile(entry.RelativePath), store.Describe(entry.RelativePath));
                string inst = legacy.Installation;
                // Names first: a name such as '.' or '..' would make the duplicate check look at another folder's claims.
                CheckClaimNames(store, legacy, store.Describe(entry.RelativePath));
                // An installation whose claims would go into the path its own legacy file holds ('a.json' in claims/a.json).
                string claimPath = store.StorePath(new StoredDocument(ItemTypes.Claims, inst, PlannedId, Array.Empty<byte>()));
                int slash = claimPath.LastIndexOf('/');
                if (slash > 0 && string.Equals(claimPath.Substring(0, slash), entry.RelativePath, StringComparison.Ordinal))
                {
                    ItemNames.Throw("installation", inst, $"its claims would go into the folder '{entry.RelativePath}', which is this legacy file itself", store.Describe(entry.RelativePath));
                }
                if (IsAlreadyPresent(store, legacy))
                {
                    return new PorterMigrationPlanItem(MigrationItemKind.Installation, inst, entry.RelativePath, MigrationAction.RemoveDuplicate,
                        $"claims/{inst}/ already holds this claim's last action (an interrupted earlier migration); the legacy file is removed",
                        Array.Empty<string>(), new[] { entry.RelativePath });
                }
                var writes = new List<string>();
                if (legacy.NeedsPlaceholder)
                {
                    writes.Add($"claims/{inst}/<new-install-claim-id>.json");
                    writes.Add("results/<new-install-claim-id>/<new-result-id>.json");
                }
                writes.Add($"claims/{inst}/<new-claim-id>.json");
                writes.Add("results/<new-claim-id>/<new-result-id>.json");
                if (legacy.Outputs.HasValue)
                {
                    writes.AddRange(legacy.Outputs.Value.EnumerateObject().Select(o => $"outputs/<new-result-id>/<new-result-id>-{o.Name}"));
                }
                writes.Add($"installations/{inst}");
                string reason = (legacy.NeedsPlaceholder ? $"{legacy.Action} after install: placeholder install claim plus the {legacy.Action} claim" : $"one {legacy.Action} claim")
                                + (legacy.RenamedFromName ? "; name moved to installation" : string.Empty)
                                + (inst != name ? $"; stored under its installation name '{inst}'" : string.Empty);
                return new PorterMigrationPlanItem(MigrationItemKind.Installation, inst, entry.RelativePath, MigrationAction.Migrate, reason, writes, new[] { entry.RelativePath });
            }
            catch (PorterStorageException ex)
            {
                return Failed(MigrationItemKind.Installation, name, entry.RelativePath, ex);
            }
        }

        /// <summary>A stand-in for the ids a run generates: as long as a real one, so the names checked are as long as the ones written.</summary>
        private static readonly string PlannedId = new string('0', 26);

        /// <summary>
        /// Refuses, before anything is committed, an installation or output name the store cannot hold (<c>InvalidItemName</c>):
        /// the documents the split writes are checked under the same rule the apply step uses.
        /// </summary>
        private static void CheckClaimNames(IMigrationStore store, LegacyClaim legacy, string source)
        {
            var docs = new List<StoredDocument>
            {
                new StoredDocument(ItemTypes.Claims, legacy.Installation, PlannedId, Array.Empty<byte>()),
                new StoredDocument(ItemTypes.Results, PlannedId, PlannedId, Array.Empty<byte>()),
                new StoredDocument(ItemTypes.Installations, null, legacy.Installation, Array.Empty<byte>()),
            };
            if (legacy.Outputs.HasValue)
            {
                foreach (System.Text.Json.JsonProperty o in legacy.Outputs.Value.EnumerateObject())
                {
                    ItemNames.Throw("output", o.Name, ItemNames.NameProblem(o.Name), source);
                    docs.Add(new StoredDocument(ItemTypes.Outputs, PlannedId, PlannedId + "-" + o.Name, Array.Empty<byte>()));
                }
            }
            ChangeSetNames.Check(store, docs, Array.Empty<string>(), source);
        }

        /// <summary>Porter's own interrupted run may have written this claim already (E3): same last action and time.</summary>
        private static bool IsAlreadyPresent(IMigrationStore store, LegacyClaim legacy) =>
            store.ExistingClaims(legacy.Installation).Any(c => c.Key == legacy.Modified && c.Value == legacy.Action);

        private static PorterMigrationPlanItem? PlanCredential(IMigrationStore store, StoreEntry entry)
        {
            string name = entry.ItemName;
            PorterMigrationPlanItem? guarded = LinkOrFolder(MigrationItemKind.CredentialSet, store, entry, "a folder, not a credential set");
            if (guarded != null)
            {
                return guarded;
            }
            try
            {
                if (entry.IsDocument)
                {
                    SetRewrite? rewrite = SetMigration.MigrateCredentialSet(store.ReadFile(entry.RelativePath), store.Describe(entry.RelativePath), name);
                    if (rewrite == null)
                    {
                        return new PorterMigrationPlanItem(MigrationItemKind.CredentialSet, name, entry.RelativePath, MigrationAction.Skip,
                            "already has a schemaVersion", Array.Empty<string>(), Array.Empty<string>());
                    }
                    string target = CredentialTarget(store, rewrite.Name, entry);
                    return new PorterMigrationPlanItem(MigrationItemKind.CredentialSet, rewrite.Name, entry.RelativePath, MigrationAction.Rewrite,
                        target == entry.RelativePath ? "schemaVersion added" : $"schemaVersion added; saved under its name '{rewrite.Name}' without leaving the old file behind",
                        new[] { target }, target == entry.RelativePath ? Array.Empty<string>() : new[] { entry.RelativePath });
                }
                if (entry.Name.EndsWith(".yaml", StringComparison.Ordinal) && !store.Exists(store.SetPath(ItemTypes.Credentials, name)))
                {
                    SetRewrite converted = SetMigration.ConvertYamlCredentialSet(store.ReadFile(entry.RelativePath), store.Describe(entry.RelativePath), name,
                        store.ModifiedUtc(entry.RelativePath));
                    ChangeSetNames.Check(store, new[] { new StoredDocument(ItemTypes.Credentials, null, converted.Name, Array.Empty<byte>()) },
                        new[] { entry.RelativePath + ".migrated" }, store.Describe(entry.RelativePath));
                    string target = store.SetPath(ItemTypes.Credentials, converted.Name);
                    if (store.Exists(target))
                    {
                        return new PorterMigrationPlanItem(MigrationItemKind.CredentialSet, converted.Name, entry.RelativePath, MigrationAction.Skip,
                            $"YAML credential set already converted to '{target}'", Array.Empty<string>(), Array.Empty<string>());
                    }
                    return new PorterMigrationPlanItem(MigrationItemKind.CredentialSet, converted.Name, entry.RelativePath, MigrationAction.Convert,
                        "YAML credential set of Porter ≤ v0.22 converted; the YAML file is kept as .yaml.migrated",
                        new[] { target, entry.RelativePath + ".migrated" }, new[] { entry.RelativePath });
                }
                return null;
            }
            catch (PorterStorageException ex)
            {
                return Failed(MigrationItemKind.CredentialSet, name, entry.RelativePath, ex);
            }
        }

        private static string CredentialTarget(IMigrationStore store, string setName, StoreEntry entry)
        {
            string target = store.SetPath(ItemTypes.Credentials, setName);
            if (target == entry.RelativePath)
            {
                return target;
            }
            ChangeSetNames.Check(store, new[] { new StoredDocument(ItemTypes.Credentials, null, setName, Array.Empty<byte>()) }, Array.Empty<string>(),
                store.Describe(entry.RelativePath));
            if (store.Exists(target))
            {
                throw new PorterStorageException(ErrorIds.CredentialSetNameConflict, PorterErrorKind.ResourceExists, store.Describe(entry.RelativePath),
                    $"'{store.Describe(entry.RelativePath)}' holds the credential set '{setName}', but '{store.Describe(target)}' already exists; rename one of them and run again.");
            }
            return target;
        }

        private static PorterMigrationPlanItem? PlanParameter(IMigrationStore store, StoreEntry entry)
        {
            string name = entry.ItemName;
            PorterMigrationPlanItem? guarded = LinkOrFolder(MigrationItemKind.ParameterSet, store, entry, "a folder, not a parameter set");
            if (guarded != null)
            {
                return guarded;
            }
            if (!entry.IsDocument)
            {
                return null;
            }
            try
            {
                SetRewrite? rewrite = SetMigration.MigrateParameterSet(store.ReadFile(entry.RelativePath), store.Describe(entry.RelativePath), name);
                return rewrite == null
                    ? new PorterMigrationPlanItem(MigrationItemKind.ParameterSet, name, entry.RelativePath, MigrationAction.Skip, "already has a schemaVersion", Array.Empty<string>(), Array.Empty<string>())
                    : new PorterMigrationPlanItem(MigrationItemKind.ParameterSet, name, entry.RelativePath, MigrationAction.Rewrite, "schemaVersion added", new[] { entry.RelativePath }, Array.Empty<string>());
            }
            catch (PorterStorageException ex)
            {
                return Failed(MigrationItemKind.ParameterSet, name, entry.RelativePath, ex);
            }
        }

        /// <summary>
        /// Runs the migration under the home's lock: finishes an interrupted run, migrates every item (a failing item
        /// never stops the rest), writes schema.json only when everything succeeded, and verifies the result.
        /// </summary>
        public static PorterMigrationResult Run(IMigrationStore store, MigrationOptions options, CancellationToken cancel = default)
        {
            var clock = Stopwatch.StartNew();
            var installations = new List<InstallationMigrationRecord>();
            var credentialSets = new List<SetMigrationRecord>();
            var parameterSets = new List<SetMigrationRecord>();
            var warnings = new List<string>();
            var errors = new List<MigrationError>();
            int blocking = 0; // failures that keep schema.json from being written
            PorterSchemaDocument schemaBefore;
            PorterSchemaDocument schemaAfter;
            bool schemaWritten = false;
            string logPath;

            using (store.Lock())
            using (MigrationLog log = OpenLog(store))
            {
                logPath = log.Path;
                void Log(string line)
                {
                    log.Line(line);
                    options.OnLog?.Invoke(line);
                }
                void Fail(string errorId, string target, string message, string logLine, bool blocks = true)
                {
                    var error = new MigrationError(errorId, target, message);
                    errors.Add(error);
                    if (blocks)
                    {
                        blocking++;
                    }
                    Log(logLine);
                    options.OnError?.Invoke(error);
                }

                try
                {
                    foreach (RecoveredChange change in store.Recover())
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
                    Log($"Error finishing an interrupted migration: {ex.ErrorId}: {ex.Message}");
                    throw;
                }

                PorterSchemaDocument? storedSchema = SchemaInspector.ReadSchema(store, out _, cancel);
                schemaBefore = storedSchema ?? PorterSchemaDocument.Empty;
                int total = store.PendingJournals().Count + store.Entries(ItemTypes.Claims).Count + store.Entries(ItemTypes.Credentials).Count
                            + store.Entries(ItemTypes.Parameters).Count;
                int done = 0;
                int sections = 0; // Porter logs its three sections, in order, whether or not they hold items
                PorterMigrationPlanItem? schemaItem = null;

                foreach (PorterMigrationPlanItem item in PlanItems(store, storedSchema, cancel))
                {
                    cancel.ThrowIfCancellationRequested();
                    for (; sections < Sections.Length && sections <= SectionOf(item.Kind); sections++)
                    {
                        SectionHeader(Sections[sections], schemaBefore, Log);
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
                        Fail(item.ErrorId!, store.Describe(item.Source ?? string.Empty), item.Reason, ErrorLine(item, item.ErrorId!, item.Reason), !IsHiddenFromPorter(item));
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
                    if (!options.ShouldProcess(item))
                    {
                        Record(item, MigrationOutcome.Declined, null, ErrorIds.MigrationDeclined, "declined", installations, credentialSets, parameterSets);
                        warnings.Add($"{item.Kind} {item.Name} was declined; schema.json is not updated until it is migrated.");
                        errors.Add(new MigrationError(ErrorIds.MigrationDeclined, store.Describe(item.Source ?? item.Name), $"The migration of {item.Kind} '{item.Name}' was declined."));
                        if (!IsHiddenFromPorter(item))
                        {
                            blocking++;
                        }
                        continue;
                    }
                    try
                    {
                        Execute(store, item, options, Log, installations, credentialSets, parameterSets, warnings, cancel);
                    }
                    catch (Exception caught) when (caught is PorterStorageException || caught is IOException || caught is UnauthorizedAccessException)
                    {
                        PorterStorageException ex = IOErrors.Map(caught, store.Describe(item.Source ?? string.Empty), IOOperation.Write,
                            $"{item.Kind} '{item.Name}' was not migrated.");
                        Record(item, MigrationOutcome.Failed, null, ex.ErrorId, ex.Message, installations, credentialSets, parameterSets);
                        Fail(ex.ErrorId, ex.Target ?? store.Location, ex.Message, ErrorLine(item, ex.ErrorId, ex.Message), !IsHiddenFromPorter(item));
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
                            store.WriteSchema(System.Text.Encoding.UTF8.GetBytes(SchemaVersions.CurrentSchemaJson));
                            schemaWritten = true;
                            Log("Wrote updated schema.json to storage");
                        }
                        catch (PorterStorageException ex)
                        {
                            Fail(ex.ErrorId, ex.Target ?? store.Location, ex.Message, $"Error writing schema.json: {ex.ErrorId}: {ex.Message}");
                        }
                    }
                    else if (blocking > 0)
                    {
                        Log($"schema.json was not updated: {blocking} item(s) did not migrate");
                    }
                }
                options.Progress?.Report(new MigrationProgress("done", total, total));
                schemaAfter = SchemaInspector.ReadSchema(store, out _, cancel) ?? PorterSchemaDocument.Empty;
            }

            PorterStorageVerification verification = store.Verify(cancel);
            foreach (StorageFinding finding in verification.Findings.Where(f => f.Severity == FindingSeverity.Error))
            {
                warnings.Add($"Test-PorterStorage: {finding.Code}: {finding.Message}");
            }
            return new PorterMigrationResult(options.SourceHome ?? store.Location, options.SourceHome != null ? store.Location : null, logPath, options.Backup,
                schemaBefore, schemaAfter, schemaWritten, installations, credentialSets, parameterSets, warnings, errors, verification, clock.Elapsed);
        }

        private static MigrationLog OpenLog(IMigrationStore store)
        {
            try
            {
                return store.CreateLog(DateTime.Now);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, store.Location,
                    $"The migration log could not be created in '{store.Location}': {ex.Message}. Nothing was changed.", ex);
            }
        }

        private static readonly MigrationItemKind[] Sections = { MigrationItemKind.Installation, MigrationItemKind.CredentialSet, MigrationItemKind.ParameterSet };

        /// <summary>The last of Porter's log sections that comes before or holds an item of this kind (-1: before all).</summary>
        private static int SectionOf(MigrationItemKind kind)
        {
            switch (kind)
            {
                case MigrationItemKind.Interrupted:
                    return -1;
                case MigrationItemKind.Installation:
                    return 0;
                case MigrationItemKind.CredentialSet:
                    return 1;
                case MigrationItemKind.ParameterSet:
                    return 2;
                default:
                    return Sections.Length;
            }
        }

        /// <summary>
        /// A YAML credential set (Porter ≤ v0.22): Porter v0.28+ neither counts nor reads it, so its failure (or a declined
        /// conversion) does not keep schema.json from being written — a home Porter could use stays usable (its YAML stays
        /// in place for the next run).
        /// </summary>
        private static bool IsHiddenFromPorter(PorterMigrationPlanItem item) =>
            item.Kind == MigrationItemKind.CredentialSet && item.Source != null && item.Source.EndsWith(".yaml", StringComparison.Ordinal);

        private static void SectionHeader(MigrationItemKind kind, PorterSchemaDocument schema, Action<string> log)
        {
            switch (kind)
            {
                case MigrationItemKind.Installation:
                    Header("Claims", SchemaVersions.Claims, schema.Claims, ClaimsSpecLine, log);
                    break;
                case MigrationItemKind.CredentialSet:
                    Header("Credentials", SchemaVersions.Credentials, schema.Credentials, CredentialsSpecLine, log);
                    break;
                case MigrationItemKind.ParameterSet:
                    Header("Parameters", SchemaVersions.Parameters, schema.Parameters, ParametersSpecLine, log);
                    break;
            }
        }

        private static void Header(string subsystem, string want, string got, string specLine, Action<string> log)
        {
            if (want == got)
            {
                log($"{subsystem} schema is up-to-date");
            }
            else
            {
                log($"{subsystem} schema is out-of-date (want: {want} got: {got})");
                log(specLine);
            }
        }

        private static string ErrorLine(PorterMigrationPlanItem item, string errorId, string message) =>
            item.Kind == MigrationItemKind.Installation
                ? $"Error migrating installation {item.Name}. Skipping: {errorId}: {message}"
                : $"Error migrating {(item.Kind == MigrationItemKind.CredentialSet ? "credential" : "parameter")} set {item.Name}. Skipping: {errorId}: {message}";

        private static void Record(PorterMigrationPlanItem item, MigrationOutcome outcome, string? target, string? errorId, string? error,
            List<InstallationMigrationRecord> installations, List<SetMigrationRecord> credentialSets, List<SetMigrationRecord> parameterSets)
        {
            switch (item.Kind)
            {
                case MigrationItemKind.Repair:
                    break;
                case MigrationItemKind.Installation:
                case MigrationItemKind.Interrupted:
                    installations.Add(new InstallationMigrationRecord(item.Name, item.Source, outcome, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), errorId, error));
                    break;
                case MigrationItemKind.CredentialSet:
                    credentialSets.Add(new SetMigrationRecord("credentials", item.Name, item.Source!, target, outcome, errorId, error));
                    break;
                case MigrationItemKind.ParameterSet:
                    parameterSets.Add(new SetMigrationRecord("parameters", item.Name, item.Source!, target, outcome, errorId, error));
                    break;
            }
        }

        private static void Execute(IMigrationStore store, PorterMigrationPlanItem item, MigrationOptions options, Action<string> log,
            List<InstallationMigrationRecord> installations, List<SetMigrationRecord> credentialSets, List<SetMigrationRecord> parameterSets, List<string> warnings,
            CancellationToken cancel)
        {
            string source = item.Source ?? string.Empty;
            string full = store.Describe(source);
            string fileName = Path.GetFileNameWithoutExtension(source);
            switch (item.Action)
            {
                case MigrationAction.Migrate:
                {
                    log($" - Migrating claim {fileName} to the new schema...");
                    using LegacyClaim legacy = LegacyClaim.Parse(store.ReadFile(source), full);
                    if (legacy.RenamedFromName)
                    {
                        log($" - Migrating claim {fileName} from claim.Name to claim.Installation");
                        log($"Migrating installation {fileName} (Name -> Installation) to match the CNAB Claim spec https://cnab.io/schema/cnab-claim-1.0.0-DRAFT+d7ffba8/claim.schema.json. The Name field will be preserved for compatibility with previous versions of the spec.");
                    }
                    SplitClaim split = ClaimSplitter.Split(legacy, source, options.Ids);
                    ApplyChecked(store, split.Changes, full, options);
                    installations.Add(new InstallationMigrationRecord(split.Installation, source, MigrationOutcome.Migrated, split.ClaimIds, split.ResultIds, split.OutputNames, null, null));
                    break;
                }
                case MigrationAction.RemoveDuplicate:
                {
                    var changes = new ChangeSet($"installation {item.Name} (duplicate legacy claim)");
                    changes.Deletes.Add(source);
                    ApplyChecked(store, changes, full, options);
                    warnings.Add($"'{full}' was already migrated by an earlier run; the legacy file was removed.");
                    installations.Add(new InstallationMigrationRecord(item.Name, source, MigrationOutcome.RemovedDuplicate, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), null, null));
                    break;
                }
                case MigrationAction.Rewrite when item.Kind == MigrationItemKind.CredentialSet:
                {
                    SetRewrite? rewrite = SetMigration.MigrateCredentialSet(store.ReadFile(source), full, fileName);
                    if (rewrite == null)
                    {
                        credentialSets.Add(new SetMigrationRecord("credentials", item.Name, source, null, MigrationOutcome.AlreadyCurrent, null, null));
                        break;
                    }
                    log($" - Migrating credential set {rewrite.Name} to the new schema...");
                    string target = CredentialTarget(store, rewrite.Name, new StoreEntry(Path.GetFileName(source), source, false, false, fileName, true));
                    var changes = new ChangeSet($"credential set {rewrite.Name}");
                    changes.Writes.Add(new StoredDocument(ItemTypes.Credentials, null, rewrite.Name, rewrite.Content) { Expected = rewrite.Expected });
                    if (target != source)
                    {
                        changes.Deletes.Add(source);
                    }
                    ApplyChecked(store, changes, full, options);
                    credentialSets.Add(new SetMigrationRecord("credentials", rewrite.Name, source, target, MigrationOutcome.Rewritten, null, null));
                    break;
                }
                case MigrationAction.Convert:
                {
                    SetRewrite converted = SetMigration.ConvertYamlCredentialSet(store.ReadFile(source), full, fileName, store.ModifiedUtc(source));
                    log($" - Migrating credential set {converted.Name} to the new schema...");
                    var changes = new ChangeSet($"YAML credential set {converted.Name}");
                    changes.Writes.Add(new StoredDocument(ItemTypes.Credentials, null, converted.Name, converted.Content) { Expected = converted.Expected });
                    changes.Renames.Add(new KeyValuePair<string, string>(source, source + ".migrated"));
                    ApplyChecked(store, changes, full, options);
                    credentialSets.Add(new SetMigrationRecord("credentials", converted.Name, source, store.SetPath(ItemTypes.Credentials, converted.Name), MigrationOutcome.Converted, null, null));
                    break;
                }
                case MigrationAction.Rewrite:
                {
                    SetRewrite? rewrite = SetMigration.MigrateParameterSet(store.ReadFile(source), full, fileName);
                    if (rewrite == null)
                    {
                        parameterSets.Add(new SetMigrationRecord("parameters", item.Name, source, null, MigrationOutcome.AlreadyCurrent, null, null));
                        break;
                    }
                    log($" - Migrating parameter set {fileName} to the new schema...");
                    var changes = new ChangeSet($"parameter set {fileName}");
                    changes.Writes.Add(new StoredDocument(ItemTypes.Parameters, null, fileName, rewrite.Content) { Expected = rewrite.Expected });
                    ApplyChecked(store, changes, full, options);
                    parameterSets.Add(new SetMigrationRecord("parameters", fileName, source, source, MigrationOutcome.Rewritten, null, null));
                    break;
                }
                case MigrationAction.Repair:
                {
                    log(store.Repair(cancel));
                    break;
                }
                case MigrationAction.Finish:
                    installations.Add(new InstallationMigrationRecord(item.Name, null, MigrationOutcome.Finished, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), null, null));
                    break;
            }
        }

        /// <summary>
        /// Every change set goes to the store through here: its documents are re-read strictly and compared with what they
        /// must hold (<see cref="WrittenDocumentGuard"/>) before anything is deleted or overwritten, whatever the store.
        /// </summary>
        /// <summary>Every stored item the change set deletes, renames or overwrites must be in the backup, byte for byte.</summary>
        private static void RequireEvidence(IMigrationStore store, ChangeSet changes, BackupEvidence? evidence)
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
                evidence.Require(path, store.ReadFile(path), store.Describe(path));
            }
        }

        private static void ApplyChecked(IMigrationStore store, ChangeSet changes, string source, MigrationOptions options)
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
            RequireEvidence(store, changes, options.Evidence);
            store.Apply(changes);
        }

        /// <summary>
        /// Non-destructive mode: copies the whole home (modes, times, links as links) to an empty or new
        /// <paramref name="destination"/> that is not inside it. Raises <c>DestinationNotEmpty</c>, <c>DestinationInsideHome</c>.
        /// </summary>
        public static void CopyHome(string source, string destination, CancellationToken cancel = default)
        {
            if (ArchivePaths.IsInside(destination, source) || ArchivePaths.IsInside(source, destination))
            {
                throw new PorterStorageException(ErrorIds.DestinationInsideHome, PorterErrorKind.InvalidArgument, destination,
                    $"The destination '{destination}' overlaps the home '{source}'.");
            }
            if (File.Exists(destination) || (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any()))
            {
                throw new PorterStorageException(ErrorIds.DestinationNotEmpty, PorterErrorKind.ResourceExists, destination,
                    $"The destination '{destination}' is not empty.");
            }
            try
            {
                FileSystemExtras.CreatePrivateDirectory(destination);
                CopyTree(new DirectoryInfo(source), destination, cancel);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, destination,
                    $"The home could not be copied to '{destination}': {ex.Message}. The source is unchanged; remove the partial copy and run again.", ex);
            }
        }

        private static void CopyTree(DirectoryInfo from, string to, CancellationToken cancel)
        {
            foreach (FileSystemInfo item in from.EnumerateFileSystemInfos())
            {
                cancel.ThrowIfCancellationRequested();
                string target = Path.Combine(to, item.Name);
                string? link = FileSystemExtras.ReadLink(item);
                if (link != null)
                {
                    FileSystemExtras.CreateSymbolicLink(target, link, item is DirectoryInfo);
                    continue;
                }
                if (item is DirectoryInfo dir)
                {
                    Directory.CreateDirectory(target);
                    CopyTree(dir, target, cancel);
                    int? mode = UnixPermissions.TryGetMode(dir.FullName);
                    if (mode.HasValue)
                    {
                        UnixPermissions.SetModeIfSupported(target, mode.Value);
                    }
                    Directory.SetLastWriteTimeUtc(target, dir.LastWriteTimeUtc);
                }
                else
                {
                    using (FileStream from2 = FileSystemExtras.OpenRegularForRead(item.FullName))
                    using (FileStream to2 = FileSystemExtras.CreateNewPrivate(target))
                    {
                        from2.CopyTo(to2);
                    }
                    int? mode = UnixPermissions.TryGetMode(item.FullName);
                    if (mode.HasValue)
                    {
                        UnixPermissions.SetModeIfSupported(target, mode.Value);
                    }
                    File.SetLastWriteTimeUtc(target, item.LastWriteTimeUtc);
                }
            }
        }
    }
}
