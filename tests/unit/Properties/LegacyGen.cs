using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;

namespace PorterStorage.Tests.Properties
{
    /// <summary>
    /// Generators of legacy Porter documents as raw JSON text, hostile on purpose: numbers Go cannot hold, odd exponents,
    /// unicode, control characters, lone surrogate escapes, HTML characters, duplicate keys, deep nesting, odd names.
    /// </summary>
    internal static class LegacyGen
    {
        public static readonly string[] NumberTexts =
        {
            "0", "-0", "1", "-17", "42", "6", "1000000", "1234567", "123456789012", "9007199254740993",
            "12345678901234567890", "0.1", "-2.5", "3.14159", "1e3", "1E+2", "2.5e-7", "123.456e-7", "4.9e-324",
            "1.7976931348623157e308", "1e-400", "1e400", "-1e400", "1.8e308", "1e21", "1e20", "0.000001", "0.0000001",
        };

        public static readonly Gen<string> Number = Gen.OneOf(NumberTexts);

        private static readonly char[] Hostile =
        {
            'a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0001', '\u001f', '\u007f', '<', '>', '&', '\'', 'é', 'ß',
            '\u00a0', '\u2028', '\u2029', '\u200b', '\ufeff', '\ufffd', 'ж', '中', '%', '$', '{', '}', ':',
        };

        private static readonly Gen<string> PlainChars =
            Gen.OneOf(Gen.Char[new string(Hostile)].Select(c => c.ToString()), Gen.OneOf("😀", "\U0001F600x", "e\u0301"))
                .Array[0, 8].Select(a => string.Concat(a));

        /// <summary>A JSON string literal (with quotes), sometimes holding raw escapes such as a lone surrogate.</summary>
        public static readonly Gen<string> StringLiteral =
            Gen.Select(PlainChars, Gen.OneOf("", "", "", "\\ud800", "\\udc00x", "\\ud83d\\ude00", "\\/", "\\u0000", "\\u00e9"))
                .Select((s, raw) => "\"" + Escape(s) + raw + "\"");

