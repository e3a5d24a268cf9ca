using System.Text.Json;

namespace PorterStorage.Core.Migration
{
    /// <summary>
    /// Whether a current-layout claim is the migrated last action of a legacy claim, so that the legacy file is a leftover
    /// of an interrupted earlier migration (format §5, E3) and may be removed as a duplicate.
    /// </summary>
    public static class ClaimStamp
    {
        /// <summary>
        /// True only when <paramref name="currentClaim"/> holds what migrating <paramref name="legacy"/> writes as its last action:
        /// the same time and action, and the same bundle and parameters under Go's rules. A placeholder install claim written
        /// for another legacy claim of the installation has no parameters of its own, so it is no match for a claim that has
        /// some. The claim's id is returned, for the caller to check that the legacy outputs are in its results too.
        /// </summary>
        public static bool IsMigrationOf(byte[] currentClaim, LegacyClaim legacy, out string claimId)
        {
            claimId = string.Empty;
            try
            {
                using JsonDocument doc = JsonDocument.Parse(currentClaim, GoJson.DocumentOptions);
                JsonElement root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }
                string created = root.TryGetProperty("created", out JsonElement c) && c.ValueKind == JsonValueKind.String
                                 && GoTime.TryNormalize(c.GetString()!, out string n) ? n : string.Empty;
                string action = root.TryGetProperty("action", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : string.Empty;
                claimId = root.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : string.Empty;
                return created == legacy.Modified && action == legacy.Action
                       && root.TryGetProperty("bundle", out JsonElement bundle) && GoJsonCompare.FirstDifference(bundle, legacy.Bundle) == null
                       && SameParameters(root, legacy.Parameters);
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private static bool SameParameters(JsonElement claim, JsonElement? legacy)
        {
            bool has = claim.TryGetProperty("parameters", out JsonElement parameters) && parameters.ValueKind != JsonValueKind.Null;
            bool legacyHas = legacy.HasValue && legacy.Value.ValueKind != JsonValueKind.Null;
            if (!has || !legacyHas)
            {
                // An empty set of parameters is written as none at all.
                return (!has || IsEmptyObject(parameters)) && (!legacyHas || IsEmptyObject(legacy!.Value));
            }
            return GoJsonCompare.FirstDifference(parameters, legacy!.Value) == null;
        }

        private static bool IsEmptyObject(JsonElement e) => e.ValueKind == JsonValueKind.Object && !e.EnumerateObject().GetEnumerator().MoveNext();
    }
}
