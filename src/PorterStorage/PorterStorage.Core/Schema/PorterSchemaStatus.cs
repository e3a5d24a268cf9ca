using System.Collections.Generic;

namespace PorterStorage
{
    /// <summary>Where a home stands against the schema Porter v0.28–v0.38 expects.</summary>
    public enum PorterSchemaState
    {
        /// <summary>schema.json holds the current versions.</summary>
        Current,

        /// <summary>No schema.json and no data: Porter writes a current schema.json on first use.</summary>
        EmptyHome,

        /// <summary>schema.json exists with an older or unknown version.</summary>
        Outdated,

        /// <summary>No schema.json; every claim is legacy (some sets may already carry a schemaVersion): Porter can migrate it.</summary>
        Missing,

        /// <summary>
        /// No schema.json, but the data is already in the current layout (spec E1), or at least the installations are
        /// (legacy sets beside them): Porter's own migrator gets stuck on the installations.
        /// </summary>
        MissingCurrentLayout,

        /// <summary>No schema.json; some installations are current and some claims legacy (a partial earlier run, spec E2).</summary>
        MissingMixedLayout,
    }

    /// <summary>One subsystem's stored and expected schema version.</summary>
    public sealed class PorterSchemaSubsystem
    {
        public PorterSchemaSubsystem(string name, string stored, string expected)
        {
            Name = name;
            Stored = stored;
            Expected = expected;
        }

        /// <summary><c>claims</c>, <c>credentials</c> or <c>parameters</c>.</summary>
        public string Name { get; }

        /// <summary>The stored version; empty when schema.json is missing or lacks the key.</summary>
        public string Stored { get; }

        public string Expected { get; }

        /// <summary>Plain string equality, as Porter compares.</summary>
        public bool IsCurrent => Stored == Expected;

        public override string ToString() => $"{Name}: {(Stored.Length == 0 ? "(none)" : Stored)}{(IsCurrent ? "" : " -> " + Expected)}";
    }

    /// <summary>The result of checking a home's schema (format §3).</summary>
    public sealed class PorterSchemaStatus
    {
        internal PorterSchemaStatus(string homePath, string? schemaPath, PorterSchemaState state, IReadOnlyList<PorterSchemaSubsystem> subsystems,
            bool migrationRequired, string reason, string storageLocation)
        {
            HomePath = homePath;
            SchemaPath = schemaPath;
            State = state;
            Subsystems = subsystems;
            MigrationRequired = migrationRequired;
            Reason = reason;
            StorageLocation = storageLocation;
        }

        public string HomePath { get; }

        /// <summary>Where the schema document was found, or null when missing.</summary>
        public string? SchemaPath { get; }

        public bool SchemaExists => SchemaPath != null;

        /// <summary>Where the data lives: the home folder, or a container URL.</summary>
        public string StorageLocation { get; }

        public PorterSchemaState State { get; }

        public IReadOnlyList<PorterSchemaSubsystem> Subsystems { get; }

        public bool MigrationRequired { get; }

        /// <summary>A sentence for people: why a migration is or is not required, and what to do.</summary>
        public string Reason { get; }

        public override string ToString() => $"{State}: {Reason}";
    }
}
