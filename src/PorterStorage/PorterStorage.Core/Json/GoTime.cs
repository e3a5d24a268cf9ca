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
            @"^([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$", RegexOptions.CultureInvariant);

        /// <summary>
        /// Normalises a timestamp; false when Go's time package could not parse it: not RFC 3339, or a field out of range
        /// (month 1–12, the month's days, hour 0–23, minute and second 0–59, offset below 24 hours). Year 0000 is valid.
        /// </summary>
        public static bool TryNormalize(string text, out string normalized)
        {
            Match m = Rfc3339.Match(text);
            if (!m.Success || !TryInstant(m, out _))
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

        /// <summary>
        /// The instant a valid timestamp names, as seconds from 0000-01-01T00:00:00Z (proleptic Gregorian, like Go), for
        /// ordering; false when it is not one Go accepts. Works where <see cref="System.DateTimeOffset"/> cannot (year 0).
        /// </summary>
        public static bool TryInstant(string text, out decimal seconds)
        {
            Match m = Rfc3339.Match(text);
            seconds = 0;
            return m.Success && TryInstant(m, out seconds);
        }

        private static bool TryInstant(Match m, out decimal seconds)
        {
            seconds = 0;
            string date = m.Groups[1].Value, time = m.Groups[2].Value, zone = m.Groups[4].Value;
            int year = Number(date, 0, 4), month = Number(date, 5, 2), day = Number(date, 8, 2);
            int hour = Number(time, 0, 2), minute = Number(time, 3, 2), second = Number(time, 6, 2);
            if (month < 1 || month > 12 || day < 1 || day > DaysIn(year, month) || hour > 23 || minute > 59 || second > 59)
            {
                return false;
            }
            int offset = 0;
            if (zone != "Z")
            {
                int oh = Number(zone, 1, 2), om = Number(zone, 4, 2);
                if (oh > 23 || om > 59)
                {
                    return false;
                }
                offset = (zone[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
            }
            // Days before the year (leap years among 0 .. year-1, year 0 being one), then before the month.
            long days = 365L * year + (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400;
            for (int mo = 1; mo < month; mo++)
            {
                days += DaysIn(year, mo);
            }
            days += day - 1;
            string fraction = m.Groups[3].Success ? m.Groups[3].Value : string.Empty;
            decimal part = fraction.Length == 0 ? 0m : decimal.Parse("0." + (fraction.Length > 20 ? fraction.Substring(0, 20) : fraction), System.Globalization.CultureInfo.InvariantCulture);
            seconds = days * 86400m + hour * 3600 + minute * 60 + second - offset + part;
            return true;
        }

        private static int Number(string s, int start, int length) => int.Parse(s.Substring(start, length), System.Globalization.CultureInfo.InvariantCulture);

        private static bool IsLeap(int year) => year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);

        private static int DaysIn(int year, int month) =>
            month == 2 ? (IsLeap(year) ? 29 : 28) : month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
    }
}
