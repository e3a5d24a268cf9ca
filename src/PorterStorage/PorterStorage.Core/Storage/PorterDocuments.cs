using System.Text.Json;

namespace PorterStorage.Core.Storage
{
    /// <summary>
    /// Porter's rule for telling a migrated document from a legacy one by its <c>schemaVersion</c> (format §3). The one
    /// place that looks the key up.
    /// </summary>
    public static class PorterDocuments
    {
        /// <summary>The document-level key that holds a document's schema version.</summary>
        public const string SchemaVersionProperty = "schemaVersion";

        /// <summary>
        /// The key lower-cased, for the typed readers: Go's encoding/json matches a struct field's key case-insensitively,
        /// so they switch on the lower-cased name.
        /// </summary>
        public const string SchemaVersionFolded = "schemaversion";

        /// <summary>
        /// True when <paramref name="root"/> is an object with the key. With <paramref name="requireValue"/> (credential
        /// sets, which Porter reads typed) the value must be a non-empty string; without it (parameter sets, which Porter
        /// reads as a map) the key's presence is enough, whatever its value.
        /// </summary>
        public static bool HasSchemaVersion(JsonElement root, bool requireValue) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(SchemaVersionProperty, out JsonElement v)
            && (!requireValue || (v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0));

        /// <summary>What the verifiers say of a set without a schemaVersion (by <see cref="HasSchemaVersion"/>).</summary>
        public static string NotMigrated(string document) => $"'{document}' has no {SchemaVersionProperty}; it has not been migrated.";

        /// <summary>
        /// A claim's rule (migration step 3): a claim is versioned unless the key is missing, null or the empty string (a
        /// number or an object still counts as versioned). <paramref name="root"/> is an object.
        /// </summary>
        public static bool ClaimHasSchemaVersion(JsonElement root) =>
            root.TryGetProperty(SchemaVersionProperty, out JsonElement sv)
            && sv.ValueKind != JsonValueKind.Null
            && !(sv.ValueKind == JsonValueKind.String && sv.GetString()!.Length == 0);
    }
}
