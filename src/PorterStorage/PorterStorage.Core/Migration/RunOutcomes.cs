using System;
using System.Collections;
using System.Collections.Generic;

namespace PorterStorage.Core.Migration
{
    /// <summary>
    /// What a migration run records as it goes: a record per installation and set (in plan order; a change set still waiting to
    /// be applied holds an empty slot), the warnings and errors, and how many failures keep schema.json from being written.
    /// </summary>
    internal sealed class RunOutcomes
    {
        public List<InstallationMigrationRecord> Installations { get; } = new List<InstallationMigrationRecord>();

        public List<SetMigrationRecord> CredentialSets { get; } = new List<SetMigrationRecord>();

        public List<SetMigrationRecord> ParameterSets { get; } = new List<SetMigrationRecord>();

        public List<string> Warnings { get; } = new List<string>();

        public List<MigrationError> Errors { get; } = new List<MigrationError>();

        /// <summary>Failures that keep schema.json from being written.</summary>
        public int Blocking { get; private set; }

        /// <summary>Counts an error; <paramref name="blocks"/> when it keeps schema.json from being written.</summary>
        public void Failed(MigrationError error, bool blocks)
        {
            Errors.Add(error);
            if (blocks)
            {
                Blocking++;
            }
        }

        /// <summary>Records an item's outcome at the end of its list (the repairs have no record of their own).</summary>
        public void Record(PorterMigrationPlanItem item, MigrationOutcome outcome, string? target, string? errorId, string? error)
        {
            object? record = Outcome(item, outcome, target, errorId, error);
            if (record != null)
            {
                ListOf(item.Kind).Add(record);
            }
        }

        /// <summary>The result's list an item of this kind is recorded in.</summary>
        public IList ListOf(MigrationItemKind kind) =>
            kind == MigrationItemKind.CredentialSet ? CredentialSets : kind == MigrationItemKind.ParameterSet ? (IList)ParameterSets : Installations;

        /// <summary>Installations migrated or finished so far (an empty slot, of a change set still waiting, is not counted).</summary>
        public int MigratedInstallations()
        {
            int n = 0;
            foreach (InstallationMigrationRecord? i in Installations)
            {
                n += i != null && (i.Outcome == MigrationOutcome.Migrated || i.Outcome == MigrationOutcome.Finished) ? 1 : 0;
            }
            return n;
        }

        /// <summary>Credential and parameter sets that ended well so far.</summary>
        public int SetsDone()
        {
            int n = 0;
            foreach (SetMigrationRecord? s in CredentialSets)
            {
                n += s != null && s.Outcome != MigrationOutcome.Failed && s.Outcome != MigrationOutcome.Declined ? 1 : 0;
            }
            foreach (SetMigrationRecord? s in ParameterSets)
            {
                n += s != null && s.Outcome != MigrationOutcome.Failed && s.Outcome != MigrationOutcome.Declined ? 1 : 0;
            }
            return n;
        }

        /// <summary>The record of an item's outcome (null for the repairs, which have none of their own).</summary>
        public static object? Outcome(PorterMigrationPlanItem item, MigrationOutcome outcome, string? target, string? errorId, string? error)
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

        /// <summary>
        /// A YAML credential set (Porter ≤ v0.22): Porter v0.28+ neither counts nor reads it, so its failure (or a declined
        /// conversion) does not keep schema.json from being written — a home Porter could use stays usable (its YAML stays
        /// in place for the next run).
        /// </summary>
        public static bool IsHiddenFromPorter(PorterMigrationPlanItem item) =>
            item.Kind == MigrationItemKind.CredentialSet && item.Source != null && item.Source.EndsWith(".yaml", StringComparison.Ordinal);
    }
}
