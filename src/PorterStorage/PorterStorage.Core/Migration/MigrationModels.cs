using System;
using System.Collections.Generic;
using System.Linq;

namespace PorterStorage.Core.Migration
{
    /// <summary>Progress of a migration: one record per installation or set.</summary>
    public sealed class MigrationProgress
    {
        public MigrationProgress(string item, int done, int total)
        {
            Item = item;
            Done = done;
            Total = total;
        }

        public string Item { get; }

        public int Done { get; }

        public int Total { get; }
    }
}

namespace PorterStorage
{
    public enum MigrationItemKind
    {
        Interrupted,
        Installation,
        CredentialSet,
        ParameterSet,
        Repair,
        Schema,
    }

    public enum MigrationAction
    {
        /// <summary>Finish a change set a killed run had committed.</summary>
        Finish,

        /// <summary>Split a legacy claim into claims, results, outputs and the index entry.</summary>
        Migrate,

        /// <summary>The legacy claim is already present in the current layout (an earlier interrupted run of Porter); only the legacy file is removed.</summary>
        RemoveDuplicate,

        /// <summary>Rewrite a credential or parameter set in the current schema.</summary>
        Rewrite,

        /// <summary>Convert a YAML credential set of Porter ≤ v0.22.</summary>
        Convert,

        /// <summary>Put right what Porter would trip on: file modes beyond 0600 (folders), missing index tags (containers).</summary>
        Repair,

        /// <summary>Write schema.json with the current versions.</summary>
        WriteSchema,

        /// <summary>Nothing to do.</summary>
        Skip,

        /// <summary>Cannot be migrated; named in the reason and left in place.</summary>
        Fail,
    }

    /// <summary>One thing the migration would do, and why.</summary>
    public sealed class PorterMigrationPlanItem
    {
        internal PorterMigrationPlanItem(MigrationItemKind kind, string name, string? source, MigrationAction action, string reason,
            IReadOnlyList<string> writes, IReadOnlyList<string> deletes, string? errorId = null)
        {
            Kind = kind;
            Name = name;
            Source = source;
            Action = action;
            Reason = reason;
            Writes = writes;
            Deletes = deletes;
            ErrorId = errorId;
        }

        public MigrationItemKind Kind { get; }

        /// <summary>Installation or set name (for a failing item: the file name).</summary>
        public string Name { get; }

        /// <summary>'/'-separated path of the item in the store.</summary>
        public string? Source { get; }

        public MigrationAction Action { get; }

        public string Reason { get; }

        /// <summary>Paths that would be written; new IDs are shown as &lt;new-claim-id&gt; and the like.</summary>
        public IReadOnlyList<string> Writes { get; }

        public IReadOnlyList<string> Deletes { get; }

        /// <summary>For <see cref="MigrationAction.Fail"/>: the stable error id.</summary>
        public string? ErrorId { get; }

        /// <summary>For <see cref="MigrationAction.Fail"/>: what kind of failure it is.</summary>
        internal PorterErrorKind ErrorKind { get; set; } = PorterErrorKind.InvalidData;

        public bool ChangesSomething => Action != MigrationAction.Skip && Action != MigrationAction.Fail;

        /// <summary>What planning read and parsed for the run (a <see cref="LegacyClaim"/> or a <see cref="SetRewrite"/>), when the runner planned it.</summary>
        internal object? Prepared { get; set; }

        /// <summary>An installation already in the current layout (left alone).</summary>
        public bool IsCurrentLayout { get; internal set; }

        /// <summary>The store entry the item was planned from (a legacy claim, a set), so it can be planned again.</summary>
        internal StoreEntry? Entry { get; set; }

        /// <summary>A failing item that stands for a whole set folder that could not be listed (<see cref="Source"/> is the folder).</summary>
        internal bool IsFolder { get; set; }

        public override string ToString() => $"{Action} {Kind} {Name}: {Reason}";
    }

