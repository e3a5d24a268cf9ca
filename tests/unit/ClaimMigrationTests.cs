using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace PorterStorage.Tests
{
    public class ClaimMigrationTests
    {
        private const string Testdata = "porter-v0.38.9/pkg/storage/testdata/";

        private static LegacyClaim Load(string fixture) => LegacyClaim.Parse(File.ReadAllBytes(TempHome.Fixture(Testdata + fixture)), fixture);

        private static LegacyClaim LoadText(string json) => LegacyClaim.Parse(Encoding.UTF8.GetBytes(json), "claims/x.json");

        private static string MaskIds(string text) => Regex.Replace(text, "\"[0-9A-HJKMNP-TV-Z]{26}\"", "\"<ULID>\"");

        private static string Text(StoredDocument d) => Encoding.UTF8.GetString(d.Content);

        private const string MinimalBundle = "\"bundle\":{\"name\":\"b\"}";

        [Fact]
        public void Split_HasInstallation_MatchesPortersMigratedFixtureModuloIds()
        {
            using LegacyClaim legacy = Load("claims/has-installation.json");
            SplitClaim split = ClaimSplitter.Split(legacy, "claims/example-exec-outputs.json", new UlidGenerator());
            StoredDocument claim = split.Changes.Writes.Single(w => w.ItemType == "claims");
            StoredDocument result = split.Changes.Writes.Single(w => w.ItemType == "results");
            string expectedClaim = File.ReadAllText(TempHome.Fixture(Testdata + "migrated/claims/example-exec-outputs/01EAZ07M2M914GNFTQ0BD7447S.json"));
            string expectedResult = File.ReadAllText(TempHome.Fixture(Testdata + "migrated/results/01EAZ07M2M914GNFTQ0BD7447S/01EAZ07M2NMJ0293FRMGMQ3AM7.json"));
            Assert.Equal(MaskIds(expectedClaim), MaskIds(Text(claim)));
            Assert.Equal(MaskIds(expectedResult), MaskIds(Text(result)));
            Assert.Equal("example-exec-outputs", claim.Group);
            Assert.Equal(claim.Name, result.Group);
        }

        [Fact]
        public void Split_HasInstallation_OutputsMatchFixtureBytes()
        {
            using LegacyClaim legacy = Load("claims/has-installation.json");
            SplitClaim split = ClaimSplitter.Split(legacy, "claims/example-exec-outputs.json", new UlidGenerator());
            string rid = split.ResultIds.Single();
            string folder = TempHome.Fixture(Testdata + "migrated/outputs/01EAZ07M2NMJ0293FRMGMQ3AM7");
            foreach (string name in new[] { "config", "kubeconfig" })
            {
                StoredDocument output = split.Changes.Writes.Single(w => w.ItemType == "outputs" && w.Name == rid + "-" + name);
                Assert.Equal(rid, output.Group);
                Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "01EAZ07M2NMJ0293FRMGMQ3AM7-" + name)), output.Content);
                Assert.Equal($"outputs/{rid}/{rid}-{name}", output.FileSystemPath);
            }
        }

        [Fact]
        public void Split_HasName_RenamedAndSameDocumentsAsHasInstallation()
        {
            using LegacyClaim a = Load("claims/has-name.json");
            using LegacyClaim b = Load("claims/has-installation.json");
            Assert.True(a.RenamedFromName);
            Assert.False(b.RenamedFromName);
            var ga = ClaimSplitter.Split(a, "x", new UlidGenerator(() => 1));
            var gb = ClaimSplitter.Split(b, "x", new UlidGenerator(() => 1));
            Assert.Equal(MaskIds(Text(ga.Changes.Writes.Single(w => w.ItemType == "claims"))), MaskIds(Text(gb.Changes.Writes.Single(w => w.ItemType == "claims"))));
        }

        [Fact]
        public void Split_Installed_OneClaimUnderJsonInstallationName()
        {
            using LegacyClaim legacy = Load("claims/installed.json");
            SplitClaim split = ClaimSplitter.Split(legacy, "claims/installed.json", new UlidGenerator());
            Assert.Equal("mybun", split.Installation);
            Assert.Single(split.ClaimIds);
            Assert.Contains("\"status\": \"succeeded\"", Text(split.Changes.Writes.Single(w => w.ItemType == "results")));
            Assert.Equal(new[] { "claims/installed.json" }, split.Changes.Deletes);
            Assert.Equal("installations/mybun", split.Changes.Writes.Last().FileSystemPath);
            Assert.Empty(split.Changes.Writes.Last().Content);
        }

        [Fact]
        public void Split_Upgraded_PlaceholderInstallUnknownThenUpgrade_InUlidOrder()
        {
            using LegacyClaim legacy = Load("claims/upgraded.json");
            SplitClaim split = ClaimSplitter.Split(legacy, "claims/mybun.json", new UlidGenerator());
            Assert.Equal(2, split.ClaimIds.Count);
            Assert.True(string.CompareOrdinal(split.ClaimIds[0], split.ClaimIds[1]) < 0);
            var claims = split.Changes.Writes.Where(w => w.ItemType == "claims").Select(w => JsonDocument.Parse(w.Content).RootElement).ToList();
            var placeholder = claims.Single(c => c.GetProperty("id").GetString() == split.ClaimIds[0]);
            var last = claims.Single(c => c.GetProperty("id").GetString() == split.ClaimIds[1]);
            Assert.Equal("install", placeholder.GetProperty("action").GetString());
            Assert.Equal("01EAX385TG348KSJEZ51GEPEP2", placeholder.GetProperty("revision").GetString());
            Assert.Equal("2019-11-07T12:01:44.719151-06:00", placeholder.GetProperty("created").GetString());
            Assert.False(placeholder.TryGetProperty("parameters", out _));
            Assert.Equal("upgrade", last.GetProperty("action").GetString());
            Assert.Equal("2019-11-08T12:01:44.719151-06:00", last.GetProperty("created").GetString());
            Assert.NotEqual("01EAX385TG348KSJEZ51GEPEP2", last.GetProperty("revision").GetString());
            var statuses = split.Changes.Writes.Where(w => w.ItemType == "results").Select(w => JsonDocument.Parse(w.Content).RootElement)
                .ToDictionary(r => r.GetProperty("claimId").GetString()!, r => r.GetProperty("status").GetString());
            Assert.Equal("unknown", statuses[split.ClaimIds[0]]);
            Assert.Equal("succeeded", statuses[split.ClaimIds[1]]);
        }

        [Theory]
        [InlineData("success", "succeeded")]
        [InlineData("failure", "failed")]
        [InlineData("underway", "underway")]
        [InlineData("", "")]
        [InlineData("Success", "Success")]
        public void MappedStatus_PortersMapping(string status, string expected)
        {
            using LegacyClaim c = LoadText("{\"installation\":\"a\"," + MinimalBundle + ",\"result\":{\"status\":\"" + status + "\"}}");
            Assert.Equal(expected, c.MappedStatus);
        }

        [Theory]
        [InlineData("2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", "upgrade", true)]
        [InlineData("2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", "install", false)]
        [InlineData("2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", "Install", true)]
        [InlineData("2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", "upgrade", false)]
        [InlineData("2020-01-01T00:00:00.000Z", "2020-01-01T00:00:00+00:00", "upgrade", false)]
        [InlineData("2020-01-01T00:00:00Z", "2020-01-01T01:00:00+01:00", "upgrade", true)]
        public void NeedsPlaceholder_CreatedModifiedAndAction(string created, string modified, string action, bool expected)
        {
            using LegacyClaim c = LoadText($"{{\"installation\":\"a\",\"created\":\"{created}\",\"modified\":\"{modified}\",{MinimalBundle},\"result\":{{\"action\":\"{action}\"}}}}");
            Assert.Equal(expected, c.NeedsPlaceholder);
        }

        [Fact]
        public void Split_CustomBundleReferenceAndMessage_SurviveOnLastActionClaim()
        {
            using LegacyClaim c = LoadText("{\"installation\":\"a\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-02T00:00:00Z\"," + MinimalBundle +
                ",\"bundleReference\":\"getporter/x:v1\",\"custom\":{\"b\":1,\"a\":[true]},\"result\":{\"action\":\"upgrade\",\"status\":\"failure\",\"message\":\"boom\"}}");
            SplitClaim split = ClaimSplitter.Split(c, "claims/a.json", new UlidGenerator());
            var last = JsonDocument.Parse(split.Changes.Writes.Single(w => w.ItemType == "claims" && w.Name == split.ClaimIds[1]).Content).RootElement;
            Assert.Equal("getporter/x:v1", last.GetProperty("bundleReference").GetString());
            Assert.Equal("{\"a\":[true],\"b\":1}", last.GetProperty("custom").GetRawText().Replace(" ", "").Replace("\n", ""));
            var lastResult = JsonDocument.Parse(split.Changes.Writes.Single(w => w.ItemType == "results" && w.Group == split.ClaimIds[1]).Content).RootElement;
            Assert.Equal("boom", lastResult.GetProperty("message").GetString());
            Assert.Equal("failed", lastResult.GetProperty("status").GetString());
            string placeholder = Text(split.Changes.Writes.Single(w => w.ItemType == "claims" && w.Name == split.ClaimIds[0]));
            Assert.Contains("\"bundleReference\": \"getporter/x:v1\"", placeholder);
        }

        [Fact]
        public void Split_BundleKeptAsIs_UnknownFieldsAndNonIntegerKeywords()
        {
            string bundle = "{\"schemaVersion\":\"v1.0.0\",\"name\":\"b\",\"zeta\":{\"x\":1},\"definitions\":{\"p\":{\"type\":\"number\",\"minimum\":0.5,\"maximum\":1e3}},\"alpha\":12345678901234567890}";
            using LegacyClaim c = LoadText("{\"installation\":\"a\",\"bundle\":" + bundle + "}");
            string claim = Text(ClaimSplitter.Split(c, "x", new UlidGenerator()).Changes.Writes.Single(w => w.ItemType == "claims"));
            var written = JsonDocument.Parse(claim).RootElement.GetProperty("bundle");
            Assert.Equal(new[] { "schemaVersion", "name", "zeta", "definitions", "alpha" }, written.EnumerateObject().Select(p => p.Name));
            Assert.Contains("\"minimum\": 0.5", claim);
            Assert.Contains("\"maximum\": 1e3", claim);
            Assert.Contains("12345678901234567890", claim);
        }

        [Fact]
        public void ClaimJson_GoEscaping_PlusAndNonAsciiRaw_HtmlCharsEscaped()
        {
            using LegacyClaim c = LoadText("{\"installation\":\"a\",\"bundle\":{\"name\":\"1.0.0+b5ed\",\"d\":\"<é&>\\u2028\\u0001\"},\"parameters\":{\"p\":\"x+y\"}}");
            string claim = Text(ClaimSplitter.Split(c, "x", new UlidGenerator()).Changes.Writes.Single(w => w.ItemType == "claims"));
            Assert.Contains("\"1.0.0-DRAFT+b5ed2f3\"", claim);
            Assert.Contains("\"1.0.0+b5ed\"", claim);
            Assert.Contains("\"\\u003cé\\u0026\\u003e\\u2028\\u0001\"", claim);
            Assert.Contains("\"p\": \"x+y\"", claim);
            Assert.False(claim.EndsWith("\n", StringComparison.Ordinal));
        }

        [Fact]
        public void ClaimJson_ParametersSortedAndThroughFloat64_EmptyOmitted()
        {
            using LegacyClaim c = LoadText("{\"installation\":\"a\"," + MinimalBundle + ",\"parameters\":{\"z\":1000000,\"a\":12345678901234567890,\"m\":1e21,\"n\":{\"y\":1,\"b\":2}}}");
            string claim = Text(ClaimSplitter.Split(c, "x", new UlidGenerator()).Changes.Writes.Single(w => w.ItemType == "claims"));
            Assert.Contains("\"parameters\": {\n    \"a\": 12345678901234567000,\n    \"m\": 1e+21,\n    \"n\": {\n      \"b\": 2,\n      \"y\": 1\n    },\n    \"z\": 1000000\n  }", claim);
            using LegacyClaim empty = LoadText("{\"installation\":\"a\"," + MinimalBundle + ",\"parameters\":{}}");
            Assert.DoesNotContain("parameters", Text(ClaimSplitter.Split(empty, "x", new UlidGenerator()).Changes.Writes.Single(w => w.ItemType == "claims")));
        }

        [Fact]
        public void Split_NonStringOutputs_GoPercentV()
        {
            using LegacyClaim c = LoadText("{\"installation\":\"a\"," + MinimalBundle + ",\"outputs\":{\"b\":true,\"n\":1000000,\"f\":5,\"m\":{\"y\":[1,\"s\"],\"a\":null},\"l\":[\"a\",\"b\"],\"z\":null,\"s\":\"text\\n\"}}");
            SplitClaim split = ClaimSplitter.Split(c, "x", new UlidGenerator());
            string rid = split.ResultIds.Single();
            string Out(string n) => Text(split.Changes.Writes.Single(w => w.Name == rid + "-" + n));
            Assert.Equal("true", Out("b"));
            Assert.Equal("1e+06", Out("n"));
            Assert.Equal("5", Out("f"));
            Assert.Equal("map[a:<nil> y:[1 s]]", Out("m"));
            Assert.Equal("[a b]", Out("l"));
            Assert.Equal("<nil>", Out("z"));
            Assert.Equal("text\n", Out("s"));
        }

        [Fact]
        public void Parse_CaseInsensitiveFieldsLikeGo()
        {
            using LegacyClaim c = LoadText("{\"Installation\":\"inst\",\"BUNDLE\":{\"name\":\"b\"},\"Result\":{\"Action\":\"upgrade\"}}");
            Assert.Equal("inst", c.Installation);
            Assert.Equal("upgrade", c.Action);
        }

        [Fact]
        public void Parse_NameWithInstallation_NotRenamed()
        {
            using LegacyClaim c = LoadText("{\"name\":\"old\",\"installation\":\"new\"," + MinimalBundle + "}");
            Assert.Equal("new", c.Installation);
            Assert.False(c.RenamedFromName);
        }

        [Fact]
        public void Parse_VersionedWithName_NotRenamed_InvalidName()
        {
            var ex = Assert.Throws<PorterStorageException>(() => LoadText("{\"schemaVersion\":\"v1.0.0-WD\",\"name\":\"old\"," + MinimalBundle + "}"));
            Assert.Equal(ErrorIds.InvalidInstallationName, ex.ErrorId);
        }

        [Fact]
        public void Parse_MissingTimestamps_GoZeroTime()
        {
            using LegacyClaim c = LoadText("{\"installation\":\"a\"," + MinimalBundle + "}");
            Assert.Equal("0001-01-01T00:00:00Z", c.Created);
            Assert.False(c.NeedsPlaceholder);
        }

        [Theory]
        [InlineData("{\"installation\":\"a\"}", "ClaimBundleMissing")]
        [InlineData("{\"installation\":\"a\",\"bundle\":null}", "ClaimBundleMissing")]
        [InlineData("{\"installation\":\"a b\"," + MinimalBundle + "}", "InvalidInstallationName")]
        [InlineData("{\"installation\":\"\"," + MinimalBundle + "}", "InvalidInstallationName")]
        [InlineData("{\"installation\":5," + MinimalBundle + "}", "ClaimParseError")]
        [InlineData("{\"installation\":\"a\",\"bundle\":\"x\"}", "ClaimParseError")]
        [InlineData("{\"installation\":\"a\"," + MinimalBundle + ",\"created\":\"yesterday\"}", "ClaimParseError")]
        [InlineData("[1,2]", "ClaimParseError")]
        [InlineData("{\"installation\":\"a\", ", "ClaimParseError")]
        public void Parse_BadInput_NamedError(string json, string errorId)
        {
            var ex = Assert.Throws<PorterStorageException>(() => LoadText(json));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal("claims/x.json", ex.Target);
        }

        [Fact]
        public void Parse_ErrorMessages_NeverContainContent()
        {
            var ex = Assert.Throws<PorterStorageException>(() => LoadText("{\"installation\":\"a\",\"parameters\":{\"password\":\"hunter2-secret\"}, broken"));
            Assert.DoesNotContain("hunter2", ex.Message);
            Assert.Contains("line 1", ex.Message);
        }

        [Fact]
        public void Parse_BomAndInvalidUtf8_ClaimParseError()
        {
            byte[] json = Encoding.UTF8.GetBytes("{\"installation\":\"a\"," + MinimalBundle + "}");
            Assert.Equal(ErrorIds.ClaimParseError, Assert.Throws<PorterStorageException>(() => LegacyClaim.Parse(new byte[] { 0xEF, 0xBB, 0xBF }.Concat(json).ToArray(), "x")).ErrorId);
            byte[] bad = (byte[])json.Clone();
            bad[17] = 0xFF;
            Assert.Equal(ErrorIds.ClaimParseError, Assert.Throws<PorterStorageException>(() => LegacyClaim.Parse(bad, "x")).ErrorId);
        }

        [Fact]
        public void Split_OutputNameWithSlash_InvalidItemName()
        {
            using LegacyClaim c = LoadText("{\"installation\":\"a\"," + MinimalBundle + ",\"outputs\":{\"../x\":\"v\"}}");
            Assert.Equal(ErrorIds.InvalidItemName, Assert.Throws<PorterStorageException>(() => ClaimSplitter.Split(c, "claims/a.json", new UlidGenerator())).ErrorId);
        }
    }
}
