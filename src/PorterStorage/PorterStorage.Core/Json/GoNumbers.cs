using System;
using System.Globalization;
using System.Text;

namespace PorterStorage.Core.Json
{
    /// <summary>How Go prints a float64: in JSON (encoding/json) and with %v (fmt).</summary>
    public static class GoNumbers
    {
        /// <summary>
        /// Go's strconv.ParseFloat(s, 64) as encoding/json uses it: false when the number is outside float64's range
        /// (Go's ErrRange; <c>1e400</c>, <c>-1e400</c>). Numbers too small to hold become zero, as in Go.
        /// </summary>
        public static bool TryParseFloat64(string text, out double value)
        {
            // .NET Core returns ±Infinity on overflow, .NET Framework returns false: both mean out of range.
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsInfinity(value) && !double.IsNaN(value);
        }

        public static bool TryParseFloat64(ReadOnlySpan<byte> utf8, out double value) =>
            TryParseFloat64(Encoding.UTF8.GetString(utf8.ToArray()), out value);

        /// <summary>A JSON number as Go decodes it into float64; raises <c>NumberOutOfRange</c> (the strict reader refuses such documents first).</summary>
        public static double Float64(System.Text.Json.JsonElement number)
        {
            if (!TryParseFloat64(number.GetRawText(), out double value))
            {
                throw new PorterStorageException(ErrorIds.NumberOutOfRange, PorterErrorKind.InvalidData, null,
                    "A number is outside the range of a 64-bit float; Go's reader refuses it.");
            }
            return value;
        }

        /// <summary>encoding/json: shortest digits, plain notation for 1e-6 ≤ |x| &lt; 1e21, else exponent form (<c>1e+21</c>, <c>1e-7</c>).</summary>
        public static string JsonFloat(double value)
        {
            if (double.IsInfinity(value) || double.IsNaN(value))
            {
                // Go's encoder fails on these (UnsupportedValueError); never write them.
                throw new ArgumentOutOfRangeException(nameof(value), "JSON has no form for an infinite or NaN number.");
            }
            double abs = Math.Abs(value);
            if (abs != 0 && (abs < 1e-6 || abs >= 1e21))
            {
                string e = Exponent(value);
                // Go trims a leading zero from a negative two-digit exponent: e-07 -> e-7.
                int n = e.Length;
                if (n >= 4 && e[n - 4] == 'e' && e[n - 3] == '-' && e[n - 2] == '0')
                {
                    e = e.Substring(0, n - 2) + e[n - 1];
                }
                return e;
            }
            return Plain(value);
        }

        /// <summary>fmt's %v: shortest digits, exponent form when the exponent is below -4 or at least 6 (<c>1e+06</c>).</summary>
        public static string FormatV(double value)
        {
            if (double.IsInfinity(value) || double.IsNaN(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), "A legacy document cannot hold an infinite or NaN number.");
            }
            Digits(value, out bool negative, out string digits, out int point);
            int exp = point - 1;
            if (digits == "0")
            {
                return negative ? "-0" : "0";
            }
            return exp < -4 || exp >= 6 ? Exponent(value) : Plain(value);
        }

        private static string Plain(double value)
        {
            Digits(value, out bool negative, out string digits, out int point);
            var sb = new StringBuilder();
            if (negative)
            {
                sb.Append('-');
            }
            if (digits == "0")
            {
                return negative ? "-0" : "0";
            }
            if (point <= 0)
            {
                sb.Append("0.").Append('0', -point).Append(digits);
            }
            else if (point >= digits.Length)
            {
                sb.Append(digits).Append('0', point - digits.Length);
            }
            else
            {
                sb.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
            }
            return sb.ToString();
        }

        /// <summary>strconv's 'e' format with shortest digits: <c>d.ddde±XX</c>, at least two exponent digits.</summary>
        private static string Exponent(double value)
        {
            Digits(value, out bool negative, out string digits, out int point);
            int exp = digits == "0" ? 0 : point - 1;
            var sb = new StringBuilder();
            if (negative)
            {
                sb.Append('-');
            }
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }
            sb.Append('e').Append(exp < 0 ? '-' : '+');
            int a = Math.Abs(exp);
            sb.Append(a < 10 ? "0" + a.ToString(CultureInfo.InvariantCulture) : a.ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        /// <summary>The shortest round-trip decimal digits of a double and where the decimal point falls.</summary>
        private static void Digits(double value, out bool negative, out string digits, out int point)
        {
            negative = BitConverter.DoubleToInt64Bits(value) < 0;
            string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
            int exp = 0;
            int e = r.IndexOfAny(new[] { 'E', 'e' });
            if (e >= 0)
            {
                exp = int.Parse(r.Substring(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                r = r.Substring(0, e);
            }
            int dot = r.IndexOf('.');
            string intPart = dot >= 0 ? r.Substring(0, dot) : r;
            string frac = dot >= 0 ? r.Substring(dot + 1) : string.Empty;
            string all = intPart + frac;
            int p = intPart.Length + exp;
            int lead = 0;
            while (lead < all.Length - 1 && all[lead] == '0')
            {
                lead++;
            }
            all = all.Substring(lead);
            p -= lead;
            all = all.TrimEnd('0');
            if (all.Length == 0)
            {
                digits = "0";
                point = 1;
                return;
            }
            digits = all;
            point = p;
        }
    }
}
