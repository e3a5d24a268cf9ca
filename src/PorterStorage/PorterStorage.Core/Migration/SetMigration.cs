using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace PorterStorage.Core.Migration
{
    /// <summary>A credential or parameter set to rewrite: its name and new content.</summary>
    public sealed class SetRewrite
    {
        public SetRewrite(string name, byte[] content)
        {
            Name = name;
            Content = content;
        }

        /// <summary>The set's name (credential sets are saved under it).</summary>
        public string Name { get; }

        public byte[] Content { get; }

        /// <summary>The content <see cref="Content"/> is meant to hold (see <see cref="WrittenDocumentGuard"/>); null: strict re-read only.</summary>
        public object? Expected { get; set; }
    }

    /// <summary>Credential and parameter set rules (format §6, §8) and the YAML conversion of Porter ≤ v0.22 (E8).</summary>
    public static class SetMigration
    {

        /// <summary>
        /// A credential set as Porter reads it (typed). Null when its schemaVersion is set (left alone); otherwise the
        /// current document: schemaVersion, name, created, modified, credentials, then any other fields as they were.
        /// Raises <c>CredentialSetParseError</c> naming <paramref name="path"/>.
        /// </summary>
        public static SetRewrite? MigrateCredentialSet(byte[] content, string path, string fileName)
        {
            using JsonDocument doc = ParseObject(content, path, ErrorIds.CredentialSetParseError, "credential set");
            // A copy that outlives the document: the expected content (checked before the store writes) refers to it.
            JsonElement root = doc.RootElement.Clone();
            string schemaVersion = string.Empty, name = string.Empty, created = GoTime.Zero, modified = GoTime.Zero;
            JsonElement? credentials = null;
            var others = new List<JsonProperty>();
            foreach (JsonProperty p in root.EnumerateObject())
            {
                switch (GoKeys.Fold(p.Name))
                {
                    case PorterDocuments.SchemaVersionFolded:
                        schemaVersion = Text(p, path, ErrorIds.CredentialSetParseError) ?? schemaVersion;
                        break;
                    case "name":
                        name = Text(p, path, ErrorIds.CredentialSetParseError) ?? name;
                        break;
                    case "created":
                        created = Time(p, path, ErrorIds.CredentialSetParseError) ?? created;
                        break;
                    case "modified":
                        modified = Time(p, path, ErrorIds.CredentialSetParseError) ?? modified;
                        break;
                    case "credentials":
                        if (p.Value.ValueKind == JsonValueKind.Array)
                        {
                            credentials = p.Value;
                        }
                        else if (p.Value.ValueKind == JsonValueKind.Null)
                        {
                            // Go sets a slice to nil for a JSON null: a later null empties what an earlier key gave.
                            credentials = null;
                        }
                        else
                        {
                            throw SetError(ErrorIds.CredentialSetParseError, path, "\"credentials\" is not a list");
                        }
                        break;
                    default:
                        others.Add(p);
                        break;
                }
            }
            if (schemaVersion.Length > 0)
            {
                return null;
            }

            var w = new GoJsonWriter(indented: true).StartObject()
                .Property(PorterDocuments.SchemaVersionProperty, SchemaVersions.CredentialSetDocument);
            string setName = name.Length > 0 ? name : fileName;
            w.Property("name", setName).Property("created", created).Property("modified", modified).Name("credentials");
            var expected = new ExpectedObject().Add(PorterDocuments.SchemaVersionProperty, SchemaVersions.CredentialSetDocument)
                .Add("name", setName).Add("created", created).Add("modified", modified);
            if (credentials == null)
            {
                w.Null();
                expected.Add("credentials", null);
            }
            else
            {
                var list = new ExpectedArray();
                w.StartArray();
                foreach (JsonElement item in credentials.Value.EnumerateArray())
                {
                    list.Add(WriteStrategy(w, item, path));
                }
                w.EndArray();
                expected.Add("credentials", list);
            }
            foreach (JsonProperty p in others)
            {
                w.Name(p.Name).PassThrough(p.Value);
                expected.Add(p.Name, p.Value);
            }
            return new SetRewrite(setName, w.EndObject().ToUtf8()) { Expected = expected };
        }

        /// <summary>Writes one credential and returns what it must hold.</summary>
        private static ExpectedObject WriteStrategy(GoJsonWriter w, JsonElement item, string path)
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw SetError(ErrorIds.CredentialSetParseError, path, "a credential is not an object");
            }
            string name = string.Empty;
            string? key = null, value = null;
            var others = new List<JsonProperty>();
            foreach (JsonProperty p in item.EnumerateObject())
            {
                switch (GoKeys.Fold(p.Name))
                {
                    case "name":
                        name = Text(p, path, ErrorIds.CredentialSetParseError) ?? name;
                        break;
                    case "source":
                        // A repeated "source" replaces the earlier one, as in Go.
                        key = null;
                        value = null;
                        if (p.Value.ValueKind == JsonValueKind.Null)
                        {
                            break;
                        }
                        if (p.Value.ValueKind != JsonValueKind.Object)
                        {
                            throw SetError(ErrorIds.CredentialSetParseError, path, $"the source of credential \"{name}\" is not an object");
                        }
                        foreach (JsonProperty s in p.Value.EnumerateObject())
                        {
                            if (key != null)
                            {
                                throw SetError(ErrorIds.CredentialSetParseError, path, $"the source of credential \"{name}\" has more than one key");
                            }
                            if (s.Value.ValueKind != JsonValueKind.String)
                            {
                                throw SetError(ErrorIds.CredentialSetParseError, path, $"the source of credential \"{name}\" is not a string");
                            }
                            key = s.Name;
                            value = s.Value.GetString();
                        }
                        break;
                    default:
                        others.Add(p);
                        break;
                }
            }
            w.StartObject().Property("name", name).Name("source");
            var expected = new ExpectedObject().Add("name", name);
            if (key == null)
            {
                w.Null();
                expected.Add("source", null);
            }
            else
            {
                w.StartObject().Property(key, value!).EndObject();
                expected.Add("source", new ExpectedObject().Add(key, value));
            }
            foreach (JsonProperty p in others)
            {
                w.Name(p.Name).PassThrough(p.Value);
                expected.Add(p.Name, p.Value);
            }
            w.EndObject();
            return expected;
        }

        /// <summary>
        /// A parameter set as Porter migrates it (generic): null when the key schemaVersion is present (any value);
        /// otherwise compact JSON, keys sorted at every level, numbers through float64, schemaVersion added.
        /// Raises <c>ParameterSetParseError</c> naming <paramref name="path"/>.
        /// </summary>
        public static SetRewrite? MigrateParameterSet(byte[] content, string path, string fileName)
        {
            using JsonDocument doc = ParseObject(content, path, ErrorIds.ParameterSetParseError, "parameter set");
            JsonElement root = doc.RootElement.Clone();
            if (PorterDocuments.HasSchemaVersion(root, typed: false))
            {
                return null;
            }
            var w = new GoJsonWriter(indented: false).StartObject();
            bool written = false;
            foreach (JsonProperty p in GoJsonWriter.SortedProperties(root))
            {
                if (!written && Utf8Order.Instance.Compare(PorterDocuments.SchemaVersionProperty, p.Name) < 0)
                {
                    w.Property(PorterDocuments.SchemaVersionProperty, SchemaVersions.ParameterSetDocument);
                    written = true;
                }
                w.Name(p.Name).Generic(p.Value);
            }
            if (!written)
            {
                w.Property(PorterDocuments.SchemaVersionProperty, SchemaVersions.ParameterSetDocument);
            }
            string name = root.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : fileName;
            return new SetRewrite(name, w.EndObject().ToUtf8())
            {
                Expected = new ExpectedObject().AddAll(root).Add(PorterDocuments.SchemaVersionProperty, SchemaVersions.ParameterSetDocument),
            };
        }

        /// <summary>
        /// Converts a YAML credential set (Porter ≤ v0.22) as v0.23–v0.27 did — read as gopkg.in/yaml.v2 reads it
        /// (<see cref="YamlCredentialReader"/>), created and modified are the file's time — straight into the current
        /// document. The written document is read back: every non-empty value of the source must be in it.
        /// Raises <c>CredentialSetParseError</c>, <c>YamlUnsupported</c>, <c>YamlValueLost</c>.
        /// </summary>
        public static SetRewrite ConvertYamlCredentialSet(byte[] content, string path, string fileName, DateTime modifiedUtc)
        {
            YamlCredentialSet set = YamlCredentialReader.Read(content, path);
            string name = set.Name.Length > 0 ? set.Name : fileName;
            string stamp = Stamp(modifiedUtc);
            var w = new GoJsonWriter(indented: true).StartObject()
                .Property(PorterDocuments.SchemaVersionProperty, SchemaVersions.CredentialSetDocument)
                .Property("name", name).Property("created", stamp).Property("modified", stamp).Name("credentials");
            if (set.Credentials == null)
            {
                w.Null();
            }
            else
            {
                w.StartArray();
                foreach (YamlCredential credential in set.Credentials)
                {
                    w.StartObject().Property("name", credential.Name).Name("source");
                    if (credential.SourceKey == null)
                    {
                        w.Null();
                    }
                    else
                    {
                        w.StartObject().Property(credential.SourceKey, credential.SourceValue ?? string.Empty).EndObject();
                    }
                    w.EndObject();
                }
                w.EndArray();
            }
            byte[] converted = w.EndObject().ToUtf8();
            RequireKept(set, converted, path);
            return new SetRewrite(name, converted);
        }

        /// <summary>Never write an empty value that was not empty: every non-empty scalar of the source is in the document.</summary>
        private static void RequireKept(YamlCredentialSet set, byte[] converted, string path)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var values = new HashSet<string>(StringComparer.Ordinal);
            using (JsonDocument doc = JsonDocument.Parse(converted))
            {
                CollectStrings(doc.RootElement, keys, values);
            }
            foreach (YamlCredentialReader.SourceScalar scalar in set.Scalars)
            {
                if (!(scalar.IsKey ? keys : values).Contains(scalar.Text))
                {
                    throw SetError(ErrorIds.YamlValueLost, path,
                        $"the value at line {scalar.At.Line}, column {scalar.At.Column} would not be in the converted credential set");
                }
            }
        }

        private static void CollectStrings(JsonElement element, HashSet<string> keys, HashSet<string> values)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (JsonProperty p in element.EnumerateObject())
                    {
                        keys.Add(p.Name);
                        CollectStrings(p.Value, keys, values);
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        CollectStrings(item, keys, values);
                    }
                    break;
                case JsonValueKind.String:
                    values.Add(element.GetString()!);
                    break;
            }
        }

        /// <summary>A UTC time as Go prints it: RFC 3339, fraction without trailing zeros, Z.</summary>
        public static string Stamp(DateTime utc)
        {
            string text = utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
            return text + "Z";
        }

        private static JsonDocument ParseObject(byte[] content, string path, string errorId, string what)
        {
            JsonDocument doc = GoJson.Parse(content, errorId, (id, detail) => SetError(id, path, detail));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                throw SetError(errorId, path, $"the {what} is not a JSON object");
            }
            return doc;
        }

        /// <summary>A string field's value, or null for a JSON null, which Go's decoder skips (the field keeps what an earlier key gave it).</summary>
        private static string? Text(JsonProperty p, string path, string errorId) =>
            p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!
            : p.Value.ValueKind == JsonValueKind.Null ? null
            : throw SetError(errorId, path, $"the field \"{p.Name}\" is not a string");

        /// <summary>A time field's value, or null for a JSON null (skipped, as for <see cref="Text"/>).</summary>
        private static string? Time(JsonProperty p, string path, string errorId)
        {
            if (p.Value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (p.Value.ValueKind != JsonValueKind.String || !GoTime.TryNormalize(p.Value.GetString()!, out string t))
            {
                throw SetError(errorId, path, $"the field \"{p.Name}\" is not an RFC 3339 timestamp");
            }
            return t;
        }

        internal static PorterStorageException SetError(string id, string path, string detail) =>
            new PorterStorageException(id, PorterErrorKind.InvalidData, path, $"'{path}' cannot be migrated: {detail}.");
    }
}
