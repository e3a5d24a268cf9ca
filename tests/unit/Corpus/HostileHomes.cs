using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace PorterStorage.Tests.Corpus
{
    /// <summary>One hostile home: how to build it, the error id it must name (null: it must migrate cleanly), what must survive.</summary>
    public sealed class HostileHome
    {
        public HostileHome(string name, string? expectedId, Action<TempHome, TempHome> build, params string[] kept)
        {
            Name = name;
            ExpectedId = expectedId;
            Build = build;
            Kept = kept;
        }

        public string Name { get; }

        public string? ExpectedId { get; }

        /// <summary>Builds the hostile part into the home; the second folder lies outside it (link targets).</summary>
        public Action<TempHome, TempHome> Build { get; }

        /// <summary>Home-relative files that must be byte-identical after the run.</summary>
        public IReadOnlyList<string> Kept { get; }

        /// <summary>The whole home is refused before the first write.</summary>
        public bool HomeRefused { get; init; }

        /// <summary>What Test-PorterStorage's engine must say after the run; null: valid exactly when the run reported nothing.</summary>
        public bool? VerifierValid { get; init; }

        /// <summary>More to check after the run.</summary>
        public Action<TempHome>? Check { get; init; }

        public override string ToString() => Name;
    }

    /// <summary>The corpus: at least one home per class of issue "Nothing lost, ever", and what the property tests taught.</summary>
    public static class HostileHomes
    {
        public const string FifoSuffix = ".fifo.json";

        private const string Bundle = "{\"schemaVersion\":\"v1.0.0\",\"name\":\"mybun\",\"version\":\"0.1.0\",\"description\":\"\",\"invocationImages\":[{\"imageType\":\"docker\",\"image\":\"getporter/mybun:v0.1.0\"}]}";

        /// <summary>A legacy (d7ffba8) claim with the given pieces as raw JSON.</summary>
        public static string Claim(string installation, string parameters = "{}", string outputs = "{}", string? custom = null,
            string bundle = Bundle, string action = "upgrade", string status = "success", string installationJson = "")
        {
            string inst = installationJson.Length > 0 ? installationJson : "\"" + installation + "\"";
            return "{\"schemaVersion\":\"1.0.0-DRAFT+d7ffba8\",\"installation\":" + inst + ",\"revision\":\"01EAX385TG348KSJEZ51GEPEP2\"," +
                "\"created\":\"2019-11-07T12:01:44.719151-06:00\",\"modified\":\"2019-11-08T12:01:44.719151-06:00\",\"bundle\":" + bundle + "," +
                "\"result\":{\"message\":\"\",\"action\":\"" + action + "\",\"status\":\"" + status + "\"},\"parameters\":" + parameters +
                ",\"outputs\":" + outputs + (custom != null ? ",\"custom\":" + custom : "") + "}";
        }

        private static string ParamSet(string name, string value) =>
            "{\"name\":\"" + name + "\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"parameters\":[{\"name\":\"p\",\"source\":{\"value\":" + value + "}}]}";

        private static string CredSet(string name, string source) =>
            "{\"name\":\"" + name + "\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"credentials\":[{\"name\":\"c\",\"source\":" + source + "}]}";

        private static HostileHome BadClaim(string name, string? id, string text) =>
            new HostileHome(name, id, (h, _) => h.Write("claims/bad.json", text), "claims/bad.json");

        private static HostileHome BadClaimBytes(string name, string? id, byte[] bytes) =>
            new HostileHome(name, id, (h, _) => h.WriteBytes("claims/bad.json", bytes), "claims/bad.json");

        private static HostileHome BadParams(string name, string? id, string text) =>
            new HostileHome(name, id, (h, _) => h.Write("parameters/bad.json", text), "parameters/bad.json");

        /// <summary>A refused YAML set: Porter v0.28+ never reads YAML, so the home still verifies.</summary>
        private static HostileHome BadYaml(string name, string? id, string yaml) =>
            new HostileHome(name, id, (h, _) => h.Write("credentials/bad.yaml", yaml), "credentials/bad.yaml") { VerifierValid = true };

        /// <summary>A YAML set that converts: its value is in the JSON written beside it, the YAML kept aside byte for byte.</summary>
        private static HostileHome YamlConverted(string name, string yaml, string expected) =>
            new HostileHome(name, null, (h, _) => h.Write("credentials/bad.yaml", yaml))
            {
                Check = h =>
                {
                    Assert.Equal(yaml, File.ReadAllText(h.P("credentials/bad.yaml.migrated")));
                    Assert.Contains(expected, File.ReadAllText(h.P("credentials/bad.json")).Replace(" ", string.Empty));
                },
            };

        private static HostileHome Clean(string name, Action<TempHome, TempHome> build) => new HostileHome(name, null, build);

        private static string Deep(int levels) => string.Concat(Enumerable.Repeat("[", levels)) + "1" + string.Concat(Enumerable.Repeat("]", levels));

        public static readonly IReadOnlyList<HostileHome> All = new List<HostileHome>
        {
            // 1. Numbers Go cannot hold, and what Go's decoder refuses or accepts.
            BadClaim("number-1e400-in-parameters", "NumberOutOfRange", Claim("bad", parameters: "{\"n\":1e400}")),
            BadClaim("number-minus-1e400-in-parameters", "NumberOutOfRange", Claim("bad", parameters: "{\"n\":-1e400}")),
            BadClaim("number-1e400-in-outputs", "NumberOutOfRange", Claim("bad", outputs: "{\"o\":1e400}")),
            BadClaim("number-1e400-in-custom", "NumberOutOfRange", Claim("bad", custom: "{\"c\":1e400}")),
            BadClaim("number-1e400-nested-in-array", "NumberOutOfRange", Claim("bad", parameters: "{\"n\":[1,{\"x\":[2,1.8e308]}]}")),
            BadClaim("number-1e309-in-parameters", "NumberOutOfRange", Claim("bad", parameters: "{\"n\":1e309}")),
            BadParams("number-1e400-in-parameter-set", "NumberOutOfRange", ParamSet("bad", "1e400")),
            BadParams("number-minus-1e400-nested-in-parameter-set", "NumberOutOfRange", ParamSet("bad", "{\"a\":[-1e400]}")),
            Clean("number-underflow-1e-400-migrates-as-zero", (h, _) => h.Write("claims/ok.json", Claim("ok", parameters: "{\"n\":1e-400}"))),
            Clean("number-twenty-digit-integer", (h, _) => h.Write("claims/ok.json", Claim("ok", parameters: "{\"n\":12345678901234567890}"))),
            Clean("number-max-double", (h, _) => h.Write("claims/ok.json", Claim("ok", parameters: "{\"n\":1.7976931348623157e308,\"m\":4.9e-324}"))),
            Clean("number-exponent-forms-in-outputs", (h, _) => h.Write("claims/ok.json", Claim("ok", outputs: "{\"a\":1E+2,\"b\":1000000,\"c\":2.5e-7,\"d\":-0}"))),

            // 1b. Strict JSON: what Go refuses is refused, what Go accepts migrates.
            BadClaim("json-nan-literal", "ClaimParseError", Claim("bad", parameters: "{\"n\":NaN}")),
            BadClaim("json-infinity-literal", "ClaimParseError", Claim("bad", parameters: "{\"n\":Infinity}")),
            BadClaim("json-trailing-comma", "ClaimParseError", Claim("bad", parameters: "{\"n\":1,}")),
            BadClaim("json-truncated", "ClaimParseError", Claim("bad").Substring(0, 120)),
            BadClaim("json-empty-file", "ClaimParseError", ""),
            BadClaim("json-comment", "ClaimParseError", "// c\n" + Claim("bad")),
            BadClaimBytes("json-utf8-bom", "ClaimParseError", new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Claim("bad"))).ToArray()),
            BadClaim("json-nesting-beyond-go-limit", "JsonNestingTooDeep", Claim("bad", parameters: "{\"n\":" + Deep(10001) + "}")),
            Clean("json-nesting-300-levels", (h, _) => h.Write("claims/ok.json", Claim("ok", parameters: "{\"n\":" + Deep(300) + "}"))),
            Clean("json-duplicate-keys-last-wins", (h, _) => h.Write("claims/ok.json", Claim("ok", parameters: "{\"n\":1,\"n\":2}"))),
            // Go would read a lone surrogate escape as U+FFFD, changing the value: refused rather than altered.
            BadClaim("json-lone-surrogate-escape", "ClaimParseError", Claim("bad", parameters: "{\"s\":\"a\\ud800b\"}")),
            Clean("json-html-and-control-characters", (h, _) => h.Write("claims/ok.json", Claim("ok", parameters: "{\"s\":\"<a>&\\u0001\\u2028\"}", outputs: "{\"o\":\"\\u0000x\"}"))),
            new HostileHome("credential-set-lone-surrogate", "CredentialSetParseError", (h, _) => h.Write("credentials/bad.json", CredSet("bad", "{\"value\":\"x\\udc00\"}")), "credentials/bad.json"),

            // Times Go's time package refuses (found by review): refused before anything is written; year 0000 is Go's and migrates.
            BadClaim("time-february-30", "ClaimParseError", Claim("bad").Replace("2019-11-08T12:01:44.719151-06:00", "2019-02-30T00:00:00Z")),
            BadClaim("time-month-13", "ClaimParseError", Claim("bad").Replace("2019-11-08T12:01:44.719151-06:00", "2019-13-01T00:00:00Z")),
            BadClaim("time-second-60", "ClaimParseError", Claim("bad").Replace("2019-11-07T12:01:44.719151-06:00", "2019-11-07T12:01:60Z")),
            BadClaim("time-hour-24", "ClaimParseError", Claim("bad").Replace("2019-11-07T12:01:44.719151-06:00", "2019-11-07T24:00:00Z")),
            BadClaim("time-offset-25-hours", "ClaimParseError", Claim("bad").Replace("2019-11-07T12:01:44.719151-06:00", "2019-11-07T12:00:00+25:00")),
            BadClaim("time-arabic-indic-digits", "ClaimParseError", Claim("bad").Replace("2019-11-07T12:01:44.719151-06:00", "٢٠١٩-11-07T12:00:00Z")),
            new HostileHome("time-credential-set-invalid", "CredentialSetParseError", (h, _) =>
                h.Write("credentials/bad.json", CredSet("bad", "{\"env\":\"X\"}").Replace("2020-01-01T00:00:00Z", "2020-02-31T00:00:00Z")), "credentials/bad.json"),
            Clean("time-year-0000", (h, _) => h.Write("claims/ok.json", Claim("ok").Replace("2019-11-07T12:01:44.719151-06:00", "0000-01-01T00:00:00Z"))),

            // Claim shapes Porter cannot load.
            BadClaim("claim-bundle-null", "ClaimBundleMissing", Claim("bad", bundle: "null")),
            BadClaim("claim-parameters-as-array", "ClaimParseError", Claim("bad", parameters: "[1,2]")),
            BadClaim("claim-outputs-as-string", "ClaimParseError", Claim("bad", outputs: "\"x\"")),
            BadClaim("claim-installation-is-number", "ClaimParseError", Claim("bad", installationJson: "42")),
            BadClaim("claim-not-an-object", "ClaimParseError", "[1,2,3]"),

            // 2. Links.
            new HostileHome("link-claims-folder-outside", "DataFolderIsLink", (h, o) =>
            {
                o.Write("claims/victim.json", Claim("victim"));
                MoveGoodClaimInto(h, o);
                Directory.Delete(h.P("claims"), true);
                Directory.CreateSymbolicLink(h.P("claims"), o.P("claims"));
            }) { HomeRefused = true },
            new HostileHome("link-credentials-folder-outside", "DataFolderIsLink", (h, o) =>
            {
                o.Write("creds/victim.json", CredSet("victim", "{\"env\":\"X\"}"));
                Directory.Delete(h.P("credentials"), true);
                Directory.CreateSymbolicLink(h.P("credentials"), o.P("creds"));
            }) { HomeRefused = true },
            new HostileHome("link-parameters-folder-outside", "DataFolderIsLink", (h, o) =>
            {
                o.Write("params/victim.json", ParamSet("victim", "1"));
                Directory.Delete(h.P("parameters"), true);
                Directory.CreateSymbolicLink(h.P("parameters"), o.P("params"));
            }) { HomeRefused = true },
            new HostileHome("link-claim-file-outside", "DataFileIsLink", (h, o) =>
                File.CreateSymbolicLink(h.P("claims/linked.json"), o.Write("victim.json", Claim("victim")))),
            new HostileHome("link-claim-file-inside", "DataFileIsLink", (h, _) =>
                File.CreateSymbolicLink(h.P("claims/alias.json"), h.Write("claims/real.json", Claim("real")))),
            new HostileHome("link-claim-dangling", "DataFileIsLink", (h, _) => File.CreateSymbolicLink(h.P("claims/dangling.json"), "/nonexistent/nowhere.json")),
            new HostileHome("link-parameter-set-outside", "DataFileIsLink", (h, o) =>
                File.CreateSymbolicLink(h.P("parameters/linked.json"), o.Write("p.json", ParamSet("linked", "1")))),

            // 3. Names that pass Porter's pattern but cannot be files, or break it.
            BadClaim("name-installation-dot", "InvalidItemName", Claim(".")),
            BadClaim("name-installation-dotdot", "InvalidItemName", Claim("..")),
            // Found by the property test: '.' made the duplicate check read claims/ itself and delete the file as its own twin.
            BadClaim("name-installation-dot-v1-wd-claim", "InvalidItemName",
                "{\"schemaVersion\":\"v1.0.0-WD\",\"installation\":\".\",\"revision\":\"01EAX385TG348KSJEZ51GEPEP2\",\"created\":\"2020-01-01T00:00:00Z\"," +
                "\"modified\":\"2019-11-08T12:01:44.719151-06:00\",\"bundle\":" + Bundle + ",\"result\":{\"message\":\"m\",\"action\":\"\",\"status\":\"underway\"}," +
                "\"parameters\":{\"k\":\"<\\/\"},\"outputs\":{}}"),
            BadClaim("name-installation-256-bytes", "InvalidItemName", Claim(new string('a', 256))),
            BadClaim("name-installation-slash", "InvalidInstallationName", Claim("a/b")),
            BadClaim("name-installation-empty", "InvalidInstallationName", Claim("")),
            BadClaim("name-installation-unicode", "InvalidInstallationName", Claim("ü")),
            BadClaim("name-installation-nul", "InvalidInstallationName", Claim("a\\u0000b")),
            BadClaim("name-output-dotdot", "InvalidItemName", Claim("bad", outputs: "{\"..\":\"x\"}")),
            BadClaim("name-output-slash", "InvalidItemName", Claim("bad", outputs: "{\"a/b\":\"x\"}")),
            BadClaim("name-output-too-long", "InvalidItemName", Claim("bad", outputs: "{\"" + new string('o', 250) + "\":\"x\"}")),
            BadClaim("name-output-empty", "InvalidItemName", Claim("bad", outputs: "{\"\":\"x\"}")),
            Clean("name-installation-dots-and-dashes", (h, _) => h.Write("claims/ok.json", Claim("a.b-c_d"))),
            // Found by review: the installation's claims folder would be its own legacy file; refused at plan, nothing left behind.
            BadClaim("name-installation-is-its-own-file-name", "InvalidItemName", Claim("bad.json")),

            // 4. YAML credential sets (Porter ≤ v0.22): never a value lost silently.
            BadYaml("yaml-broken", "CredentialSetParseError", "name: bad\ncredentials: [\n"),
            YamlConverted("yaml-alias-to-list", "name: bad\nx: &l [1, 2]\ncredentials:\n- name: c\n  source:\n    env: X\ny: *l\n", "\"env\":\"X\""),
            YamlConverted("yaml-merge-key", "name: bad\nbase: &b\n  env: FROM_ANCHOR\ncredentials:\n- name: c\n  source:\n    <<: *b\n", "\"env\":\"FROM_ANCHOR\""),
            YamlConverted("yaml-alias-scalar", "name: bad\nv: &v SECRET_PATH\ncredentials:\n- name: c\n  source:\n    path: *v\n", "\"path\":\"SECRET_PATH\""),
            BadYaml("yaml-duplicate-keys", "YamlUnsupported", "name: bad\nname: other\ncredentials: []\n"),
            BadYaml("yaml-recursive-alias", "CredentialSetParseError", "name: bad\ncredentials: &r\n- *r\n"),

            // 5. Shapes of the home itself.
            new HostileHome("shape-schema-json-is-folder", "PathNotFile", (h, _) => h.Write("schema.json/x", "{}")) { HomeRefused = true },
            new HostileHome("shape-claims-is-file", "PathNotFolder", (h, o) =>
            {
                MoveGoodClaimInto(h, o);
                Directory.Delete(h.P("claims"), true);
                h.Write("claims", "not a folder");
            }, "claims") { HomeRefused = true },
            new HostileHome("shape-credentials-is-file", "PathNotFolder", (h, _) =>
            {
                Directory.Delete(h.P("credentials"), true);
                h.Write("credentials", "not a folder");
            }, "credentials") { HomeRefused = true },
            new HostileHome("shape-parameters-is-file", "PathNotFolder", (h, _) =>
            {
                Directory.Delete(h.P("parameters"), true);
                h.Write("parameters", "not a folder");
            }, "parameters") { HomeRefused = true },
            BadClaim("shape-schema-json-corrupt", "SchemaParseError", Claim("bad")).With(h => h.Write("schema.json", "{not json")),
            new HostileHome("shape-fifo-in-claims", "FileUnreadable", (h, _) => MakeFifo(h.P("claims/pipe" + FifoSuffix))),
            new HostileHome("shape-document-too-large", "DocumentTooLarge", (h, _) =>
            {
                // Sparse: larger than any Porter document without writing its bytes.
                using FileStream f = File.Create(h.Write("claims/big.json", "{"));
                f.SetLength(LegacyClaim.MaxDocumentBytes + 1L);
            }),
            // A folder in claims/ is an installation of the current layout: left alone, and its empty claim fails verification.
            new HostileHome("shape-subfolder-in-claims", null, (h, _) => h.Write("claims/sub/x.json", "{}"), "claims/sub/x.json") { VerifierValid = false },
            BadParams("parameter-set-not-json", "ParameterSetParseError", "{\"name\":"),
            new HostileHome("credential-set-number-source", "CredentialSetParseError", (h, _) => h.Write("credentials/bad.json", CredSet("bad", "{\"value\":5}")), "credentials/bad.json"),
            new HostileHome("credential-set-two-key-source", "CredentialSetParseError", (h, _) => h.Write("credentials/bad.json", CredSet("bad", "{\"env\":\"A\",\"value\":\"B\"}")), "credentials/bad.json"),
        };

        private static HostileHome With(this HostileHome c, Action<TempHome> more) =>
            new HostileHome(c.Name, c.ExpectedId, (h, o) => { c.Build(h, o); more(h); }, c.Kept.ToArray()) { HomeRefused = true };

        private static void MoveGoodClaimInto(TempHome h, TempHome o)
        {
            Directory.CreateDirectory(o.P("claims"));
            File.Move(h.P("claims/good.json"), o.P("claims/good.json"));
        }

        private static void MakeFifo(string path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var p = System.Diagnostics.Process.Start("mkfifo", path);
            p.WaitForExit();
        }
    }
}
