using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace PorterStorage.Core.Json
{
    /// <summary>
    /// The one strict JSON reader: a document is read only when Go's <c>encoding/json</c> would decode it (into
    /// <c>interface{}</c>, as Porter's migration does) to the same content. Refused, each with a named error naming the
    /// JSON path: a byte-order mark and text that is not UTF-8 or holds an unpaired surrogate escape (Go would replace
    /// it with U+FFFD: data would change), non-JSON literals (NaN, Infinity, comments, trailing commas), a number
    /// outside float64's range (<c>NumberOutOfRange</c>; Go's decoder fails on it), and nesting deeper than Go's
    /// 10,000 levels (<c>JsonNestingTooDeep</c>). Duplicate keys are read, and Go's rule (the last one wins) is applied
    /// by the readers of objects (<see cref="GoJsonWriter.SortedProperties"/>, <see cref="GoJsonCompare"/>).
    /// </summary>
    public static class GoJson
    {
        /// <summary>Go's encoding/json nesting limit (maxNestingDepth): 10,000 levels are read, one more is refused.</summary>
        public const int MaxDepth = 10000;

        /// <summary>Options for reading documents Porter reads (current-layout claims, results, sets): Go's depth limit.</summary>
        public static JsonDocumentOptions DocumentOptions => new JsonDocumentOptions { MaxDepth = MaxDepth };

        /// <summary>
        /// Reads <paramref name="content"/> strictly. <paramref name="error"/> makes the exception for an id and a
        /// detail (the caller names the file); syntax and text errors use <paramref name="parseErrorId"/>.
        /// </summary>
        public static JsonDocument Parse(byte[] content, string parseErrorId, Func<string, string, PorterStorageException> error)
        {
            if (content.Length >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF)
            {
                throw error(parseErrorId, "it starts with a byte-order mark, which Porter's reader rejects");
            }
            try
            {
                new UTF8Encoding(false, true).GetCharCount(content);
            }
            catch (DecoderFallbackException)
            {
                throw error(parseErrorId, "it is not valid UTF-8 text");
            }
            Scan(content, parseErrorId, error);
            try
            {
                return JsonDocument.Parse(content, DocumentOptions);
            }
            catch (JsonException ex)
            {
                throw error(parseErrorId, $"invalid JSON at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}");
            }
        }

        /// <summary>True when <paramref name="content"/> is read by <see cref="Parse"/> (for checks that only need yes or no).</summary>
        public static bool IsStrict(byte[] content)
        {
            try
            {
                Parse(content, "x", (id, detail) => new PorterStorageException(id, PorterErrorKind.InvalidData, null, detail)).Dispose();
                return true;
            }
            catch (PorterStorageException)
            {
                return false;
            }
        }

        /// <summary>One pass over the tokens (no recursion, so any depth is safe) checking depth, numbers and strings.</summary>
        private static void Scan(byte[] content, string parseErrorId, Func<string, string, PorterStorageException> error)
        {
            var reader = new Utf8JsonReader(content, new JsonReaderOptions { MaxDepth = MaxDepth + 1 });
            var path = new List<PathSegment>();
            try
            {
                while (reader.Read())
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.PropertyName:
                            path[path.Count - 1].Name = Text(ref reader, path, parseErrorId, error, "a key");
                            break;
                        case JsonTokenType.StartObject:
                        case JsonTokenType.StartArray:
                            Advance(path);
                            if (path.Count >= MaxDepth)
                            {
                                throw error(ErrorIds.JsonNestingTooDeep,
                                    $"its JSON nests deeper than {MaxDepth} levels (under {PathText(path)}), which Go's reader refuses");
                            }
                            path.Add(new PathSegment(reader.TokenType == JsonTokenType.StartArray));
                            break;
                        case JsonTokenType.EndObject:
                        case JsonTokenType.EndArray:
                            path.RemoveAt(path.Count - 1);
                            break;
                        case JsonTokenType.Number:
                            Advance(path);
                            if (!GoNumbers.TryParseFloat64(reader.ValueSpan, out _))
                            {
                                throw error(ErrorIds.NumberOutOfRange,
                                    $"the number at {PathText(path)} is outside the range of a 64-bit float; Go's reader (and so Porter) refuses it");
                            }
                            break;
                        case JsonTokenType.String:
                            Advance(path);
                            Text(ref reader, path, parseErrorId, error, "the string");
                            break;
                        default:
                            Advance(path);
                            break;
                    }
                }
            }
            catch (JsonException ex)
            {
                throw error(parseErrorId, $"invalid JSON at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}");
            }
        }

        private static string Text(ref Utf8JsonReader reader, List<PathSegment> path, string parseErrorId, Func<string, string, PorterStorageException> error, string what)
        {
            try
            {
                return reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                // An escape such as \ud800 without its pair: Go reads U+FFFD instead, so the text would change.
                throw error(parseErrorId, $"{what} at {PathText(path)} holds an unpaired UTF-16 surrogate escape, which Go would replace");
            }
        }

        private static void Advance(List<PathSegment> path)
        {
            if (path.Count > 0 && path[path.Count - 1].IsArray)
            {
                path[path.Count - 1].Index++;
            }
        }

        /// <summary>A JSON path for messages (<c>$.parameters.x[2]</c>); long paths are shortened in the middle.</summary>
        private static string PathText(List<PathSegment> path)
        {
            var sb = new StringBuilder("$");
            for (int i = 0; i < path.Count; i++)
            {
                if (path.Count > 12 && i == 6)
                {
                    sb.Append("…(").Append(path.Count - 9).Append(" levels)…");
                    i = path.Count - 4;
                    continue;
                }
                PathSegment s = path[i];
                if (s.IsArray)
                {
                    sb.Append('[').Append(Math.Max(s.Index, 0)).Append(']');
                }
                else if (s.Name != null)
                {
                    AppendName(sb, s.Name);
                }
            }
            return sb.ToString();
        }

        internal static void AppendName(StringBuilder sb, string name)
        {
            bool plain = name.Length > 0 && name.Length <= 64;
            foreach (char c in name)
            {
                plain &= c < 0x80 && (char.IsLetterOrDigit(c) || c == '_' || c == '-');
            }
            if (plain)
            {
                sb.Append('.').Append(name);
                return;
            }
            string shown = name.Length > 64 ? name.Substring(0, 64) + "…" : name;
            sb.Append("[\"");
            foreach (char c in shown)
            {
                sb.Append(c < 0x20 || c == '"' || c == '\\' || char.IsSurrogate(c) ? "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture) : c.ToString());
            }
            sb.Append("\"]");
        }

        private sealed class PathSegment
        {
            public PathSegment(bool isArray)
            {
                IsArray = isArray;
            }

            public bool IsArray { get; }

            public int Index { get; set; } = -1;

            public string? Name { get; set; }
        }
    }
}
