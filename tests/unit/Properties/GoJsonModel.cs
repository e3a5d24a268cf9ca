using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace PorterStorage.Tests.Properties
{
    /// <summary>
    /// An independent model of what Go's encoding/json makes of a document decoded into interface{}: objects are maps
    /// (the last duplicate key wins), numbers are float64 (a number out of range is refused), strings are UTF-8 with a
    /// lone surrogate escape read as U+FFFD. The property tests compare the module's output with it, so it shares no
    /// code with the engine. It is strict: NaN, Infinity, trailing commas, comments and control characters in strings
    /// are refused.
    /// </summary>
    internal static class GoJsonModel
    {
        public sealed class Refused : Exception
        {
            public Refused(string message) : base(message) { }
        }

        /// <summary>Parses one JSON document; throws <see cref="Refused"/> where Go's decoder would refuse it.</summary>
        public static object? Parse(string text, int maxDepth = 10000)
        {
            var p = new Parser(text, maxDepth);
            p.SkipWhitespace();
            object? value = p.Value(0);
            p.SkipWhitespace();
            if (p.Position != text.Length)
            {
                throw new Refused($"text after the document at {p.Position}");
            }
            return value;
        }

        /// <summary>Strict UTF-8: bytes that are not UTF-8 are refused rather than replaced.</summary>
        public static string StrictUtf8(byte[] bytes)
        {
            try
            {
                return new UTF8Encoding(false, true).GetString(bytes);
            }
            catch (DecoderFallbackException e)
            {
                throw new Refused("invalid UTF-8: " + e.Message);
            }
        }

        public static bool DeepEquals(object? a, object? b)
        {
            switch (a)
            {
                case null: return b == null;
                case bool x1: return b is bool y1 && x1 == y1;
                case double x2: return b is double y2 && x2.Equals(y2);
                case string x3: return b is string y3 && string.Equals(x3, y3, StringComparison.Ordinal);
                case List<object?> x4:
                    return b is List<object?> y4 && x4.Count == y4.Count && x4.Zip(y4, DeepEquals).All(e => e);
                case SortedDictionary<string, object?> x5:
                    return b is SortedDictionary<string, object?> y5 && x5.Count == y5.Count &&
                        x5.All(kv => y5.TryGetValue(kv.Key, out object? v) && DeepEquals(kv.Value, v));
                default: throw new InvalidOperationException(a.GetType().Name);
            }
        }

        /// <summary>Go drops an empty or null parameters map (omitempty).</summary>
        public static bool IsEmptyMap(object? v) => v == null || (v is SortedDictionary<string, object?> d && d.Count == 0);

        public static SortedDictionary<string, object?>? AsMap(object? v) => v as SortedDictionary<string, object?>;

        private sealed class Parser
        {
            private readonly string _s;
            private readonly int _maxDepth;

            public Parser(string s, int maxDepth)
            {
                _s = s;
                _maxDepth = maxDepth;
            }

            public int Position { get; private set; }

            public void SkipWhitespace()
            {
                while (Position < _s.Length && (_s[Position] == ' ' || _s[Position] == '\t' || _s[Position] == '\n' || _s[Position] == '\r'))
                {
                    Position++;
                }
            }

            private char Peek() => Position < _s.Length ? _s[Position] : throw new Refused("unexpected end");

            private void Expect(char c)
            {
                if (Peek() != c)
                {
                    throw new Refused($"expected '{c}' at {Position}");
                }
                Position++;
            }

            public object? Value(int depth)
            {
                if (depth > _maxDepth)
                {
                    throw new Refused("exceeded max depth");
                }
                char c = Peek();
                switch (c)
                {
                    case '{': return Object(depth + 1);
                    case '[': return Array(depth + 1);
                    case '"': return String();
                    case 't': Literal("true"); return true;
                    case 'f': Literal("false"); return false;
                    case 'n': Literal("null"); return null;
                    default:
                        if (c == '-' || (c >= '0' && c <= '9'))
                        {
                            return Number();
                        }
                        throw new Refused($"invalid character '{c}' at {Position}");
                }
            }

            private void Literal(string word)
            {
                if (string.CompareOrdinal(_s, Position, word, 0, word.Length) != 0)
                {
                    throw new Refused($"invalid literal at {Position}");
                }
                Position += word.Length;
            }

            private SortedDictionary<string, object?> Object(int depth)
            {
                Expect('{');
                var map = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                SkipWhitespace();
                if (Peek() == '}')
                {
                    Position++;
                    return map;
                }
                while (true)
                {
                    SkipWhitespace();
                    string key = String();
                    SkipWhitespace();
                    Expect(':');
                    SkipWhitespace();
                    map[key] = Value(depth);
                    SkipWhitespace();
                    if (Peek() == ',')
                    {
                        Position++;
                        continue;
                    }
                    Expect('}');
                    return map;
                }
            }

            private List<object?> Array(int depth)
            {
                Expect('[');
                var list = new List<object?>();
                SkipWhitespace();
                if (Peek() == ']')
                {
                    Position++;
                    return list;
                }
                while (true)
                {
                    SkipWhitespace();
                    list.Add(Value(depth));
                    SkipWhitespace();
                    if (Peek() == ',')
                    {
                        Position++;
                        continue;
                    }
                    Expect(']');
                    return list;
                }
            }

            private double Number()
            {
                int start = Position;
                if (Peek() == '-')
                {
                    Position++;
                }
                if (Peek() == '0')
                {
                    Position++;
                }
                else
                {
                    Digits();
                }
                if (Position < _s.Length && _s[Position] == '.')
                {
                    Position++;
                    Digits();
                }
                if (Position < _s.Length && (_s[Position] == 'e' || _s[Position] == 'E'))
                {
                    Position++;
                    if (Peek() == '+' || Peek() == '-')
                    {
                        Position++;
                    }
                    Digits();
                }
                double d = double.Parse(_s.Substring(start, Position - start), NumberStyles.Float, CultureInfo.InvariantCulture);
                if (double.IsInfinity(d))
                {
                    throw new Refused($"number {_s.Substring(start, Position - start)} out of float64 range");
                }
                return d;
            }

            private void Digits()
            {
                if (!(Peek() >= '0' && Peek() <= '9'))
                {
                    throw new Refused($"digit expected at {Position}");
                }
                while (Position < _s.Length && _s[Position] >= '0' && _s[Position] <= '9')
                {
                    Position++;
                }
            }

            private string String()
            {
                Expect('"');
                var sb = new StringBuilder();
                while (true)
                {
                    char c = Peek();
                    Position++;
                    if (c == '"')
                    {
                        return sb.ToString();
                    }
                    if (c < 0x20)
                    {
                        throw new Refused($"control character in string at {Position - 1}");
                    }
                    if (c != '\\')
                    {
                        // A lone surrogate cannot come from strict UTF-8 text; a pair is copied as is.
                        sb.Append(c);
                        continue;
                    }
                    char e = Peek();
                    Position++;
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            char u = Hex4();
                            if (char.IsHighSurrogate(u) && Position + 6 <= _s.Length && _s[Position] == '\\' && _s[Position + 1] == 'u')
                            {
                                int save = Position;
                                Position += 2;
                                char low = Hex4();
                                if (char.IsLowSurrogate(low))
                                {
                                    sb.Append(u).Append(low);
                                    break;
                                }
                                Position = save;
                            }
                            sb.Append(char.IsSurrogate(u) ? '\uFFFD' : u);
                            break;
                        default: throw new Refused($"invalid escape at {Position - 1}");
                    }
                }
            }

            private char Hex4()
            {
                if (Position + 4 > _s.Length)
                {
                    throw new Refused("short \\u escape");
                }
                string hex = _s.Substring(Position, 4);
                if (!ushort.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort v))
                {
                    throw new Refused("bad \\u escape");
                }
                Position += 4;
                return (char)v;
            }
        }
    }
}
