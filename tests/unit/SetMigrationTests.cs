using System;
using System.IO;
using System.Text;
using Xunit;

namespace PorterStorage.Tests
{
    public class SetMigrationTests
    {
        private static SetRewrite? Cred(string json) => SetMigration.MigrateCredentialSet(Encoding.UTF8.GetBytes(json), "credentials/x.json", "x");

        private static SetRewrite? Param(string json) => SetMigration.MigrateParameterSet(Encoding.UTF8.GetBytes(json), "parameters/x.json", "x");

        private static string Text(SetRewrite? r) => Encoding.UTF8.GetString(r!.Content);

        [Fact]
        public void Credential_AnySchemaVersion_LeftUntouched()
        {
            Assert.Null(Cred("{\"schemaVersion\":\"stale-version\",\"name\":\"x\"}"));
        }

        [Fact]
        public void Credential_MissingFields_NullCredentialsAndZeroTimes()
        {
            Assert.Equal("{\n  \"schemaVersion\": \"1.0.0-DRAFT+b6c701f\",\n  \"name\": \"x\",\n  \"created\": \"0001-01-01T00:00:00Z\",\n  \"modified\": \"0001-01-01T00:00:00Z\",\n  \"credentials\": null\n}",
                Text(Cred("{\"schemaVersion\":\"\"}")));
        }

        [Fact]
        public void Credential_EmptySource_Null_UnknownFieldsKept()
        {
            string text = Text(Cred("{\"name\":\"n\",\"credentials\":[{\"name\":\"a\",\"source\":{}},{\"name\":\"b\"}],\"labels\":{\"team\":\"x\"}}"));
            Assert.Contains("\"name\": \"a\",\n      \"source\": null", text);
            Assert.Contains("\"name\": \"b\",\n      \"source\": null", text);
            Assert.EndsWith("\"labels\": {\n    \"team\": \"x\"\n  }\n}", text);
        }

        [Theory]
        [InlineData("{\"credentials\":[{\"name\":\"a\",\"source\":{\"env\":\"A\",\"path\":\"B\"}}]}")]
        [InlineData("{\"credentials\":[{\"name\":\"a\",\"source\":{\"env\":5}}]}")]
        [InlineData("{\"credentials\":{}}")]
        [InlineData("{\"name\":5}")]
        [InlineData("[]")]
        public void Credential_Invalid_CredentialSetParseError(string json)
        {
            Assert.Equal(ErrorIds.CredentialSetParseError, Assert.Throws<PorterStorageException>(() => Cred(json)).ErrorId);
        }

        [Fact]
        public void Parameter_CompactSortedEveryLevel_NumbersThroughFloat64()
        {
            Assert.Equal("{\"a\":{\"x\":1,\"y\":1e+21},\"name\":\"p\",\"schemaVersion\":\"1.0.0-DRAFT+TODO\",\"z\":[3,{\"b\":1,\"c\":2}]}",
                Text(Param("{\"z\":[3,{\"c\":2,\"b\":1}],\"name\":\"p\",\"a\":{\"y\":1e21,\"x\":1.0}}")));
        }

        [Fact]
        public void Parameter_SchemaVersionKeyPresent_EvenEmpty_LeftAlone()
        {
            Assert.Null(Param("{\"schemaVersion\":\"\"}"));
        }

        [Fact]
        public void Parameter_NotAnObject_ParameterSetParseError()
        {
            Assert.Equal(ErrorIds.ParameterSetParseError, Assert.Throws<PorterStorageException>(() => Param("\"x\"")).ErrorId);
        }

        [Fact]
        public void Yaml_MatchesV027ConverterOutputThenMigrated()
        {
            byte[] yaml = File.ReadAllBytes(TempHome.Fixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.yaml"));
            SetRewrite r = SetMigration.ConvertYamlCredentialSet(yaml, "credentials/mybuns.yaml", "mybuns", new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            // The v0.23-v0.27 converter's JSON (fixture mybuns.json) with the current schemaVersion, written the way Porter writes credential sets.
            SetRewrite expected = SetMigration.MigrateCredentialSet(File.ReadAllBytes(TempHome.Fixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.json")), "x", "x")!;
            Assert.Equal("azure", r.Name);
            Assert.Equal(Encoding.UTF8.GetString(expected.Content), Encoding.UTF8.GetString(r.Content));
        }

        [Fact]
        public void Stamp_GoRfc3339Nano()
        {
            Assert.Equal("2020-01-02T03:04:05.5Z", SetMigration.Stamp(new DateTime(2020, 1, 2, 3, 4, 5, 500, DateTimeKind.Utc)));
            Assert.Equal("2020-01-02T03:04:05Z", SetMigration.Stamp(new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc)));
        }
    }
}