        public static string Escape(string s)
        {
            var sb = new StringBuilder();
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20)
                        {
                            sb.Append("\\u").Append(((int)c).ToString("x4"));
                        }
                        else
                        {
                            sb.Append(c);
                        }
                        break;
                }
            }
            return sb.ToString();
        }

        public static readonly Gen<string> Key = Gen.OneOf(
            Gen.OneOf("a", "b", "porter-debug", "verbose", "db-password", "x", "A", "a"),
            PlainChars.Select(s => "k" + s)).Select(k => "\"" + Escape(k) + "\"");

        /// <summary>Any JSON value as text; objects may repeat a key (Go keeps the last).</summary>
        public static readonly Gen<string> Value = Gen.Recursive<string>((depth, value) =>
        {
            var scalar = Gen.Frequency(
                (3, StringLiteral),
                (3, Number),
                (1, Gen.OneOf("true", "false", "null")));
            if (depth >= 3)
            {
                return scalar;
            }
            var array = value.Array[0, 4].Select(a => "[" + string.Join(",", a) + "]");
            var obj = Gen.Select(Key, value).Array[0, 4].Select(a => "{" + string.Join(",", a.Select(kv => kv.Item1 + ":" + kv.Item2)) + "}");
            return Gen.Frequency((4, scalar), (1, array), (1, obj));
        });

        /// <summary>Text nested n levels deep around a value.</summary>
        public static string Nest(int levels, string inner) =>
            string.Concat(Enumerable.Repeat("[", levels)) + inner + string.Concat(Enumerable.Repeat("]", levels));

        public static readonly Gen<string> DeepValue = Gen.Select(Gen.Int[1, 400], Value).Select((n, v) => Nest(n, v));

        public static readonly Gen<string> AnyValue = Gen.Frequency((9, Value), (1, DeepValue));

        public static readonly Gen<string> Map = Gen.Select(Key, AnyValue).Array[0, 4]
            .Select(a => "{" + string.Join(",", a.Select(kv => kv.Item1 + ":" + kv.Item2)) + "}");

        /// <summary>Installation names: mostly valid for Porter, some that pass its pattern but cannot be files, some invalid.</summary>
        public static readonly Gen<string> InstallationName = Gen.Frequency(
            (8, Gen.String[Gen.Char["abcXYZ019._-"], 1, 12].Where(s => s != "." && s != "..")),
            (1, Gen.OneOf(".", "..", new string('a', 256), new string('b', 255), "a b", "a/b", "ü", "", "con", "-")));

        public static readonly Gen<string> OutputName = Gen.Frequency(
            (8, Gen.String[Gen.Char["abc-_.0"], 1, 10].Where(s => s != "." && s != "..")),
            (1, Gen.OneOf("io.cnab.outputs.invocationImageLogs", new string('o', 240), "a/b", "..", "ö")));

        public static readonly Gen<string> Timestamp = Gen.OneOf(
            "2019-11-07T12:01:44.719151-06:00", "2019-11-08T12:01:44.719151-06:00", "2020-01-01T00:00:00Z",
            "2020-06-16T10:20:30.000000001+05:30", "2021-02-03T04:05:06.5Z");

        public static readonly Gen<string> Action = Gen.OneOf("install", "upgrade", "uninstall", "", "custom-action", "Install");

        public static readonly Gen<string> Status = Gen.OneOf("success", "failure", "underway", "unknown", "succeeded", "failed", "");

        public sealed class Claim
        {
            public string FileName = "";
            public string Installation = "";
            public bool UsesName;
            public string Text = "";
            public List<string> OutputNames = new List<string>();

            public override string ToString() => $"{FileName}: {Text}";
        }

        public static readonly Gen<Claim> LegacyClaim = LegacyClaimOf(InstallationName);

        /// <summary>Legacy claims of the installations <paramref name="installations"/> gives (a few names: several claims of one installation).</summary>
        public static Gen<Claim> LegacyClaimOf(Gen<string> installations) =>
            from installation in installations
            from usesName in Gen.Bool
            from schema in Gen.OneOf("", "\"schemaVersion\":\"1.0.0-DRAFT+d7ffba8\",", "\"schemaVersion\":\"v1.0.0-WD\",")
            from created in Timestamp
            from modified in Timestamp
            from action in Action
            from status in Status
            from parameters in Gen.Frequency((6, Map), (1, Gen.OneOf("null", "{}")))
            from outputNames in OutputName.Array[0, 3]
            from outputValues in AnyValue.Array[3]
            from custom in Gen.Frequency((3, Gen.Const("")), (2, AnyValue))
            from bundleReference in Gen.OneOf("", "\"bundleReference\":\"getporter/example:v0.1.0\",")
            select Build(installation, usesName && schema.Length == 0, schema, created, modified, action, status, parameters,
                outputNames.Distinct().ToArray(), outputValues, custom, bundleReference);

        private static Claim Build(string installation, bool usesName, string schema, string created, string modified, string action,
            string status, string parameters, string[] outputNames, string[] outputValues, string custom, string bundleReference)
        {
            string outputs = "{" + string.Join(",", outputNames.Select((n, i) => "\"" + Escape(n) + "\":" + outputValues[i])) + "}";
            string nameField = usesName ? "\"name\":" : "\"installation\":";
            string text = "{" + schema + nameField + "\"" + Escape(installation) + "\"," +
                "\"revision\":\"01EAX385TG348KSJEZ51GEPEP2\",\"created\":\"" + created + "\",\"modified\":\"" + modified + "\"," +
                "\"bundle\":{\"schemaVersion\":\"v1.0.0\",\"name\":\"mybun\",\"version\":\"0.1.0\",\"description\":\"\",\"invocationImages\":[{\"imageType\":\"docker\",\"image\":\"getporter/mybun:v0.1.0\"}]}," +
                bundleReference +
                "\"result\":{\"message\":\"m\",\"action\":\"" + action + "\",\"status\":\"" + status + "\"}," +
                "\"parameters\":" + parameters + ",\"outputs\":" + outputs +
                (custom.Length > 0 ? ",\"custom\":" + custom : "") + "}";
            return new Claim { Installation = installation, UsesName = usesName, Text = text, OutputNames = outputNames.ToList() };
        }

        /// <summary>A parameter set (v0.27: no schemaVersion) with hostile values.</summary>
        public static readonly Gen<string> ParameterSet =
            from name in Gen.String[Gen.Char["abc-"], 1, 8]
            from values in AnyValue.Array[0, 3]
            from extra in Gen.Frequency((3, Gen.Const("")), (1, Gen.Select(Key, AnyValue).Select((k, v) => "," + k + ":" + v)))
            select "{\"name\":\"" + name + "\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"parameters\":[" +
                string.Join(",", values.Select((v, i) => "{\"name\":\"p" + i + "\",\"source\":{\"value\":" + v + "}}")) + "]" + extra + "}";

        /// <summary>A credential set (v0.23–v0.27: no schemaVersion) whose sources are strings, as cnab-go types them.</summary>
        public static readonly Gen<string> CredentialSet =
            from name in Gen.String[Gen.Char["xyz-"], 1, 8]
            from values in StringLiteral.Array[0, 3]
            from strategy in Gen.OneOf("env", "value", "path", "command", "secret")
            select "{\"name\":\"" + name + "\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"credentials\":[" +
                string.Join(",", values.Select((v, i) => "{\"name\":\"c" + i + "\",\"source\":{\"" + strategy + "\":" + v + "}}")) + "]}";
    }
}
