using System.Text.Json;

namespace PorterStorage.Core.Json
{
    /// <summary>
    /// How Go's <c>encoding/json</c> matches an object's keys to a struct's fields, which is how Porter reads every typed document
    /// (claims, credential sets, the schema): exactly, else case-insensitively (ASCII case, plus the Kelvin sign as <c>k</c> and the
    /// long s as <c>s</c>); every matching key is decoded in turn, so the last one wins. The one place that folds a key.
    /// </summary>
    public static class GoKeys
    {
        /// <summary>The key folded as Go folds it; compare with a field name in lower case.</summary>
        public static string Fold(string key)
        {
            var chars = key.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                chars[i] = c == '\u212A' ? 'k' : c == '\u017F' ? 's' : c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
            }
            return new string(chars);
        }

        /// <summary>
        /// What a string field named <paramref name="folded"/> (lower case) holds once Go has decoded <paramref name="root"/> into a
        /// struct: the last matching key's string (a null leaves the field as it was, empty). False with <paramref name="mistyped"/>
        /// when a matching key holds another type, which fails Go's decoding.
        /// </summary>
        public static bool TryReadString(JsonElement root, string folded, out string value, out bool mistyped)
        {
            value = string.Empty;
            mistyped = false;
            bool found = false;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            foreach (JsonProperty p in root.EnumerateObject())
            {
                if (Fold(p.Name) != folded)
                {
                    continue;
                }
                found = true;
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    value = p.Value.GetString()!;
                }
                else if (p.Value.ValueKind != JsonValueKind.Null)
                {
                    mistyped = true;
                }
            }
            return found && !mistyped;
        }
    }
}