    /// <summary>Everything a migration would do to a home, computed without changing anything.</summary>
    public sealed class PorterMigrationPlan
    {
        internal PorterMigrationPlan(string source, PorterSchemaDocument schemaBefore, bool schemaExists, IReadOnlyList<PorterMigrationPlanItem> items)
        {
            Source = source;
            SchemaBefore = schemaBefore;
            SchemaExists = schemaExists;
            Items = items;
        }

        /// <summary>What the plan is for: the home's full path, or the container's URL.</summary>
        public string Source { get; }

        public PorterSchemaDocument SchemaBefore { get; }

        public bool SchemaExists { get; }

        public IReadOnlyList<PorterMigrationPlanItem> Items { get; }

        /// <summary>When (the plan's end), where and by whom the plan was made, with which module version.</summary>
        public PorterRunFacts Run { get; } = PorterRunFacts.Now(DateTime.UtcNow);

        public int ToChange => Items.Count(i => i.ChangesSomething);

        public int ToFail => Items.Count(i => i.Action == MigrationAction.Fail);

        public int Installations => Items.Count(i => i.Kind == MigrationItemKind.Installation && i.Action == MigrationAction.Migrate);

        /// <summary>True when the home is current already and nothing would change.</summary>
        public bool IsNoOp => ToChange == 0 && ToFail == 0;

        public override string ToString() => $"{Source}: {ToChange} change(s), {ToFail} failure(s)";
    }

    public enum MigrationOutcome
    {
        Migrated,
        Finished,
        Rewritten,
        Converted,
        RemovedDuplicate,
        AlreadyCurrent,
        Failed,
        Declined,

        /// <summary>A change of an interrupted run that could not be finished was rolled back (or set aside); its originals stay.</summary>
        RolledBack,
    }

    /// <summary>What happened to one installation.</summary>
    public sealed class InstallationMigrationRecord
    {
        internal InstallationMigrationRecord(string installation, string? sourceFile, MigrationOutcome outcome, IReadOnlyList<string> claims,
            IReadOnlyList<string> results, IReadOnlyList<string> outputs, string? errorId, string? error)
        {
            Installation = installation;
            SourceFile = sourceFile;
            Outcome = outcome;
            Claims = claims;
            Results = results;
            Outputs = outputs;
            ErrorId = errorId;
            Error = error;
        }

        public string Installation { get; }

        public string? SourceFile { get; }

        public MigrationOutcome Outcome { get; }

        /// <summary>IDs of the claims written.</summary>
        public IReadOnlyList<string> Claims { get; }

        public IReadOnlyList<string> Results { get; }

        /// <summary>Names of the outputs written.</summary>
        public IReadOnlyList<string> Outputs { get; }

        public string? ErrorId { get; }

        public string? Error { get; }

        public override string ToString() => $"{Installation}: {Outcome}";
    }

    /// <summary>What happened to one credential or parameter set.</summary>
    public sealed class SetMigrationRecord
    {
        internal SetMigrationRecord(string kind, string name, string sourceFile, string? targetFile, MigrationOutcome outcome, string? errorId, string? error)
        {
            Kind = kind;
            Name = name;
            SourceFile = sourceFile;
            TargetFile = targetFile;
            Outcome = outcome;
            ErrorId = errorId;
            Error = error;
        }

        /// <summary><c>credentials</c> or <c>parameters</c>.</summary>
        public string Kind { get; }

        public string Name { get; }

        public string SourceFile { get; }

        public string? TargetFile { get; }

        public MigrationOutcome Outcome { get; }

        public string? ErrorId { get; }

        public string? Error { get; }

        public override string ToString() => $"{Kind}/{Name}: {Outcome}";
    }

    /// <summary>A failure during the migration, with its stable id and the item it concerns.</summary>
    public sealed class MigrationError
    {
        internal MigrationError(string errorId, PorterErrorKind kind, string target, string message)
        {
            ErrorId = errorId;
            Kind = kind;
            Target = target;
            Message = message;
        }

        public string ErrorId { get; }

        public string Target { get; }

        public string Message { get; }

        /// <summary>What kind of failure it is (an error record's category).</summary>
        public PorterErrorKind Kind { get; }

