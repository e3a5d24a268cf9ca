using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace PorterStorage.Core.Migration
{
    /// <summary>One credential of a YAML credential set as gopkg.in/yaml.v2 decodes it into cnab-go's typed set.</summary>
    internal sealed class YamlCredential
    {
        public YamlCredential(string name, string? sourceKey, string? sourceValue)
        {
            Name = name;
            SourceKey = sourceKey;
            SourceValue = sourceValue;
        }

        public string Name { get; }

        /// <summary>Null when the source is empty (written as <c>null</c>).</summary>
        public string? SourceKey { get; }

        public string? SourceValue { get; }
    }

    /// <summary>A YAML credential set (Porter ≤ v0.22) as Porter v0.23–v0.27 read it.</summary>
    internal sealed class YamlCredentialSet
    {
        public YamlCredentialSet(string name, List<YamlCredential>? credentials, IReadOnlyList<YamlCredentialReader.SourceScalar> scalars)
        {
            Name = name;
            Credentials = credentials;
            Scalars = scalars;
        }

        /// <summary>The set's name; empty when the document has none.</summary>
        public string Name { get; }

        /// <summary>Null when the document has no (or a null) <c>credentials</c> list.</summary>
        public List<YamlCredential>? Credentials { get; }

        /// <summary>Every non-empty scalar (keys and values, aliases and merge keys resolved) the conversion must keep.</summary>
        public IReadOnlyList<YamlCredentialReader.SourceScalar> Scalars { get; }
    }

    /// <summary>
    /// Reads a YAML credential set exactly as Porter v0.23–v0.27 did (<c>yaml.Unmarshal</c> of gopkg.in/yaml.v2 into
    /// cnab-go's <c>CredentialSet</c>): aliases and merge keys (<c>&lt;&lt;: *a</c>, <c>&lt;&lt;: [*a, *b]</c>) are
    /// resolved, strings keep their text as written (<c>yes</c>, <c>0777</c> stay strings), a plain <c>~</c>/<c>null</c>/empty
    /// value is empty, <c>!!binary</c> is decoded. Where yaml.v2 would silently lose or change a value — a duplicate key, a
    /// merge that overrides a key written before it, a field the typed set does not have, a second document, another
    /// tag — the set is refused with <c>YamlUnsupported</c>; where yaml.v2 itself fails, with <c>CredentialSetParseError</c>.
    /// </summary>
    internal static partial class YamlCredentialReader
    {
        private const string MergeTag = "tag:yaml.org,2002:merge";
        private const string StrTag = "tag:yaml.org,2002:str";
        private const string BinaryTag = "tag:yaml.org,2002:binary";
        private const string MapTag = "tag:yaml.org,2002:map";
        private const string SeqTag = "tag:yaml.org,2002:seq";

        /// <summary>Nesting (and chains of merges) deeper than any credential set needs.</summary>
        internal const int MaxDepth = 64;

        /// <summary>Nodes visited while resolving aliases; more means an alias bomb.</summary>
        internal const int MaxExpandedNodes = 100_000;

        /// <summary>A scalar of the source, where it is (never its value in messages).</summary>
        internal sealed class SourceScalar
        {
            public SourceScalar(string text, Mark at, bool isKey)
            {
                Text = text;
                At = at;
                IsKey = isKey;
            }

            public string Text { get; }

            /// <summary>A mapping key (it must be a key of the document); else a value (a string value of the document).</summary>
            public bool IsKey { get; }

            public Mark At { get; }
        }

        public static YamlCredentialSet Read(byte[] content, string path)
        {
            var context = new Context(path);
            Node? root = Load(Decode(content, path), context);
            if (!(root is MappingNode map))
            {
                throw SetMigration.SetError(ErrorIds.CredentialSetParseError, path, "the document is not a mapping");
            }
            Resolved top = Resolve(map, context, 0);
            string name = string.Empty;
            List<YamlCredential>? credentials = null;
            foreach (string key in top.Order)
            {
                Entry entry = top.Entries[key];
                switch (key)
                {
                    case "name":
                        name = Text(entry.Value, context, "name") ?? string.Empty;
                        break;
                    case "credentials":
                        credentials = Credentials(entry.Value, context);
                        break;
                    case "created":
                    case "modified":
                        // Replaced by the file's time (format §6); yaml.v2 fails on a list or mapping here.
                        if (!(entry.Value is ScalarNode))
                        {
                            throw Parse(context, entry.Value, $"'{key}' is not a timestamp");
                        }
                        break;
                    default:
                        // Dropped, as yaml.v2 drops it: often the holder of anchors the set refers to. The YAML file itself
                        // is kept aside byte for byte, so nothing of it is lost.
                        break;
                }
            }

            var scalars = new List<SourceScalar>();
            foreach (string key in top.Order.Where(k => k == "name" || k == "credentials" || k == "created" || k == "modified"))
            {
                Entry entry = top.Entries[key];
                Collect(entry.Key, context, scalars, 1, isKey: true);
                if (key != "created" && key != "modified")
                {
                    Collect(entry.Value, context, scalars, 1, isKey: false);
                }
            }
            return new YamlCredentialSet(name, credentials, scalars);
        }

        private static string Decode(byte[] content, string path)
        {
            try
            {
                if (content.Length >= 2 && content[0] == 0xFF && content[1] == 0xFE)
                {
                    return new UnicodeEncoding(false, true, true).GetString(content, 2, content.Length - 2);
                }
                if (content.Length >= 2 && content[0] == 0xFE && content[1] == 0xFF)
                {
                    return new UnicodeEncoding(true, true, true).GetString(content, 2, content.Length - 2);
                }
                int skip = content.Length >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF ? 3 : 0;
                return new UTF8Encoding(false, true).GetString(content, skip, content.Length - skip);
            }
            catch (DecoderFallbackException)
            {
                throw SetMigration.SetError(ErrorIds.CredentialSetParseError, path, "it is not valid UTF-8 or UTF-16 text");
            }
        }

        /// <summary>A scalar as yaml.v2 stores it in a Go string: its text as written; null for a plain null.</summary>
        private static string? Text(Node node, Context context, string what)
        {
            if (!(node is ScalarNode s))
            {
                throw Parse(context, node, $"{what} is a {(node is MappingNode ? "mapping" : "list")}, not a string");
            }
            if (s.Tag == null)
            {
                return s.Plain && IsNull(s.Value) ? null : s.Value;
            }
            if (s.Tag == StrTag)
            {
                return s.Value;
            }
            if (s.Tag == BinaryTag)
            {
                string base64 = s.Value.Replace("\r", string.Empty).Replace("\n", string.Empty);
                byte[] bytes;
                try
                {
                    if (base64.Any(char.IsWhiteSpace))
                    {
                        throw new FormatException();
                    }
                    bytes = Convert.FromBase64String(base64);
                }
                catch (FormatException)
                {
                    throw Parse(context, s, "!!binary value contains invalid base64 data");
                }
                try
                {
                    return new UTF8Encoding(false, true).GetString(bytes);
                }
                catch (DecoderFallbackException)
                {
                    throw Unsupported(context, s, "a !!binary value is not UTF-8 text; Porter would replace its bytes");
                }
            }
            throw Unsupported(context, s, $"the tag '{s.Tag}' is not supported");
        }

        private static List<YamlCredential>? Credentials(Node node, Context context)
        {
            if (node is ScalarNode s && Text(s, context, "credentials") == null)
            {
                return null;
            }
            if (!(node is SequenceNode list))
            {
                throw Parse(context, node, "'credentials' is not a list");
            }
            var result = new List<YamlCredential>();
            foreach (Node item in list.Items)
            {
                Count(context, item);
                if (item is ScalarNode empty && Text(empty, context, "a credential") == null)
                {
                    result.Add(new YamlCredential(string.Empty, null, null));
                    continue;
                }
                if (!(item is MappingNode map))
                {
                    throw Parse(context, item, "a credential is not a mapping");
                }
                Resolved fields = Resolve(map, context, 1);
                string name = string.Empty;
                string? key = null, value = null;
                foreach (string field in fields.Order)
                {
                    Entry entry = fields.Entries[field];
                    switch (field)
                    {
                        case "name":
                            name = Text(entry.Value, context, "a credential's name") ?? string.Empty;
                            break;
                        case "source":
                            (key, value) = Source(entry.Value, context);
                            break;
                        default:
                            throw Unsupported(context, entry.Key, $"the key '{field}' is not part of a credential; Porter's reader would drop it");
                    }
                }
                result.Add(new YamlCredential(name, key, value));
            }
            return result;
        }

        /// <summary>cnab-go's Source: a map of one key (none: empty); yaml.v2 decodes it as map[string]string.</summary>
        private static (string?, string?) Source(Node node, Context context)
        {
            if (node is ScalarNode s && Text(s, context, "a credential source") == null)
            {
                return (null, null);
            }
            if (!(node is MappingNode map))
            {
                throw Parse(context, node, "a credential source is not a mapping");
            }
            Resolved pairs = Resolve(map, context, 2);
            if (pairs.Order.Count == 0)
            {
                return (null, null);
            }
            if (pairs.Order.Count > 1)
            {
                throw Parse(context, map, "a credential source has more than one key");
            }
            string key = pairs.Order[0];
            string value = Text(pairs.Entries[key].Value, context, "a credential source's value") ?? string.Empty;
            return (key.Length == 0 ? null : key, key.Length == 0 ? null : value);
        }

        /// <summary>Every non-empty scalar reachable from <paramref name="node"/>, merge keys resolved.</summary>
        private static void Collect(Node node, Context context, List<SourceScalar> scalars, int depth, bool isKey)
        {
            Count(context, node);
            switch (node)
            {
                case ScalarNode s:
                    string? text = Text(s, context, "a value");
                    if (!string.IsNullOrEmpty(text))
                    {
                        scalars.Add(new SourceScalar(text!, s.At, isKey));
                    }
                    break;
                case SequenceNode seq:
                    foreach (Node item in seq.Items)
                    {
                        Collect(item, context, scalars, depth + 1, isKey: false);
                    }
                    break;
                case MappingNode map:
                    Resolved resolved = Resolve(map, context, depth);
                    foreach (string key in resolved.Order)
                    {
                        Collect(resolved.Entries[key].Key, context, scalars, depth + 1, isKey: true);
                        Collect(resolved.Entries[key].Value, context, scalars, depth + 1, isKey: false);
                    }
                    break;
            }
        }

        private static PorterStorageException Parse(Context context, Node at, string detail) => Parse(context, at.At, detail);

        private static PorterStorageException Parse(Context context, Mark at, string detail) =>
            SetMigration.SetError(ErrorIds.CredentialSetParseError, context.Path, $"{detail} (line {at.Line}, column {at.Column})");

        private static PorterStorageException Unsupported(Context context, Node at, string detail) => Unsupported(context, at.At, detail);

        private static PorterStorageException Unsupported(Context context, Mark at, string detail) =>
            SetMigration.SetError(ErrorIds.YamlUnsupported, context.Path, $"{detail} (line {at.Line}, column {at.Column})");
    }
}
