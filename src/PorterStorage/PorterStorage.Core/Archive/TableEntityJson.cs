using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace PorterStorage.Core.Archive
{
    /// <summary>
    /// The one canonical JSON form of a table entity that table backups hold (every property with its EDM type, every value as a
    /// string that reads back exactly), and the check each backup entry must pass before a restore writes anything.
    /// </summary>
    public static class TableEntityJson
    {
        /// <summary>The largest entity a backup entry may hold (an entity of the service is at most 1 MiB; its JSON here a few times that).</summary>
        public const long MaxEntryBytes = 4L * 1024 * 1024;

        /// <summary>
        /// What is wrong with a table backup's entry, or null: it must be an entity in the canonical JSON whose escaped keys are
        /// its recorded path. Test-PorterBackup and every restore apply it to each entry before anything is written.
        /// </summary>
        public static string? EntryProblem(string recordedPath, byte[] content)
        {
            try
            {
                PorterTableEntity entity = FromJson(content);
                return entity.Key == recordedPath ? null : $"it holds the entity '{entity.Key}', not the one its name records";
            }
            catch (InvalidDataException ex)
            {
                return "it is not an entity: " + ex.Message;
            }
        }

        /// <summary>
        /// The canonical JSON of an entity (UTF-8): <c>{"PartitionKey":…,"RowKey":…,"properties":[{"name":…,"type":…,"value":…}]}</c>,
        /// every value as a string (base64 for binary, round-trip forms for numbers and times), so that it reads back exactly.
        /// </summary>
        public static byte[] ToJson(PorterTableEntity entity)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("PartitionKey", entity.PartitionKey);
                json.WriteString("RowKey", entity.RowKey);
                json.WriteStartArray("properties");
                foreach (TableProperty p in entity.Properties)
                {
                    json.WriteStartObject();
                    json.WriteString("name", p.Name);
                    json.WriteString("type", p.EdmType);
                    json.WriteString("value", ValueText(p));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            return buffer.ToArray();
        }

        private static string ValueText(TableProperty p) => p.Value switch
        {
            string s => s,
            byte[] b => Convert.ToBase64String(b),
            bool v => v ? "true" : "false",
            DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            double v => v.ToString("R", CultureInfo.InvariantCulture),
            Guid g => g.ToString("D"),
            int v => v.ToString(CultureInfo.InvariantCulture),
            long v => v.ToString(CultureInfo.InvariantCulture),
            _ => throw new ArgumentException($"A table property cannot hold a {p.Value.GetType().Name}."),
        };

        /// <summary>An entity from its canonical JSON; raises <see cref="InvalidDataException"/> naming what is wrong.</summary>
        public static PorterTableEntity FromJson(byte[] utf8)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(utf8);
                JsonElement root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException("an entity is not a JSON object");
                }
                string pk = Text(root, "PartitionKey"), rk = Text(root, "RowKey");
                if (!root.TryGetProperty("properties", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidDataException($"the entity '{pk}/{rk}' has no properties array");
                }
                var properties = new List<TableProperty>();
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (JsonElement p in list.EnumerateArray())
                {
                    if (p.ValueKind != JsonValueKind.Object)
                    {
                        throw new InvalidDataException($"a property of '{pk}/{rk}' is not an object");
                    }
                    string name = Text(p, "name"), type = Text(p, "type"), value = Text(p, "value");
                    if (name.Length == 0 || name.EndsWith("@odata.type", StringComparison.Ordinal) || name.StartsWith("odata.", StringComparison.Ordinal))
                    {
                        throw new InvalidDataException($"the entity '{pk}/{rk}' has a property named '{name}', which no table property is");
                    }
                    if (!names.Add(name) || name == "PartitionKey" || name == "RowKey" || name == "Timestamp")
                    {
                        throw new InvalidDataException($"the entity '{pk}/{rk}' repeats or reserves the property '{name}'");
                    }
                    properties.Add(new TableProperty(name, type, ParseValue(type, value, pk + "/" + rk + " " + name)));
                }
                return new PorterTableEntity(pk, rk, properties);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException("an entity is not valid JSON (" + ex.Message + ")", ex);
            }
        }

        private static object ParseValue(string type, string text, string what)
        {
            bool ok;
            object value;
            switch (type)
            {
                case TableProperty.EdmString:
                    return text;
                case TableProperty.EdmBinary:
                    try
                    {
                        return Convert.FromBase64String(text);
                    }
                    catch (FormatException)
                    {
                        throw new InvalidDataException($"{what}: the binary value is not base64");
                    }
                case TableProperty.EdmBoolean:
                    ok = text == "true" || text == "false";
                    value = text == "true";
                    break;
                case TableProperty.EdmDateTime:
                    ok = DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t);
                    value = t;
                    break;
                case TableProperty.EdmDouble:
                    ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d);
                    value = d;
                    break;
                case TableProperty.EdmGuid:
                    ok = Guid.TryParseExact(text, "D", out Guid g);
                    value = g;
                    break;
                case TableProperty.EdmInt32:
                    ok = int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i);
                    value = i;
                    break;
                case TableProperty.EdmInt64:
                    ok = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l);
                    value = l;
                    break;
                default:
                    throw new InvalidDataException($"{what}: '{type}' is not a table property type");
            }
            if (!ok)
            {
                throw new InvalidDataException($"{what}: '{text}' is not a {type}");
            }
            return value;
        }

        private static string Text(JsonElement e, string name) =>
            e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String
                ? v.GetString()!
                : throw new InvalidDataException($"'{name}' is missing or not a string");
    }
}