        /// <summary>The failure as the core's exception, for an error record.</summary>
        public PorterStorageException ToException() => new PorterStorageException(ErrorId, Kind, Target, Message);

        public override string ToString() => $"{ErrorId}: {Message}";
    }

    /// <summary>The outcome of Invoke-PorterStorageMigration.</summary>
    public sealed class PorterMigrationResult : CountedResult
    {
        internal PorterMigrationResult(string source, string? destination, string? logPath, PorterBackup? backup, PorterSchemaDocument schemaBefore,
            PorterSchemaDocument schemaAfter, bool schemaWritten, IReadOnlyList<InstallationMigrationRecord> installations,
            IReadOnlyList<SetMigrationRecord> credentialSets, IReadOnlyList<SetMigrationRecord> parameterSets, IReadOnlyList<string> warnings,
            IReadOnlyList<MigrationError> errors, PorterStorageVerification? verification, TimeSpan duration)
        {
            Source = source;
            Destination = destination;
            LogPath = logPath;
            Backup = backup;
            SchemaBefore = schemaBefore;
            SchemaAfter = schemaAfter;
            SchemaWritten = schemaWritten;
            Installations = installations;
            CredentialSets = credentialSets;
            ParameterSets = parameterSets;
            Warnings = warnings;
            Errors = errors;
            Verification = verification;
            Duration = duration;
            _installationOutcomes = Count(installations.Select(i => i.Outcome));
            _setOutcomes = Count(credentialSets.Concat(parameterSets).Select(i => i.Outcome));
        }

        private readonly IReadOnlyDictionary<MigrationOutcome, int> _installationOutcomes;
        private readonly IReadOnlyDictionary<MigrationOutcome, int> _setOutcomes;

        private static IReadOnlyDictionary<MigrationOutcome, int> Count(IEnumerable<MigrationOutcome> outcomes) =>
            outcomes.GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());

        private static int Of(IReadOnlyDictionary<MigrationOutcome, int> counts, params MigrationOutcome[] outcomes) =>
            outcomes.Sum(o => counts.TryGetValue(o, out int n) ? n : 0);

        /// <summary>
        /// The result as the cmdlet writes it without -Detailed: the same counts, errors, warnings, backup and verification,
        /// with the per-item records kept only for the items that did not end well (failed, declined, rolled back), so that
        /// a run over thousands of installations stays a small object in a job stream. Every item is named in the log.
        /// </summary>
        public PorterMigrationResult Compact()
        {
            if (!Detailed)
            {
                return this;
            }
            static bool Notable(MigrationOutcome o) => o == MigrationOutcome.Failed || o == MigrationOutcome.Declined || o == MigrationOutcome.RolledBack;
            var compact = new PorterMigrationResult(Source, Destination, LogPath, Backup, SchemaBefore, SchemaAfter, SchemaWritten,
                Installations.Where(i => Notable(i.Outcome)).ToList(), CredentialSets.Where(i => Notable(i.Outcome)).ToList(),
                ParameterSets.Where(i => Notable(i.Outcome)).ToList(), Warnings, Errors, Verification, Duration, _installationOutcomes, _setOutcomes)
            {
                Requests = Requests,
                RetriedRequests = RetriedRequests,
                BackOffs = BackOffs,
                Run = Run,
            };
            return compact;
        }

        private PorterMigrationResult(string source, string? destination, string? logPath, PorterBackup? backup, PorterSchemaDocument schemaBefore,
            PorterSchemaDocument schemaAfter, bool schemaWritten, IReadOnlyList<InstallationMigrationRecord> installations,
            IReadOnlyList<SetMigrationRecord> credentialSets, IReadOnlyList<SetMigrationRecord> parameterSets, IReadOnlyList<string> warnings,
            IReadOnlyList<MigrationError> errors, PorterStorageVerification? verification, TimeSpan duration,
            IReadOnlyDictionary<MigrationOutcome, int> installationOutcomes, IReadOnlyDictionary<MigrationOutcome, int> setOutcomes)
            : this(source, destination, logPath, backup, schemaBefore, schemaAfter, schemaWritten, installations, credentialSets, parameterSets,
                warnings, errors, verification, duration)
        {
            _installationOutcomes = installationOutcomes;
            _setOutcomes = setOutcomes;
            Detailed = false;
        }

