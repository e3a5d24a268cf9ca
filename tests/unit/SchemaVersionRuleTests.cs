using System.Text;
using System.Text.Json;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// One rule for "has this document a schemaVersion", as Porter reads each kind: a claim's peek and a credential set go through
    /// Go structs (keys matched case-insensitively, the last one winning, a null skipped); a parameter set is a map (the exact key).
    /// The migration and the checks (Test-PorterStorage, the verifier, the counts) agree, because they ask the same rule.
    /// </summary>
    public class SchemaVersionRuleTests
    {
        private static bool Typed(string json)
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            return PorterDocuments.HasSchemaVersion(doc.RootElement, typed: true);
        }

        private static bool Map(string json)
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            return PorterDocuments.HasSchemaVersion(doc.RootElement, typed: false);
        }

        private static bool Claim(string json)
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            return PorterDocuments.ClaimHasSchemaVersion(doc.RootElement);
        }

        [Theory]
        [InlineData("{\"schemaVersion\":\"1.0.0-DRAFT+b6c701f\"}", true)]
        [InlineData("{\"SchemaVersion\":\"1.0.0-DRAFT+b6c701f\"}", true)]
        [InlineData("{\"SCHEMAVERSION\":\"x\"}", true)]
        [InlineData("{\"\u017FchemaVersion\":\"x\"}", true)]
        [InlineData("{\"schemaVersion\":\"x\",\"SchemaVersion\":\"\"}", false)]
        [InlineData("{\"schemaVersion\":\"\",\"SchemaVersion\":\"x\"}", true)]
        [InlineData("{\"schemaVersion\":\"x\",\"SchemaVersion\":null}", true)]
        [InlineData("{\"schemaVersion\":null}", false)]
        [InlineData("{\"schema_version\":\"x\"}", false)]
        [InlineData("{}", false)]
        public void ACredentialSet_IsMigratedExactlyWhenTheMigrationLeavesItAlone(string json, bool migrated)
        {
            Assert.Equal(migrated, Typed(json));
            string set = json.Substring(0, json.Length - 1) + (json.Length > 2 ? "," : string.Empty) + "\"name\":\"team\",\"credentials\":[]}";
            SetRewrite? rewrite = SetMigration.MigrateCredentialSet(Encoding.UTF8.GetBytes(set), "credentials/team.json", "team.json");
            Assert.Equal(migrated, rewrite == null);
        }

        [Theory]
        [InlineData("{\"schemaVersion\":\"\"}", true)]
        [InlineData("{\"schemaVersion\":null}", true)]
        [InlineData("{\"SchemaVersion\":\"x\"}", false)]
        public void AParameterSet_IsAMap_TheExactKeyCounts(string json, bool migrated) => Assert.Equal(migrated, Map(json));

        [Theory]
        [InlineData("{\"schemaVersion\":\"v1.0.0-WD\"}", true)]
        [InlineData("{\"SchemaVersion\":\"v1.0.0-WD\"}", true)]
        [InlineData("{\"SchemaVersion\":\"\"}", false)]
        [InlineData("{\"schemaVersion\":\"x\",\"SCHEMAVERSION\":\"\"}", false)]
        [InlineData("{\"schemaVersion\":\"x\",\"schemaversion\":null}", true)]
        [InlineData("{\"SCHEMAVERSION\":5}", true)]
        [InlineData("{\"schemaVersion\":{}}", true)]
        [InlineData("{\"name\":\"app\"}", false)]
        public void AClaimsPeek_MatchesTheKeyAsGoMatchesAField(string json, bool versioned) => Assert.Equal(versioned, Claim(json));
    }
}
