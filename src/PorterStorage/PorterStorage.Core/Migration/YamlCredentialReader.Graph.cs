using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace PorterStorage.Core.Migration
{
    /// <summary>
    /// The YAML document as the node graph the reader maps to a credential set: anchors and aliases resolved to the nodes they name
    /// (bounded by <see cref="MaxDepth"/> and <see cref="MaxExpandedNodes"/>), mappings resolved with their merge keys as yaml.v2 does.
    /// </summary>
    internal static partial class YamlCredentialReader
    {
        private abstract class Node
        {
            protected Node(Mark at) => At = at;

            public Mark At { get; }
        }

        private sealed class ScalarNode : Node
        {
            public ScalarNode(Scalar e) : base(e.Start)
            {
                Value = e.Value;
                Tag = e.Tag.IsEmpty ? null : e.Tag.Value;
                Plain = e.Style == ScalarStyle.Plain;
            }

            public string Value { get; }

            public string? Tag { get; }

            public bool Plain { get; }
        }

        private sealed class SequenceNode : Node
        {
            public SequenceNode(Mark at) : base(at)
            {
            }

            public List<Node> Items { get; } = new List<Node>();
        }

        private sealed class MappingNode : Node
        {
            public MappingNode(Mark at) : base(at)
            {
            }

            public List<KeyValuePair<Node, Node>> Pairs { get; } = new List<KeyValuePair<Node, Node>>();
        }

        /// <summary>A mapping after merge keys: each key once, in first-set order, with the node that won.</summary>
        private sealed class Resolved
        {
            public readonly List<string> Order = new List<string>();
            public readonly Dictionary<string, Entry> Entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        }

        private sealed class Entry
        {
            public Entry(Node key, Node value, bool merged)
            {
                Key = key;
                Value = value;
                Merged = merged;
            }

            public Node Key { get; }

            public Node Value { get; }

            public bool Merged { get; }
        }

        private sealed class Context
        {
            public Context(string path) => Path = path;

            public string Path { get; }

            public int Expanded;
        }

        /// <summary>The first document as a node graph (aliases are the node they name); null when it is empty.</summary>
        private static Node? Load(string text, Context context)
        {
            var parser = new Parser(new StringReader(text));
            var anchors = new Dictionary<string, Node>(StringComparer.Ordinal);
            var open = new HashSet<Node>();
            Node? root = null;
            int documents = 0;
            try
            {
                while (parser.MoveNext())
                {
                    if (parser.Current is DocumentStart)
                    {
                        documents++;
                        parser.MoveNext();
                        anchors.Clear();
                        Node node = Build(parser, anchors, open, context, 0);
                        if (documents == 1)
                        {
                            root = node;
                        }
                        else if (!(node is ScalarNode s && s.Value.Length == 0 && s.Tag == null))
                        {
                            throw Unsupported(context, node, "the file holds more than one YAML document; Porter reads only the first");
                        }
                    }
                }
            }
            catch (YamlException ex)
            {
                throw SetMigration.SetError(ErrorIds.CredentialSetParseError, context.Path, $"invalid YAML at line {ex.Start.Line}");
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is ArgumentException || ex is InvalidCastException)
            {
                // YamlDotNet's parser fails this way on some malformed streams (found by the fuzzer).
                throw SetMigration.SetError(ErrorIds.CredentialSetParseError, context.Path, "invalid YAML (the document structure cannot be read)");
            }
            return root is ScalarNode empty && empty.Plain && empty.Tag == null && IsNull(empty.Value) ? null : root;
        }

        /// <summary>Builds the node at the parser's current event and leaves the parser on its last event.</summary>
        private static Node Build(IParser parser, Dictionary<string, Node> anchors, HashSet<Node> open, Context context, int depth)
        {
            ParsingEvent e = parser.Current!;
            if (depth > MaxDepth)
            {
                throw Unsupported(context, e.Start, $"it is nested deeper than {MaxDepth} levels");
            }
            switch (e)
            {
                case AnchorAlias alias:
                {
                    if (!anchors.TryGetValue(alias.Value.Value, out Node? target))
                    {
                        throw Parse(context, e.Start, $"unknown anchor '{alias.Value.Value}' referenced");
                    }
                    if (open.Contains(target))
                    {
                        throw Parse(context, e.Start, $"anchor '{alias.Value.Value}' value contains itself");
                    }
                    return target;
                }
                case Scalar scalar:
                {
                    var node = new ScalarNode(scalar);
                    Anchor(scalar, node, anchors);
                    return node;
                }
                case SequenceStart seq:
                {
                    if (!seq.Tag.IsEmpty && seq.Tag.Value != SeqTag)
                    {
                        throw Unsupported(context, e.Start, $"the tag '{seq.Tag.Value}' is not supported");
                    }
                    var node = new SequenceNode(e.Start);
                    Anchor(seq, node, anchors);
                    open.Add(node);
                    while (parser.MoveNext() && !(parser.Current is SequenceEnd))
                    {
                        node.Items.Add(Build(parser, anchors, open, context, depth + 1));
                    }
                    open.Remove(node);
                    return node;
                }
                case MappingStart map:
                {
                    if (!map.Tag.IsEmpty && map.Tag.Value != MapTag)
                    {
                        throw Unsupported(context, e.Start, $"the tag '{map.Tag.Value}' is not supported");
                    }
                    var node = new MappingNode(e.Start);
                    Anchor(map, node, anchors);
                    open.Add(node);
                    while (parser.MoveNext() && !(parser.Current is MappingEnd))
                    {
                        Node key = Build(parser, anchors, open, context, depth + 1);
                        parser.MoveNext();
                        Node value = Build(parser, anchors, open, context, depth + 1);
                        node.Pairs.Add(new KeyValuePair<Node, Node>(key, value));
                    }
                    open.Remove(node);
                    return node;
                }
                default:
                    throw Parse(context, e.Start, "unexpected YAML event");
            }
        }

        private static void Anchor(NodeEvent e, Node node, Dictionary<string, Node> anchors)
        {
            if (!e.Anchor.IsEmpty)
            {
                anchors[e.Anchor.Value] = node; // a later anchor of the same name replaces the earlier one, as in yaml.v2
            }
        }

        private static bool IsNull(string plain) => plain.Length == 0 || plain == "~" || plain == "null" || plain == "Null" || plain == "NULL";

        private static bool IsMerge(Node key) =>
            key is ScalarNode s && s.Value == "<<" && ((s.Plain && s.Tag == null) || s.Tag == MergeTag);

        private static void Count(Context context, Node at)
        {
            if (++context.Expanded > MaxExpandedNodes)
            {
                throw Unsupported(context, at, "its aliases expand to too many values");
            }
        }

        /// <summary>
        /// A mapping's keys after merge keys, in yaml.v2's order (document order; a sequence of merge sources is applied
        /// last to first, so the earlier source wins; a key written after a merge overrides the merged value). The cases
        /// where that order would silently replace a written value are refused.
        /// </summary>
        private static Resolved Resolve(MappingNode map, Context context, int depth)
        {
            if (depth > MaxDepth)
            {
                throw Unsupported(context, map, $"its merge keys chain deeper than {MaxDepth} levels");
            }
            Count(context, map);
            var resolved = new Resolved();
            foreach (KeyValuePair<Node, Node> pair in map.Pairs)
            {
                if (IsMerge(pair.Key))
                {
                    Node source = pair.Value;
                    if (source is MappingNode one)
                    {
                        Merge(resolved, Resolve(one, context, depth + 1), context);
                    }
                    else if (source is SequenceNode many)
                    {
                        for (int i = many.Items.Count - 1; i >= 0; i--)
                        {
                            if (!(many.Items[i] is MappingNode item))
                            {
                                throw Parse(context, many.Items[i], "map merge requires map or sequence of maps as the value");
                            }
                            Merge(resolved, Resolve(item, context, depth + 1), context);
                        }
                    }
                    else
                    {
                        throw Parse(context, source, "map merge requires map or sequence of maps as the value");
                    }
                    continue;
                }
                string key = KeyText(pair.Key, context);
                if (resolved.Entries.TryGetValue(key, out Entry? existing) && !existing.Merged)
                {
                    throw Unsupported(context, pair.Key, $"the key '{key}' appears twice in one mapping; Porter's reader would keep only the last value");
                }
                Set(resolved, key, new Entry(pair.Key, pair.Value, merged: false));
            }
            return resolved;
        }

        private static void Merge(Resolved into, Resolved from, Context context)
        {
            foreach (string key in from.Order)
            {
                Entry entry = from.Entries[key];
                if (into.Entries.TryGetValue(key, out Entry? existing) && !existing.Merged)
                {
                    throw Unsupported(context, entry.Key,
                        $"a merge key placed after the key '{key}' would override it in Porter's reader (the YAML merge rule keeps it); move the merge key first");
                }
                Set(into, key, new Entry(entry.Key, entry.Value, merged: true));
            }
        }

        private static void Set(Resolved resolved, string key, Entry entry)
        {
            if (!resolved.Entries.ContainsKey(key))
            {
                resolved.Order.Add(key);
            }
            resolved.Entries[key] = entry;
        }

        private static string KeyText(Node key, Context context) =>
            key is ScalarNode
                ? Text(key, context, "a key") ?? string.Empty
                : throw Parse(context, key, "a mapping key is not a plain value");
    }
}
