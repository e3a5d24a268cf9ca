using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace PorterStorage.Core.Json
{
    /// <summary>Go's fmt %v of a JSON value decoded into interface{}: how Porter wrote non-string outputs.</summary>
    public static class GoFormat
    {
        public static string V(JsonElement value)
        {
            var sb = new StringBuilder();
            Append(sb, value);
            return sb.ToString();
        }

        /// <summary>An explicit stack instead of recursion: the deepest value Go reads (10,000 levels) is safe.</summary>
        private static void Append(StringBuilder sb, JsonElement root)
        {
            var stack = new Stack<Frame>();
            Open(root);
            while (stack.Count > 0)
            {
                Frame top = stack.Peek();
                if (!top.Items.MoveNext())
                {
                    stack.Pop();
                    sb.Append(']');
                    continue;
                }
                if (!top.First)
                {
                    sb.Append(' ');
                }
                top.First = false;
                KeyValuePair<string?, JsonElement> item = top.Items.Current;
                if (item.Key != null)
                {
                    sb.Append(item.Key).Append(':');
                }
                Open(item.Value);
            }

            void Open(JsonElement value)
            {
                switch (value.ValueKind)
                {
                    case JsonValueKind.String:
                        sb.Append(value.GetString());
                        break;
                    case JsonValueKind.Number:
                        sb.Append(GoNumbers.FormatV(GoNumbers.Float64(value)));
                        break;
                    case JsonValueKind.True:
                        sb.Append("true");
                        break;
                    case JsonValueKind.False:
                        sb.Append("false");
                        break;
                    case JsonValueKind.Array:
                        sb.Append('[');
                        stack.Push(new Frame(value.EnumerateArray().Select(e => new KeyValuePair<string?, JsonElement>(null, e)).GetEnumerator()));
                        break;
                    case JsonValueKind.Object:
                        sb.Append("map[");
                        stack.Push(new Frame(GoJsonWriter.SortedProperties(value).Select(p => new KeyValuePair<string?, JsonElement>(p.Name, p.Value)).GetEnumerator()));
                        break;
                    default:
                        sb.Append("<nil>");
                        break;
                }
            }
        }

        private sealed class Frame
        {
            public Frame(IEnumerator<KeyValuePair<string?, JsonElement>> items)
            {
                Items = items;
            }

            public IEnumerator<KeyValuePair<string?, JsonElement>> Items { get; }

            public bool First { get; set; } = true;
        }
    }
}
