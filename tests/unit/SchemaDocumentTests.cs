using System.IO;
using System.Text;
using Xunit;

namespace PorterStorage.Tests
{
    public class SchemaDocumentTests
    {
        private static PorterSchemaDocument Parse(string json) => PorterSchemaDocument.Parse(Encoding.UTF8.GetBytes(json), "schema.json");

        private static string ParseError(string json) =>
            Assert.Throws<PorterStorageException>(() => Parse(json)).ErrorId;

        [Fact]
        public void CurrentSchemaJson_IsPortersExactCompactText()
        {
            Assert.Equal(
                "{\"claims\":\"cnab-claim-1.0.0-DRAFT+b5ed2f3\",\"credentials\":\"cnab-credentialsets-1.0.0-DRAFT+b6c701f\",\"parameters\":\"cnab-parametersets-1.0.0-DRAFT+TODO\"}",
                SchemaVersions.CurrentSchemaJson);
        }

        [Fact]
        public void CurrentSchemaJson_EqualsRealPorterHomeFixture()
        {
            string real = File.ReadAllText(TempHome.Fixture("porter-v1.0.0/tests/testdata/porter_home/v0/schema.json"));
            Assert.Equal(SchemaVersions.CurrentSchemaJson, real);
        }

        [Fact]
        public void Parse_MigratedFixture_IsCurrent()
        {
            byte[] bytes = File.ReadAllBytes(TempHome.Fixture("porter-v0.38.9/pkg/storage/testdata/migrated/schema.json"));
            Assert.True(PorterSchemaDocument.Parse(bytes, "x").IsCurrent);
        }

        [Fact]
        public void Parse_UnknownKeys_Ignored()
        {
            PorterSchemaDocument d = Parse("{\"claims\":\"a\",\"other\":5,\"nested\":{\"x\":[1]}}");
            Assert.Equal("a", d.Claims);
            Assert.Equal("", d.Credentials);
        }

        [Fact]
        public void Parse_KeysCaseInsensitive_LastWins()
        {
            PorterSchemaDocument d = Parse("{\"Claims\":\"a\",\"CLAIMS\":\"b\",\"Credentials\":\"c\"}");
            Assert.Equal("b", d.Claims);
            Assert.Equal("c", d.Credentials);
        }

        [Fact]
        public void Parse_KelvinSignAndLongS_FoldLikeGo()
        {
            PorterSchemaDocument d = Parse("{\"credential\u017F\":\"x\"}");
            Assert.Equal("x", d.Credentials);
        }

        [Fact]
        public void Parse_NullValue_LeavesVersionEmpty()
        {
            Assert.Equal("", Parse("{\"claims\":null}").Claims);
        }

        [Fact]
        public void Parse_NullDocument_AllEmpty()
        {
            PorterSchemaDocument d = Parse("null");
            Assert.False(d.IsCurrent);
            Assert.Equal("", d.Parameters);
        }

        [Fact]
        public void Parse_MissingKey_NotCurrent()
        {
            Assert.False(Parse("{\"claims\":\"cnab-claim-1.0.0-DRAFT+b5ed2f3\",\"credentials\":\"cnab-credentialsets-1.0.0-DRAFT+b6c701f\"}").IsCurrent);
        }

        [Fact]
        public void Parse_VersionComparison_IsExactString()
        {
            Assert.False(Parse("{\"claims\":\"CNAB-claim-1.0.0-DRAFT+b5ed2f3\",\"credentials\":\"cnab-credentialsets-1.0.0-DRAFT+b6c701f\",\"parameters\":\"cnab-parametersets-1.0.0-DRAFT+TODO\"}").IsCurrent);
        }

        [Theory]
        [InlineData("")]
        [InlineData("{")]
        [InlineData("[]")]
        [InlineData("\"claims\"")]
        [InlineData("{\"claims\":5}")]
        [InlineData("{\"claims\":\"a\"} x")]
        public void Parse_Invalid_SchemaParseError(string json)
        {
            Assert.Equal(ErrorIds.SchemaParseError, ParseError(json));
        }

        [Fact]
        public void Parse_ByteOrderMark_SchemaParseError()
        {
            var ex = Assert.Throws<PorterStorageException>(() => PorterSchemaDocument.Parse(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}' }, "/h/schema.json"));
            Assert.Equal(ErrorIds.SchemaParseError, ex.ErrorId);
            Assert.Equal("/h/schema.json", ex.Target);
        }

        [Fact]
        public void ToString_NamesCurrentNoneOrTheRecordedVersions()
        {
            Assert.Equal("current", PorterSchemaDocument.Current.ToString());
            Assert.Equal("none", PorterSchemaDocument.Empty.ToString());
            Assert.Equal("claims 'cnab-claim-1.0.0-DRAFT', credentials '', parameters ''",
                new PorterSchemaDocument("cnab-claim-1.0.0-DRAFT", string.Empty, string.Empty).ToString());
        }
    }
}
