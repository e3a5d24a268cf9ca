using System.Text.Json;

namespace PorterStorage.Core.Model
{
    /// <summary>
    /// Porter's rule for telling a migrated document from a legacy one by its <c>schemaVersion</c> (format §3). The one
    /// place that looks the key up.
    /// </summary>
    public static class PorterDocuments
    {
        /// <summary>Legacy documents larger than this are refused rather than read into memory.</summary>
        public const int MaxDocumentBytes = 256 * 1024 * 1024;

        /// <summary>The document-level key that holds a document's schema version.</summary>
        public const string SchemaVersionProperty = "schemaVersion";

        /// <summary>
        /// The key lower-cased, for the typed readers: Go's encoding/json matches a struct field's key case-insensitively,
        /// so they switch on the lower-cased name.
        /// </summary>
        public const string SchemaVersionFolded = "schemaversion";

        /// <summary>
        /// True when <paramref name="root"/> counts as migrated. With <paramref name="typed"/> (credential sets, which Porter reads
        /// into a struct) the key matches as Go matches a field (case-insensitively, the last one winning) and its string must be
        /// non-empty; without it (parameter sets, which Porter reads as a map) the exact key's presence is enough, whatever its value.
        /// </summary>
        public static bool HasSchemaVersion(JsonElement root, bool typed)
        {
            if (!typed)
            {
                return root.ValueKind == JsonValueKind.Object && root.TryGetProperty(SchemaVersionProperty, out _);
            }
            return GoKeys.TryReadString(root, SchemaVersionFolded, out string value, out _) && value.Length > 0;
        }

        /// <summary>What the verifiers say of a set without a schemaVersion (by <see cref="HasSchemaVersion"/>).</summary>
        public static string NotMigrated(string document) => $"'{document}' has no {SchemaVersionProperty}; it has not been migrated.";

        /// <summary>
        /// A claim's rule (migration step 3): Porter peeks at the claim's schemaVersion through a struct, so the key matches as Go
        /// matches a field (case-insensitively, the last one winning). The claim is versioned unless that leaves the string empty
        /// (the key missing, null or ""); a value of another type fails the peek, which Porter counts as versioned too.
        /// <paramref name="root"/> is an object.
        /// </summary>
        public static bool ClaimHasSchemaVersion(JsonElement root)
        {
            bool found = GoKeys.TryReadString(root, SchemaVersionFolded, out string value, out bool mistyped);
            return mistyped || (found && value.Length > 0);
        }
    }
}
