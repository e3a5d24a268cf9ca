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

        private static void Append(StringBuilder sb, JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    sb.Append(value.GetString());
                    break;
                case JsonValueKind.Number:
                    sb.Append(GoNumbers.FormatV(value.GetDouble()));
                    break;
                case JsonValueKind.True:
                    sb.Append("true");
                    break;
                case JsonValueKind.False:
                    sb.Append("false");
                    break;
                case JsonValueKind.Array:
                    sb.Append('[');
                    bool first = true;
                    foreach (JsonElement item in value.EnumerateArray())
                    {
                        if (!first)
                        {
                            sb.Append(' ');
                        }
                        first = false;
                        Append(sb, item);
                    }
                    sb.Append(']');
                    break;
                case JsonValueKind.Object:
                    sb.Append("map[");
                    bool firstKey = true;
                    foreach (JsonProperty p in GoJsonWriter.SortedProperties(value))
                    {
                        if (!firstKey)
                        {
                            sb.Append(' ');
                        }
                        firstKey = false;
                        sb.Append(p.Name).Append(':');
                        Append(sb, p.Value);
                    }
                    sb.Append(']');
                    break;
                default:
                    sb.Append("<nil>");
                    break;
            }
        }
    }
}
