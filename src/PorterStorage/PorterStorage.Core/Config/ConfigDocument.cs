using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using Tomlyn;
using Tomlyn.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PorterStorage.Core.Config
{
    /// <summary>
    /// Parses a config file into a neutral tree: case-insensitive dictionaries (viper folds keys to lower
    /// case), lists and scalars (string, bool, long, double, DateTimeOffset).
    /// </summary>
    internal static class ConfigDocument
    {
        public static Dictionary<string, object?> Parse(string text, PorterConfigFormat format, string path)
        {
            switch (format)
            {
                case PorterConfigFormat.Json:
                    return ParseJson(text, path);
                case PorterConfigFormat.Toml:
                    return ParseToml(text, path);
                case PorterConfigFormat.Yaml:
                case PorterConfigFormat.Yml:
                    return ParseYaml(text, path);
                default:
                    throw new PorterStorageException(ErrorIds.ConfigFormatUnsupported, PorterErrorKind.NotImplemented, path,
                        $"The config file '{path}' is in the '{format.ToString().ToLowerInvariant()}' format, which PorterStorage does not read. Convert it to TOML, YAML or JSON.");
            }
        }

        private static PorterStorageException ParseError(string path, long line, long column, string detail, Exception? inner) =>
            new PorterStorageException(ErrorIds.ConfigParseError, PorterErrorKind.InvalidData, path,
                $"The config file '{path}' could not be parsed at line {line}, column {column}: {detail}", inner);

        private static Dictionary<string, object?> NewTable() => new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);

        private static Dictionary<string, object?> ParseJson(string text, string path)
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow });
            }
            catch (JsonException ex)
            {
                // JsonException positions are zero-based; report them the way editors count.
                throw ParseError(path, (ex.LineNumber ?? 0) + 1, (ex.BytePositionInLine ?? 0) + 1, FirstSentence(ex.Message), ex);
            }

            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw ParseError(path, 1, 1, $"the document is a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object", null);
                }
                return (Dictionary<string, object?>)FromJson(doc.RootElement)!;
            }
        }

        private static object? FromJson(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    var table = NewTable();
                    foreach (JsonProperty p in e.EnumerateObject())
                    {
                        table[p.Name] = FromJson(p.Value);
                    }
                    return table;
                case JsonValueKind.Array:
                    var list = new List<object?>();
                    foreach (JsonElement item in e.EnumerateArray())
                    {
                        list.Add(FromJson(item));
                    }
                    return list;
                case JsonValueKind.String:
                    return e.GetString();
                case JsonValueKind.Number:
                    return e.TryGetInt64(out long l) ? l : (object)e.GetDouble();
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }

        private static Dictionary<string, object?> ParseToml(string text, string path)
        {
            TomlTable table;
            try
            {
                table = TomlSerializer.Deserialize<TomlTable>(text)!;
            }
            catch (TomlException ex)
            {
                // Tomlyn reports one-based positions.
                throw ParseError(path, ex.Line ?? 1, ex.Column ?? 1, FirstDiagnostic(ex), ex);
            }
            return (Dictionary<string, object?>)FromToml(table)!;
        }

        private static string FirstDiagnostic(TomlException ex)
        {
            if (ex.Diagnostics != null)
            {
                foreach (var d in ex.Diagnostics)
                {
                    return d.Message;
                }
            }
            return FirstSentence(ex.Message);
        }

        private static object? FromToml(object? value)
        {
            switch (value)
            {
                case TomlTable t:
                    var table = NewTable();
                    foreach (KeyValuePair<string, object> kv in t)
                    {
                        table[kv.Key] = FromToml(kv.Value);
                    }
                    return table;
                case TomlTableArray ta:
                    var tables = new List<object?>();
                    foreach (TomlTable t in ta)
                    {
                        tables.Add(FromToml(t));
                    }
                    return tables;
                case TomlArray a:
                    var list = new List<object?>();
                    foreach (object? item in a)
                    {
                        list.Add(FromToml(item));
                    }
                    return list;
                case int i:
                    return (long)i;
                default:
                    return value;
            }
        }

        private static Dictionary<string, object?> ParseYaml(string text, string path)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlException ex)
            {
                throw ParseError(path, ex.Start.Line, ex.Start.Column, FirstSentence(ex.Message), ex);
            }

            if (stream.Documents.Count == 0)
            {
                return NewTable();
            }

            YamlNode root = stream.Documents[0].RootNode;
            if (root is YamlScalarNode s && string.IsNullOrEmpty(s.Value))
            {
                return NewTable();
            }
            if (!(root is YamlMappingNode))
            {
                throw ParseError(path, root.Start.Line, root.Start.Column, "the document is not a mapping of keys to values", null);
            }
            return (Dictionary<string, object?>)FromYaml(root)!;
        }

        private static object? FromYaml(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode m:
                    var table = NewTable();
                    foreach (KeyValuePair<YamlNode, YamlNode> kv in m.Children)
                    {
                        string key = kv.Key is YamlScalarNode k ? k.Value ?? string.Empty : kv.Key.ToString();
                        table[key] = FromYaml(kv.Value);
                    }
                    return table;
                case YamlSequenceNode seq:
                    var list = new List<object?>();
                    foreach (YamlNode item in seq.Children)
                    {
                        list.Add(FromYaml(item));
                    }
                    return list;
                case YamlScalarNode scalar:
                    return TypedScalar(scalar);
                default:
                    return null;
            }
        }

        private static object? TypedScalar(YamlScalarNode scalar)
        {
            string? v = scalar.Value;
            if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain || v == null)
            {
                return v;
            }
            switch (v)
            {
                case "":
                case "~":
                case "null":
                case "Null":
                case "NULL":
                    return null;
                case "true":
                case "True":
                case "TRUE":
                    return true;
                case "false":
                case "False":
                case "FALSE":
                    return false;
            }
            if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            {
                return l;
            }
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
            {
                return d;
            }
            return v;
        }

        private static string FirstSentence(string message)
        {
            int nl = message.IndexOfAny(new[] { '\r', '\n' });
            return nl > 0 ? message.Substring(0, nl) : message;
        }

        /// <summary>Renders a scalar the way viper's GetString would.</summary>
        public static string? AsString(object? value)
        {
            switch (value)
            {
                case null:
                    return null;
                case string s:
                    return s;
                case bool b:
                    return b ? "true" : "false";
                case IFormattable f:
                    return f.ToString(null, CultureInfo.InvariantCulture);
                default:
                    return null;
            }
        }

        internal static string DecodeText(byte[] bytes)
        {
            // A UTF-8 BOM is tolerated, as viper's decoders do.
            int offset = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            return new UTF8Encoding(false, false).GetString(bytes, offset, bytes.Length - offset);
        }
    }
}

namespace PorterStorage
{
    /// <summary>The config file formats Porter's config loader (viper) reads, in its search order.</summary>
    public enum PorterConfigFormat
    {
        Json,
        Toml,
        Yaml,
        Yml,
        Properties,
        Props,
        Prop,
        Hcl,
        Dotenv,
        Env,
        Ini,
    }
}
