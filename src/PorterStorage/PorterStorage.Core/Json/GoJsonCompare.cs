using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace PorterStorage.Core.Json
{
    /// <summary>
    /// The content a writer meant to produce, built from the legacy document independently of the writer. Values are
    /// <c>null</c>, <see cref="string"/>, <see cref="bool"/>, <see cref="double"/>, a <see cref="JsonElement"/> (compared as
    /// Go decodes it: objects as maps, last duplicate key wins, numbers as float64), <see cref="ExpectedObject"/> or
    /// <see cref="ExpectedArray"/>; a non-JSON document (an output file) is an <see cref="ExpectedText"/>.
    /// </summary>
    public sealed class ExpectedObject
    {
        public List<KeyValuePair<string, object?>> Members { get; } = new List<KeyValuePair<string, object?>>();

        public ExpectedObject Add(string name, object? value)
        {
            Members.Add(new KeyValuePair<string, object?>(name, value));
            return this;
        }

        /// <summary>Adds every member of a JSON object, in order (duplicates stay; the last wins when compared).</summary>
        public ExpectedObject AddAll(JsonElement obj)
        {
            foreach (JsonProperty p in obj.EnumerateObject())
            {
                Add(p.Name, p.Value);
            }
            return this;
        }
    }

    public sealed class ExpectedArray
    {
        public List<object?> Items { get; } = new List<object?>();

        public ExpectedArray Add(object? value)
        {
            Items.Add(value);
            return this;
        }
    }

    /// <summary>A document that is plain UTF-8 text (an output value), compared byte for byte after a strict decode.</summary>
    public sealed class ExpectedText
    {
        public ExpectedText(string text)
        {
            Text = text;
        }

        public string Text { get; }
    }

    /// <summary>Content equality under Go's decoding rules, without recursion (any depth Go reads is safe).</summary>
    public static class GoJsonCompare
    {
        /// <summary>Null when <paramref name="actual"/> holds exactly <paramref name="expected"/>; else the JSON path of the first difference.</summary>
        public static string? FirstDifference(JsonElement actual, object? expected)
        {
            var stack = new Stack<Pair>();
            stack.Push(new Pair(actual, expected, null));
            while (stack.Count > 0)
            {
                Pair pair = stack.Pop();
                object? want = pair.Expected is JsonElement e ? Lift(e) : pair.Expected;
                JsonElement got = pair.Actual;
                switch (want)
                {
                    case null:
                        if (got.ValueKind != JsonValueKind.Null)
                        {
                            return PathText(pair.Path);
                        }
                        break;
                    case string s:
                        if (got.ValueKind != JsonValueKind.String || !string.Equals(got.GetString(), s, StringComparison.Ordinal))
                        {
                            return PathText(pair.Path);
                        }
                        break;
                    case bool b:
                        if (got.ValueKind != (b ? JsonValueKind.True : JsonValueKind.False))
                        {
                            return PathText(pair.Path);
                        }
                        break;
                    case double d:
                        if (got.ValueKind != JsonValueKind.Number || !GoNumbers.TryParseFloat64(got.GetRawText(), out double g) || !g.Equals(d))
                        {
                            return PathText(pair.Path);
                        }
                        break;
                    case ExpectedArray arr:
                        if (got.ValueKind != JsonValueKind.Array || got.GetArrayLength() != arr.Items.Count)
                        {
                            return PathText(pair.Path);
                        }
                        int i = 0;
                        foreach (JsonElement item in got.EnumerateArray())
                        {
                            stack.Push(new Pair(item, arr.Items[i], new PathNode(pair.Path, null, i)));
                            i++;
                        }
                        break;
                    case ExpectedObject obj:
                        if (got.ValueKind != JsonValueKind.Object)
                        {
                            return PathText(pair.Path);
                        }
                        var wantMap = new Dictionary<string, object?>(StringComparer.Ordinal);
                        foreach (KeyValuePair<string, object?> m in obj.Members)
                        {
                            wantMap[m.Key] = m.Value;
                        }
                        var gotMap = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                        foreach (JsonProperty p in got.EnumerateObject())
                        {
                            gotMap[p.Name] = p.Value;
                        }
                        if (gotMap.Count != wantMap.Count)
                        {
                            string? extra = gotMap.Keys.FirstOrDefault(k => !wantMap.ContainsKey(k)) ?? wantMap.Keys.FirstOrDefault(k => !gotMap.ContainsKey(k));
                            return PathText(extra == null ? pair.Path : new PathNode(pair.Path, extra, 0));
                        }
                        foreach (KeyValuePair<string, object?> m in wantMap)
                        {
                            if (!gotMap.TryGetValue(m.Key, out JsonElement value))
                            {
                                return PathText(new PathNode(pair.Path, m.Key, 0));
                            }
                            stack.Push(new Pair(value, m.Value, new PathNode(pair.Path, m.Key, 0)));
                        }
                        break;
                    default:
                        return PathText(pair.Path);
                }
            }
            return null;
        }

        /// <summary>A legacy value as Go decodes it: scalars to their values, containers to expectations over their children.</summary>
        private static object? Lift(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String:
                    return e.GetString();
                case JsonValueKind.Number:
                    return GoNumbers.Float64(e);
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                case JsonValueKind.Object:
                    return new ExpectedObject().AddAll(e);
                case JsonValueKind.Array:
                    var arr = new ExpectedArray();
                    foreach (JsonElement item in e.EnumerateArray())
                    {
                        arr.Add(item);
                    }
                    return arr;
                default:
                    return null;
            }
        }

        /// <summary>A JSON path for messages; long paths are shortened in the middle.</summary>
        private static string PathText(PathNode? node)
        {
            var segments = new List<PathNode>();
            for (PathNode? n = node; n != null; n = n.Parent)
            {
                segments.Add(n);
            }
            segments.Reverse();
            var sb = new StringBuilder("$");
            for (int i = 0; i < segments.Count; i++)
            {
                if (segments.Count > 12 && i == 6)
                {
                    sb.Append("…(").Append(segments.Count - 9).Append(" levels)…");
                    i = segments.Count - 4;
                    continue;
                }
                if (segments[i].Name == null)
                {
                    sb.Append('[').Append(segments[i].Index).Append(']');
                }
                else
                {
                    GoJson.AppendName(sb, segments[i].Name!);
                }
            }
            return sb.ToString();
        }

        /// <summary>One step of a path, linked to its parent (no string per level, so deep documents stay cheap).</summary>
        private sealed class PathNode
        {
            public PathNode(PathNode? parent, string? name, int index)
            {
                Parent = parent;
                Name = name;
                Index = index;
            }

            public PathNode? Parent { get; }

            public string? Name { get; }

            public int Index { get; }
        }

        private readonly struct Pair
        {
            public Pair(JsonElement actual, object? expected, PathNode? path)
            {
                Actual = actual;
                Expected = expected;
                Path = path;
            }

            public JsonElement Actual { get; }

            public object? Expected { get; }

            public PathNode? Path { get; }
        }
    }
}
