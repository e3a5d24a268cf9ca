using System.Collections.Generic;
using System.Threading;

namespace PorterStorage.Core.Verification
{
    /// <summary>Porter's "migration required" rules (format §3) over any store, never writing.</summary>
    public static class SchemaInspector
    {
        /// <summary>Reads the schema document; null when it does not exist. Raises <c>SchemaParseError</c>.</summary>
        public static PorterSchemaDocument? ReadSchema(IPorterStore store, out string? location, CancellationToken cancellationToken = default)
        {
            byte[]? content = store.Read(ItemTypes.Root, ItemTypes.SchemaName, out location, cancellationToken);
            return content == null ? null : PorterSchemaDocument.Parse(content, location!);
        }

        /// <summary>
        /// Evaluates the schema of a store. <paramref name="counts"/> tells the legacy and current items apart,
        /// so that the case Porter gets stuck on (schema.json lost, data already current) is named.
        /// </summary>
        public static PorterSchemaStatus Evaluate(string homePath, IPorterStore store, PorterItemCounts counts, CancellationToken cancellationToken = default)
        {
            PorterSchemaDocument? doc = ReadSchema(store, out string? location, cancellationToken);
            PorterSchemaState state;
            string reason;
            bool required;

            if (doc != null)
            {
                if (doc.IsCurrent)
                {
                    state = PorterSchemaState.Current;
                    required = false;
                    reason = "The schema is current; Porter v0.28–v0.38 can use this data.";
                }
                else
                {
                    state = PorterSchemaState.Outdated;
                    required = true;
                    reason = "The stored schema is older than Porter v0.28–v0.38 expects; run Invoke-PorterStorageMigration after a backup.";
                }
            }
            else
            {
                doc = PorterSchemaDocument.Empty;
                if (IsEmptyForPorter(store, cancellationToken))
                {
                    state = PorterSchemaState.EmptyHome;
                    required = false;
                    reason = counts.YamlCredentials > 0
                        ? $"No schema document and no data Porter can see: Porter writes a current schema on first use. {counts.YamlCredentials} YAML credential set(s) from Porter ≤ v0.22 are ignored by Porter; the migration converts them."
                        : "No schema document and no data: Porter writes a current schema on first use.";
                }
                else if (counts.LegacyTotal == 0)
                {
                    state = PorterSchemaState.MissingCurrentLayout;
                    required = true;
                    reason = HasCurrentClaims(counts)
                        ? "The schema document is missing but the data is already in the current layout. Porter demands a migration and its own migrator fails on every installation; Invoke-PorterStorageMigration only writes the schema."
                        : "The schema document is missing but the data is already in the current layout. Porter demands a migration; Invoke-PorterStorageMigration only writes the schema.";
                }
                else if (!HasCurrentClaims(counts))
                {
                    // Every claim (if any) is legacy: Porter's migrator handles this home, whether or not some sets
                    // already carry a schemaVersion (it leaves those alone).
                    state = PorterSchemaState.Missing;
                    required = true;
                    reason = "The data is in the pre-v0.28 layout; back it up and run Invoke-PorterStorageMigration.";
                }
                else if (counts.LegacyClaims == 0)
                {
                    state = PorterSchemaState.MissingCurrentLayout;
                    required = true;
                    reason = "The schema document is missing but the installations are already in the current layout. Porter demands a migration and its own migrator fails on every installation; Invoke-PorterStorageMigration migrates the remaining credential and parameter sets and writes the schema.";
                }
                else
                {
                    state = PorterSchemaState.MissingMixedLayout;
                    required = true;
                    reason = "The schema document is missing and the installations are partly migrated (an interrupted earlier run?). Porter's own migrator cannot finish this; Invoke-PorterStorageMigration migrates the rest.";
                }
            }

            var subsystems = new List<PorterSchemaSubsystem>
            {
                new PorterSchemaSubsystem("claims", doc.Claims, SchemaVersions.Claims),
                new PorterSchemaSubsystem("credentials", doc.Credentials, SchemaVersions.Credentials),
                new PorterSchemaSubsystem("parameters", doc.Parameters, SchemaVersions.Parameters),
            };
            return new PorterSchemaStatus(homePath, location, state, subsystems, required, reason, store.Location);
        }

        /// <summary>
        /// Porter's "empty home" (format §3, step 3): with no schema document, a store whose claims, credentials and parameters hold
        /// no item Porter lists (in a folder: no <c>.json</c> file and no sub-folder; YAML and other files do not count). Porter
        /// writes a current schema into it as it loads the schema, before any migration.
        /// </summary>
        public static bool IsEmptyForPorter(IPorterStore store, CancellationToken cancellationToken = default) =>
            store.List(ItemTypes.Claims, null, cancellationToken).Count
            + store.List(ItemTypes.Credentials, null, cancellationToken).Count
            + store.List(ItemTypes.Parameters, null, cancellationToken).Count == 0;

        /// <summary>Any installation already in the current layout (index entry, claim folder, result or output).</summary>
        private static bool HasCurrentClaims(PorterItemCounts counts) =>
            counts.Installations + counts.InstallationFolders + counts.Claims + counts.Results + counts.Outputs > 0;
    }
}