        /// <summary>
        /// True when Installations, CredentialSets and ParameterSets hold a record for every item (-Detailed); false in the
        /// default compact result, where they hold only the items that failed, were declined or rolled back.
        /// </summary>
        public bool Detailed { get; } = true;

        /// <summary>What was migrated: the home's full path or the container's URL (the source, when -Destination was used).</summary>
        public string Source { get; }

        /// <summary>The migrated copy, in non-destructive mode.</summary>
        public string? Destination { get; }

        public string? LogPath { get; }

        public PorterBackup? Backup { get; }

        public PorterSchemaDocument SchemaBefore { get; }

        public PorterSchemaDocument SchemaAfter { get; }

        public bool SchemaWritten { get; }

        /// <summary>Every item migrated and schema.json is current.</summary>
        public bool Succeeded => Errors.Count == 0 && SchemaAfter.IsCurrent;

        public IReadOnlyList<InstallationMigrationRecord> Installations { get; }

        public IReadOnlyList<SetMigrationRecord> CredentialSets { get; }

        public IReadOnlyList<SetMigrationRecord> ParameterSets { get; }

        public IReadOnlyList<string> Warnings { get; }

        public IReadOnlyList<MigrationError> Errors { get; }

        /// <summary>Test-PorterStorage's findings on the result.</summary>
        public PorterStorageVerification? Verification { get; }

        public TimeSpan Duration { get; }

        /// <summary>When and where the run took place, by whom, with which module version (for the change ticket's report).</summary>
        public PorterRunFacts Run { get; internal set; } = PorterRunFacts.Now(DateTime.UtcNow);

        /// <summary>Installations migrated (or finished from an interrupted run).</summary>
        public int Migrated => Of(_installationOutcomes, MigrationOutcome.Migrated, MigrationOutcome.Finished);

        /// <summary>Installations that could not be migrated and stay as they were.</summary>
        public int Failed => Of(_installationOutcomes, MigrationOutcome.Failed);

        /// <summary>Installations already in the current layout.</summary>
        public int AlreadyCurrent => Of(_installationOutcomes, MigrationOutcome.AlreadyCurrent);

        /// <summary>Installations declined at a prompt, or rolled back from an interrupted run.</summary>
        public int NotMigrated => Of(_installationOutcomes, MigrationOutcome.Declined, MigrationOutcome.RolledBack);

        /// <summary>Credential and parameter sets rewritten, converted or removed as duplicates.</summary>
        public int SetsMigrated => Of(_setOutcomes, MigrationOutcome.Migrated, MigrationOutcome.Rewritten, MigrationOutcome.Converted, MigrationOutcome.RemovedDuplicate, MigrationOutcome.Finished);

        /// <summary>Credential and parameter sets that failed, were declined or rolled back.</summary>
        public int SetsFailed => Of(_setOutcomes, MigrationOutcome.Failed, MigrationOutcome.Declined, MigrationOutcome.RolledBack);

        /// <summary>Why the schema was not written, when it was not.</summary>
        public string Summary =>
            Succeeded
                ? $"Migration complete: {Migrated} installation(s) migrated."
                : Errors.Count > 0
                    ? SchemaAfter.IsCurrent
                        ? $"Migration incomplete: {Errors.Count} item(s) failed or were declined and stay as they are; {SchemaVersions.FileName} is current (nothing Porter reads is left behind). Fix them and run again."
                        : $"Migration incomplete: {Errors.Count} item(s) failed or were declined, so {SchemaVersions.FileName} was not updated. Fix them and run again; finished items are not migrated twice."
                    : $"Migration incomplete: {SchemaVersions.FileName} could not be updated.";

        public override string ToString() => Summary;
    }
}
