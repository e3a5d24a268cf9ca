using System.Text.RegularExpressions;

namespace PorterStorage.Core.Json
{
    /// <summary>
    /// RFC 3339 timestamps as Go's time package round-trips them: the offset and precision are kept, trailing
    /// fractional zeros are trimmed (at most nine digits), and a zero offset prints as <c>Z</c>.
    /// </summary>
    public static class GoTime
    {
        /// <summary>Go's zero time, written for a missing timestamp.</summary>
        public const string Zero = "0001-01-01T00:00:00Z";

        private static readonly Regex Rfc3339 = new Regex(
            @"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant);

        /// <summary>Normalises a timestamp; false when Go could not parse it.</summary>
        public static bool TryNormalize(string text, out string normalized)
        {
            Match m = Rfc3339.Match(text);
            if (!m.Success)
            {
                normalized = text;
                return false;
            }
            string fraction = m.Groups[3].Success ? m.Groups[3].Value : string.Empty;
            if (fraction.Length > 9)
            {
                fraction = fraction.Substring(0, 9);
            }
            fraction = fraction.TrimEnd('0');
            string offset = m.Groups[4].Value;
            if (offset == "+00:00" || offset == "-00:00")
            {
                offset = "Z";
            }
            normalized = m.Groups[1].Value + "T" + m.Groups[2].Value + (fraction.Length > 0 ? "." + fraction : string.Empty) + offset;
            return true;
        }
    }
}
