using System;
using System.Collections.Generic;
using System.Threading;

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

        /// <summary>How long the closing verification gives an eventually consistent index to catch up (the default when null).</summary>
        public TimeSpan? IndexWait { get; set; }

        /// <summary>Test seam: stands for a faulty writer by replacing a document's bytes after it was written, before the guard.</summary>
        internal Func<StoredDocument, byte[]>? WriterFault { get; set; }
    }

    /// <summary>
    /// The migration of Porter's data to the v0.28–v0.38 layout (format §4–§8) with the documented improvements:
    /// per-item atomic change sets, convergence on partly migrated homes, file-by-file sets, named errors.
    /// The door to the planner; a run goes through <see cref="MigrationSession"/>, which adds approvals, the backup check and the copy.
    /// </summary>
    public static class MigrationEngine
    {
        /// <summary>What a run would do, computed without writing anything.</summary>
        public static PorterMigrationPlan Plan(IMigrationStore store, CancellationToken cancel = default) => MigrationPlanner.Plan(store, cancel);

        /// <summary>
        /// The plan's items one at a time (the schema item last), for callers that need not hold the whole plan of a large
        /// store. Raises <c>SchemaParseError</c> when enumerated.
        /// </summary>
        public static IEnumerable<PorterMigrationPlanItem> PlanItems(IMigrationStore store, CancellationToken cancel = default) =>
            MigrationPlanner.PlanItems(store, cancel);
    }
}
