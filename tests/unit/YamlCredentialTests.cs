using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>YAML credential sets read as gopkg.in/yaml.v2 reads them into cnab-go's CredentialSet, or refused by name.</summary>
    public class YamlCredentialTests
    {
        private const string Secret = "s3cr3t-Planted";

        private static SetRewrite Convert(string yaml) =>
            SetMigration.ConvertYamlCredentialSet(Encoding.UTF8.GetBytes(yaml), "credentials/x.yaml", "x", new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        /// <summary>The credentials as "name=key:value" ("name=null" for an empty source).</summary>
        private static string[] Creds(string yaml)
        {
            using JsonDocument doc = JsonDocument.Parse(Convert(yaml).Content);
            JsonElement list = doc.RootElement.GetProperty("credentials");
            return list.ValueKind == JsonValueKind.Null
                ? Array.Empty<string>()
                : list.EnumerateArray().Select(c =>
                {
                    JsonElement s = c.GetProperty("source");
                    string source = s.ValueKind == JsonValueKind.Null ? "null" : string.Join(",", s.EnumerateObject().Select(p => p.Name + ":" + p.Value.GetString()));
                    return c.GetProperty("name").GetString() + "=" + source;
                }).ToArray();
        }

        private static PorterStorageException Refused(string yaml)
        {
            var ex = Assert.Throws<PorterStorageException>(() => Convert(yaml));
            Assert.DoesNotContain(Secret, ex.Message);
            Assert.Equal("credentials/x.yaml", ex.Target);
            return ex;
        }

        [Fact]
        public void Yaml_AliasToMapping_ResolvedNotEmpty()
        {
            Assert.Equal(new[] { "a=env:" + Secret, "b=env:" + Secret },
                Creds($"name: s\ncredentials:\n  - name: a\n    source: &src\n      env: {Secret}\n  - name: b\n    source: *src\n"));
        }

        [Fact]
        public void Yaml_AliasToScalar_Resolved()
        {
            Assert.Equal(new[] { "a=env:" + Secret, "b=value:" + Secret },
                Creds($"credentials:\n  - name: a\n    source:\n      env: &v {Secret}\n  - name: b\n    source:\n      value: *v\n"));
        }

        [Fact]
        public void Yaml_AliasToList_ResolvedAsTheList()
        {
            Assert.Equal(new[] { "a=env:A", "b=value:" + Secret },
                Creds($"credentials: &all\n  - name: a\n    source: {{env: A}}\n  - name: b\n    source: {{value: {Secret}}}\n"));
        }

        [Fact]
        public void Yaml_MergeKey_ExplicitKeyAfterItWins()
        {
            Assert.Equal(new[] { "a=env:" + Secret, "b=env:" + Secret },
                Creds($"credentials:\n  - &first\n    name: a\n    source:\n      env: {Secret}\n  - <<: *first\n    name: b\n"));
        }

        [Fact]
        public void Yaml_MergeSequence_EarlierSourceWins()
        {
            Assert.Equal(new[] { "x=env:X", "y=value:" + Secret, "x=env:X", "y=value:" + Secret },
                Creds($"credentials:\n  - &x {{name: x, source: {{env: X}}}}\n  - &y {{name: y, source: {{value: {Secret}}}}}\n  - <<: [*x, *y]\n  - <<: [*y, *x]\n"));
        }

        [Fact]
        public void Yaml_MergeInsideSource_Resolved()
        {
            Assert.Equal(new[] { "a=env:" + Secret, "b=env:" + Secret },
                Creds($"credentials:\n  - name: a\n    source: &s\n      env: {Secret}\n  - name: b\n    source:\n      <<: *s\n"));
        }

        [Fact]
        public void Yaml_MergeAfterExplicitKey_Refused()
        {
            // yaml.v2 lets the merged value replace the key written before it; the YAML merge rule keeps it. Neither is guessed.
            PorterStorageException ex = Refused($"credentials:\n  - &first\n    name: a\n    source: {{env: {Secret}}}\n  - name: b\n    <<: *first\n");
            Assert.Equal(ErrorIds.YamlUnsupported, ex.ErrorId);
            Assert.Contains("'name'", ex.Message);
        }

        [Theory]
        [InlineData("name: a\nname: b\n")]
        [InlineData("credentials:\n  - name: a\n    name: b\n")]
        [InlineData("credentials:\n  - name: a\n    source:\n      env: A\n      env: " + Secret + "\n")]
        public void Yaml_DuplicateKey_Refused(string yaml)
        {
            PorterStorageException ex = Refused(yaml);
            Assert.Equal(ErrorIds.YamlUnsupported, ex.ErrorId);
            Assert.Contains("appears twice", ex.Message);
        }

        [Theory]
        [InlineData("credentials:\n  - name: a\n    value: " + Secret + "\n")]
        public void Yaml_CredentialFieldPorterWouldDrop_Refused(string yaml)
        {
            Assert.Equal(ErrorIds.YamlUnsupported, Refused(yaml).ErrorId);
        }

        [Theory]
        [InlineData("name: x\ndefaults: &d {env: HELD_BY_ANCHOR}\ncredentials:\n  - name: a\n    source: *d\n", "\"env\":\"HELD_BY_ANCHOR\"")]
        [InlineData("name: x\nschemaVersion: 1.0.0\ncredentials:\n  - name: a\n    source:\n      env: A\n", "\"env\":\"A\"")]
        public void Yaml_TopLevelKeyOfNoSet_DroppedAsYamlV2Does_ValuesItHoldsStillResolved(string yaml, string expected)
        {
            string json = System.Text.Encoding.UTF8.GetString(Convert(yaml).Content).Replace(" ", string.Empty);
            Assert.Contains(expected, json);
            Assert.DoesNotContain("defaults", json);
        }

        [Theory]
        [InlineData("yes")]
        [InlineData("off")]
        [InlineData("0777")]
        [InlineData("0x1F")]
        [InlineData("1e3")]
        [InlineData(".inf")]
        [InlineData("2001-12-14")]
        [InlineData("'null'")]
        [InlineData("\"~\"")]
        public void Yaml_Scalars_KeepTheirTextAsYamlV2StringsDo(string value)
        {
            string expected = value.Trim('\'', '"');
            Assert.Equal(new[] { "a=value:" + expected }, Creds($"credentials:\n  - name: a\n    source:\n      value: {value}\n"));
        }

        [Theory]
        [InlineData("~")]
        [InlineData("null")]
        [InlineData("NULL")]
        [InlineData("")]
        public void Yaml_PlainNull_IsEmptyString(string value)
        {
            Assert.Equal(new[] { "a=env:" }, Creds($"credentials:\n  - name: a\n    source:\n      env: {value}\n"));
        }

        [Fact]
        public void Yaml_NullSourceAndNullCredentials()
        {
            Assert.Equal(new[] { "a=null", "=null" }, Creds("credentials:\n  - name: a\n    source: ~\n  - ~\n"));
            Assert.Empty(Creds("name: x\ncredentials:\n"));
        }

        [Fact]
        public void Yaml_LiteralBlock_KeptAsWritten()
        {
            Assert.Equal(new[] { "a=value:line1\nline2\n" }, Creds("credentials:\n  - name: a\n    source:\n      value: |\n        line1\n        line2\n"));
        }

        [Fact]
        public void Yaml_Binary_Decoded()
        {
            string b64 = System.Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret));
            Assert.Equal(new[] { "a=value:" + Secret }, Creds($"credentials:\n  - name: a\n    source:\n      value: !!binary {b64}\n"));
        }

        [Theory]
        [InlineData("!!binary /w==")]
        [InlineData("!foo " + Secret)]
        [InlineData("!!int 12")]
        public void Yaml_TagsWeCannotKeep_Refused(string value)
        {
            Assert.Equal(ErrorIds.YamlUnsupported, Refused($"credentials:\n  - name: a\n    source:\n      value: {value}\n").ErrorId);
        }

        [Fact]
        public void Yaml_SecondDocument_Refused_TrailingEmptyDocumentAccepted()
        {
            Assert.Equal(ErrorIds.YamlUnsupported, Refused($"name: a\n---\nname: b\ncredentials:\n  - name: c\n    source: {{env: {Secret}}}\n").ErrorId);
            Assert.Equal(new[] { "c=env:C" }, Creds("name: a\ncredentials:\n  - name: c\n    source: {env: C}\n---\n"));
        }

        [Theory]
        [InlineData("name: [a, b]\n")]
        [InlineData("credentials:\n  - name: a\n    source:\n      value: [" + Secret + "]\n")]
        [InlineData("credentials:\n  - name: a\n    source:\n      value: {k: " + Secret + "}\n")]
        [InlineData("credentials: &l\n  - name: a\n    source:\n      value: *l\n")]
        [InlineData("credentials:\n  - name: a\n    source:\n      value: *nowhere\n")]
        [InlineData("credentials:\n  - name: a\n    source:\n      env: A\n      value: B\n")]
        [InlineData("credentials:\n  - <<: " + Secret + "\n")]
        [InlineData("credentials: " + Secret + "\n")]
        [InlineData("credentials:\n  - name: a\n    source: [" + Secret + "]\n")]
        [InlineData("credentials:\n  - name: a\n   source: {\n")]
        public void Yaml_WhatYamlV2FailsOn_ParseErrorNotEmptyValue(string yaml)
        {
            Assert.Equal(ErrorIds.CredentialSetParseError, Refused(yaml).ErrorId);
        }

        [Fact]
        public void Yaml_AliasBomb_Refused()
        {
            var yaml = new StringBuilder("credentials:\n  - &a0 {name: a, source: {env: x}}\n");
            for (int i = 1; i <= 9; i++)
            {
                yaml.Append($"  - &a{i} {{<<: [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]}}\n");
            }
            Assert.Equal(ErrorIds.YamlUnsupported, Refused(yaml.ToString()).ErrorId);
        }

        [Fact]
        public void Yaml_DeepNesting_RefusedWithoutCrash()
        {
            string yaml = "credentials:\n  - name: a\n    source:\n      value: " + new string('[', 5000) + new string(']', 5000) + "\n";
            Assert.Contains(Refused(yaml).ErrorId, new[] { ErrorIds.YamlUnsupported, ErrorIds.CredentialSetParseError });
        }

        [Fact]
        public void Yaml_EmptySourceKey_ValueWouldBeLost_Refused()
        {
            // cnab-go writes a source with an empty key as null: the value would vanish.
            Assert.Equal(ErrorIds.YamlValueLost, Refused($"credentials:\n  - name: a\n    source:\n      \"\": {Secret}\n").ErrorId);
        }

        [Fact]
        public void Yaml_NotUtf8_ParseError_BomAccepted()
        {
            byte[] bad = Encoding.UTF8.GetBytes("name: a\ncredentials:\n  - name: b\n    source: {value: X}\n");
            bad[bad.Length - 4] = 0xFF;
            var ex = Assert.Throws<PorterStorageException>(() => SetMigration.ConvertYamlCredentialSet(bad, "p", "x", DateTime.UtcNow));
            Assert.Equal(ErrorIds.CredentialSetParseError, ex.ErrorId);
            byte[] bom = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("name: a\n")).ToArray();
            Assert.Equal("a", SetMigration.ConvertYamlCredentialSet(bom, "p", "x", DateTime.UtcNow).Name);
        }

        [Fact]
        public void Yaml_CreatedAndModified_ReplacedByFileTime()
        {
            SetRewrite r = Convert("name: a\ncreated: 2019-01-01T00:00:00Z\nmodified: 2019-02-01T00:00:00Z\n");
            string text = Encoding.UTF8.GetString(r.Content);
            Assert.Contains("\"created\": \"2020-01-01T00:00:00Z\"", text);
            Assert.DoesNotContain("2019", text);
        }
    }
}
