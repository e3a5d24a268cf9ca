using System;
using System.Text.Json;

namespace PorterStorage
{
    /// <summary>The content of schema.json, decoded as Porter's Go struct decoder does.</summary>
    public sealed class PorterSchemaDocument
    {
        public PorterSchemaDocument(string claims, string credentials, string parameters)
        {
            Claims = claims;
            Credentials = credentials;
            Parameters = parameters;
        }

        public string Claims { get; }

        public string Credentials { get; }

        public string Parameters { get; }

        /// <summary>What Porter holds when schema.json is missing from a non-empty home: all versions empty.</summary>
        public static PorterSchemaDocument Empty { get; } = new PorterSchemaDocument(string.Empty, string.Empty, string.Empty);

        public static PorterSchemaDocument Current { get; } =
            new PorterSchemaDocument(SchemaVersions.Claims, SchemaVersions.Credentials, SchemaVersions.Parameters);

        /// <summary>'current', 'none' (nothing recorded), or the three recorded versions.</summary>
        public override string ToString() =>
            IsCurrent ? "current"
            : Claims.Length == 0 && Credentials.Length == 0 && Parameters.Length == 0 ? "none"
            : $"claims '{Claims}', credentials '{Credentials}', parameters '{Parameters}'";

        public bool IsCurrent =>
            Claims == SchemaVersions.Claims && Credentials == SchemaVersions.Credentials && Parameters == SchemaVersions.Parameters;

        /// <summary>
        /// Decodes schema.json: unknown keys ignored, keys matched case-insensitively (exact spelling wins
        /// by order, last assignment wins), null values leave the version empty, any other non-string
        /// value, a non-object document, a byte-order mark or trailing data is an error, as in Porter.
        /// </summary>
        public static PorterSchemaDocument Parse(byte[] content, string path)
        {
            if (content.Length >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF)
            {
                throw Error(path, "the file starts with a UTF-8 byte-order mark, which Porter cannot parse", null);
            }

            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(content);
            }
            catch (JsonException ex)
            {
                throw Error(path, $"invalid JSON at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}", ex);
            }

            using (doc)
            {
                JsonElement root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Null)
                {
                    return Empty;
                }
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Error(path, $"the document is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object", null);
                }

                string claims = string.Empty, credentials = string.Empty, parameters = string.Empty;
                foreach (JsonProperty p in root.EnumerateObject())
                {
                    string key = GoKeys.Fold(p.Name);
                    if (key != "claims" && key != "credentials" && key != "parameters")
                    {
                        continue;
                    }
                    if (p.Value.ValueKind == JsonValueKind.Null)
                    {
                        continue;
                    }
                    if (p.Value.ValueKind != JsonValueKind.String)
                    {
                        throw Error(path, $"the value of \"{p.Name}\" is a JSON {p.Value.ValueKind.ToString().ToLowerInvariant()}, not a string", null);
                    }
                    string value = p.Value.GetString()!;
                    switch (key)
                    {
                        case "claims":
                            claims = value;
                            break;
                        case "credentials":
                            credentials = value;
                            break;
                        default:
                            parameters = value;
                            break;
                    }
                }
                return new PorterSchemaDocument(claims, credentials, parameters);
            }
        }

        private static PorterStorageException Error(string path, string detail, Exception? inner) =>
            new PorterStorageException(ErrorIds.SchemaParseError, PorterErrorKind.InvalidData, path,
                $"The storage schema document '{path}' could not be parsed: {detail}. Porter fails with 'could not parse storage schema document'.", inner);
    }
}
