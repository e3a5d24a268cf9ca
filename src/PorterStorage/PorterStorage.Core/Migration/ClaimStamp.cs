using System.Text.Json;
using PorterStorage.Core.Json;

namespace PorterStorage.Core.Migration
{
    /// <summary>When a current-layout claim was made and by which action: how a legacy claim is known to be migrated already (format §5).</summary>
    public sealed class ClaimStamp
    {
        private ClaimStamp(string created, string action)
        {
            Created = created;
            Action = action;
        }

        /// <summary>The claim's <c>created</c> time in Go's normal form; empty when it has none Go can read.</summary>
        public string Created { get; }

        public string Action { get; }

        /// <summary>The stamp of a claim document; null when it is not a JSON object.</summary>
        public static ClaimStamp? Read(byte[] claim)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(claim, GoJson.DocumentOptions);
                JsonElement root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }
                string created = root.TryGetProperty("created", out JsonElement c) && c.ValueKind == JsonValueKind.String
                                 && GoTime.TryNormalize(c.GetString()!, out string n) ? n : string.Empty;
                string action = root.TryGetProperty("action", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : string.Empty;
                return new ClaimStamp(created, action);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
