using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace PorterStorage.Core.Json
{
    /// <summary>
    /// The one JSON writer for documents Porter reads: Go's encoding/json output. Strings escape only what Go
    /// escapes (<c>"</c>, <c>\</c>, control characters, <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>, U+2028, U+2029 — never
    /// <c>+</c> or non-ASCII); indentation is Go's MarshalIndent (empty objects and arrays stay <c>{}</c> and
    /// <c>[]</c>); no trailing newline. Generic values (Go's <c>map[string]interface{}</c>) sort keys by their UTF-8
    /// bytes and re-print numbers from float64, as Porter's own round trip does.
    /// </summary>
    public sealed class GoJsonWriter
    {
        private readonly StringBuilder _sb = new StringBuilder();
        private readonly string? _indent;
        private readonly Stack<int> _counts = new Stack<int>();
        private bool _afterName;

        /// <param name="indented">Two-space indentation (claims, results, credential sets) or compact (parameter sets, schema).</param>
        public GoJsonWriter(bool indented)
        {
            _indent = indented ? "  " : null;
        }

        public override string ToString() => _sb.ToString();

        public byte[] ToUtf8() => new UTF8Encoding(false).GetBytes(_sb.ToString());

        public GoJsonWriter StartObject() => Open('{');

        public GoJsonWriter EndObject() => Close('}');

        public GoJsonWriter StartArray() => Open('[');

        public GoJsonWriter EndArray() => Close(']');

        public GoJsonWriter Name(string name)
        {
            BeforeValue();
            AppendString(name);
            _sb.Append(_indent != null ? ": " : ":");
            _afterName = true;
            return this;
        }

        public GoJsonWriter String(string value)
        {
            BeforeValue();
            AppendString(value);
            return this;
        }

        public GoJsonWriter Bool(bool value)
        {
            BeforeValue();
            _sb.Append(value ? "true" : "false");
            return this;
        }

        public GoJsonWriter Null()
        {
            BeforeValue();
            _sb.Append("null");
            return this;
        }

        /// <summary>A number written as given (already valid JSON number text).</summary>
        public GoJsonWriter RawNumber(string text)
        {
            BeforeValue();
            _sb.Append(text);
            return this;
        }

        public GoJsonWriter Property(string name, string value) => Name(name).String(value);

        /// <summary>Writes a value as it came, keeping key order and number text (the bundle is passed through).</summary>
        public GoJsonWriter PassThrough(JsonElement value) => Value(value, generic: false);

        /// <summary>Writes a value the way Go re-encodes an <c>interface{}</c>: sorted keys, numbers through float64.</summary>
        public GoJsonWriter Generic(JsonElement value) => Value(value, generic: true);

        /// <summary>
        /// One walk for both: an explicit stack instead of recursion, so the deepest document Go reads (10,000 levels)
        /// cannot overflow the thread's stack.
        /// </summary>
        private GoJsonWriter Value(JsonElement root, bool generic)
        {
            var stack = new Stack<Frame>();
            Open(root);
            while (stack.Count > 0)
            {
                Frame top = stack.Peek();
                if (!top.Items.MoveNext())
                {
                    stack.Pop();
                    if (top.IsObject)
                    {
                        EndObject();
                    }
                    else
                    {
                        EndArray();
                    }
                    continue;
                }
                KeyValuePair<string?, JsonElement> item = top.Items.Current;
                if (item.Key != null)
                {
                    Name(item.Key);
                }
                Open(item.Value);
            }
            return this;

            void Open(JsonElement value)
            {
                switch (value.ValueKind)
                {
                    case JsonValueKind.Object:
                        StartObject();
                        stack.Push(new Frame(true, (generic ? SortedProperties(value) : value.EnumerateObject())
                            .Select(p => new KeyValuePair<string?, JsonElement>(p.Name, p.Value)).GetEnumerator()));
                        break;
                    case JsonValueKind.Array:
                        StartArray();
                        stack.Push(new Frame(false, value.EnumerateArray().Select(e => new KeyValuePair<string?, JsonElement>(null, e)).GetEnumerator()));
                        break;
                    case JsonValueKind.Number:
                        RawNumber(generic ? GoNumbers.JsonFloat(GoNumbers.Float64(value)) : value.GetRawText());
                        break;
                    default:
                        Scalar(value);
                        break;
                }
            }
        }

        private sealed class Frame
        {
            public Frame(bool isObject, IEnumerator<KeyValuePair<string?, JsonElement>> items)
            {
                IsObject = isObject;
                Items = items;
            }

            public bool IsObject { get; }

            public IEnumerator<KeyValuePair<string?, JsonElement>> Items { get; }
        }

        /// <summary>An object's properties in Go's map order (UTF-8 byte order); for duplicate keys the last wins, as in Go.</summary>
        public static IEnumerable<JsonProperty> SortedProperties(JsonElement obj)
        {
            var last = new Dictionary<string, JsonProperty>(StringComparer.Ordinal);
            foreach (JsonProperty p in obj.EnumerateObject())
            {
                last[p.Name] = p;
            }
            return last.Values.OrderBy(p => p.Name, Utf8Order.Instance);
        }

        private GoJsonWriter Scalar(JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    return String(value.GetString()!);
                case JsonValueKind.True:
                    return Bool(true);
                case JsonValueKind.False:
                    return Bool(false);
                default:
                    return Null();
            }
        }

        private GoJsonWriter Open(char c)
        {
            BeforeValue();
            _sb.Append(c);
            _counts.Push(0);
            return this;
        }

        private GoJsonWriter Close(char c)
        {
            int count = _counts.Pop();
            if (count > 0)
            {
                NewLine();
            }
            _sb.Append(c);
            return this;
        }

        private void BeforeValue()
        {
            if (_afterName)
            {
                _afterName = false;
                return;
            }
            if (_counts.Count == 0)
            {
                return;
            }
            int count = _counts.Pop();
            if (count > 0)
            {
                _sb.Append(',');
            }
            _counts.Push(count + 1);
            NewLine();
        }

        private void NewLine()
        {
            if (_indent == null)
            {
                return;
            }
            _sb.Append('\n');
            for (int i = 0; i < _counts.Count; i++)
            {
                _sb.Append(_indent);
            }
        }

        private void AppendString(string s)
        {
            _sb.Append('"');
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                switch (c)
                {
                    case '"':
                        _sb.Append("\\\"");
                        break;
                    case '\\':
                        _sb.Append("\\\\");
                        break;
                    case '\n':
                        _sb.Append("\\n");
                        break;
                    case '\r':
                        _sb.Append("\\r");
                        break;
                    case '\t':
                        _sb.Append("\\t");
                        break;
                    case '<':
                    case '>':
                    case '&':
                    case '\u2028':
                    case '\u2029':
                        _sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        break;
                    default:
                        if (c < 0x20)
                        {
                            _sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                        }
                        else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                        {
                            _sb.Append(c).Append(s[++i]);
                        }
                        else if (char.IsSurrogate(c))
                        {
                            // A lone surrogate is not valid text; Go writes U+FFFD for it.
                            _sb.Append("\ufffd");
                        }
                        else
                        {
                            _sb.Append(c);
                        }
                        break;
                }
            }
            _sb.Append('"');
        }
    }

    /// <summary>Go's string order for map keys: byte-wise on UTF-8.</summary>
    public sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new Utf8Order();

        public int Compare(string? x, string? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }
            if (x == null)
            {
                return -1;
            }
            if (y == null)
            {
                return 1;
            }
            byte[] a = Encoding.UTF8.GetBytes(x), b = Encoding.UTF8.GetBytes(y);
            int n = Math.Min(a.Length, b.Length);
            for (int i = 0; i < n; i++)
            {
                if (a[i] != b[i])
                {
                    return a[i] - b[i];
                }
            }
            return a.Length - b.Length;
        }
    }
}
