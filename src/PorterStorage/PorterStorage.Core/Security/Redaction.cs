using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace PorterStorage.Core.Security
{
    /// <summary>
    /// The one rule for secrets shown to people: a config value is hidden when its key names a secret (connection
    /// strings, account keys, SAS, passwords, tokens, client secrets) or when the value looks like one
    /// (<c>AccountKey=</c>, <c>SharedAccessSignature=</c>, a SAS <c>sig=</c>, a bearer token). Objects that show
    /// config hold the redacted copy; the engine keeps the real values where it connects.
    /// </summary>
    public static class Redaction
    {
        /// <summary>What a hidden value is shown as.</summary>
        public const string Mask = "********";

        private static readonly Regex SecretKey = new Regex(
            @"(connection[-_. ]?string|conn[-_. ]?str|account[-_. ]?key|access[-_. ]?key|shared[-_. ]?key|\bkey$|^key\b|secret|password|passwd|pwd|token|sas|signature|credential|private[-_. ]?key|api[-_. ]?key|auth)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static readonly Regex SecretValue = new Regex(
            @"(AccountKey\s*=|SharedAccessSignature\s*=|SharedAccessKey\s*=|(^|[?&;])sig=|Password\s*=|Pwd\s*=|client[_-]?secret\s*=|Bearer\s+[A-Za-z0-9\-._~+/]+=*)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        /// <summary>The secret parts inside a longer text: <c>AccountKey=…</c>, <c>sig=…</c> and the like, up to the next separator.</summary>
        private static readonly Regex SecretInText = new Regex(
            @"(?<![A-Za-z0-9_])(?<name>AccountKey|SharedAccessSignature|SharedAccessKey|Password|Pwd|client_secret|sig)(?<eq>\s*=\s*)(?<value>[^;&\s""']+)|(?<name>Bearer)(?<eq>\s+)(?<value>[A-Za-z0-9\-._~+/]+=*)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        /// <summary>The password of a URL's user info (<c>scheme://user:password@host</c>).</summary>
        private static readonly Regex UrlPassword = new Regex(
            @"(?<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:)(?<value>[^@/\s]+)(?<tail>@)",
            RegexOptions.CultureInvariant);

        /// <summary>True when a config key names something secret (compared case-insensitively, any separator).</summary>
        public static bool IsSecretKey(string? key) => !string.IsNullOrEmpty(key) && SecretKey.IsMatch(key);

        /// <summary>True when a value looks like a secret, whatever its key.</summary>
        public static bool LooksSecret(string? value) => !string.IsNullOrEmpty(value) && SecretValue.IsMatch(value);

        /// <summary>A copy of a config table with secret values masked, tables and lists included (keys compared as in <paramref name="table"/>).</summary>
        public static IReadOnlyDictionary<string, object?> Redact(IReadOnlyDictionary<string, object?> table)
        {
            var copy = new Dictionary<string, object?>(table is Dictionary<string, object?> d ? d.Comparer : StringComparer.OrdinalIgnoreCase);
            foreach (KeyValuePair<string, object?> kv in table)
            {
                copy[kv.Key] = RedactValue(kv.Key, kv.Value);
            }
            return copy;
        }

        /// <summary>The value to show for <paramref name="key"/>: masked when the key or the value is secret.</summary>
        public static object? RedactValue(string? key, object? value)
        {
            switch (value)
            {
                case null:
                    return null;
                case IReadOnlyDictionary<string, object?> table:
                    return Redact(table);
                case IDictionary<string, object?> table:
                    return Redact(table.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase));
                case string text:
                    return IsSecretKey(key) || LooksSecret(text) ? Mask : MaskUrlPassword(text);
                case System.Collections.IEnumerable list:
                    return list.Cast<object?>().Select(v => RedactValue(key, v)).ToList();
                default:
                    return IsSecretKey(key) ? Mask : value;
            }
        }

        /// <summary>A message with secret parts (<c>AccountKey=…</c>, <c>sig=…</c>, <c>Bearer …</c>) masked.</summary>
        public static string RedactText(string text) =>
            string.IsNullOrEmpty(text) ? text : MaskUrlPassword(SecretInText.Replace(text, m => m.Groups["name"].Value + m.Groups["eq"].Value + Mask));

        /// <summary><c>postgres://u:pw@h/db</c> shown as <c>postgres://u:********@h/db</c>.</summary>
        private static string MaskUrlPassword(string text) =>
            text.IndexOf("://", StringComparison.Ordinal) < 0 ? text : UrlPassword.Replace(text, m => m.Groups["head"].Value + Mask + m.Groups["tail"].Value);
    }
}
