using Xunit;

namespace PorterStorage.Tests
{
    public class SchemaInspectorTests
    {
        private const string Claim = "porter-v0.38.9/pkg/storage/testdata/claims/upgraded.json";

        private static PorterSchemaStatus Test(TempHome home) => PorterHomeService.TestSchema(home.Path);

        [Fact]
        public void Test_EmptyHome_NoMigrationRequired()
        {
            using var home = new TempHome();
            PorterSchemaStatus s = Test(home);
            Assert.Equal(PorterSchemaState.EmptyHome, s.State);
            Assert.False(s.MigrationRequired);
            Assert.False(s.SchemaExists);
            Assert.All(s.Subsystems, x => Assert.Equal("", x.Stored));
        }

        [Fact]
        public void Test_EmptyHome_NeverWritesSchema()
        {
            using var home = new TempHome();
            Test(home);
            Assert.False(System.IO.File.Exists(home.P("schema.json")));
            Assert.False(System.IO.Directory.Exists(home.P("claims")));
        }

        [Fact]
        public void Test_LegacyClaims_MissingAndRequired()
        {
            using var home = new TempHome();
            home.CopyFixture(Claim, "claims/mybun.json");
            PorterSchemaStatus s = Test(home);
            Assert.Equal(PorterSchemaState.Missing, s.State);
            Assert.True(s.MigrationRequired);
        }

        [Fact]
        public void Test_OnlyLegacyCredential_Required()
        {
            using var home = new TempHome();
            home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/credentials/mybun.json", "credentials/mybun.json");
            Assert.True(Test(home).MigrationRequired);
        }

        [Fact]
        public void Test_OnlyParameterSubfolder_CountsAsItem()
        {
            using var home = new TempHome();
            home.Mkdir("parameters/sub");
            Assert.True(Test(home).MigrationRequired);
        }

        [Fact]
        public void Test_YamlOnlyCredentials_HomeCountsAsEmpty()
        {
            using var home = new TempHome();
            home.CopyFixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.yaml", "credentials/mybuns.yaml");
            PorterSchemaStatus s = Test(home);
            Assert.Equal(PorterSchemaState.EmptyHome, s.State);
            Assert.False(s.MigrationRequired);
            Assert.Contains("YAML", s.Reason);
        }

        [Fact]
        public void Test_OtherFilesInDataFolders_DoNotCount()
        {
            using var home = new TempHome();
            home.Write("claims/readme.txt", "x");
            home.Write("credentials/notes.md", "x");
            Assert.Equal(PorterSchemaState.EmptyHome, Test(home).State);
        }

        [Fact]
        public void Test_CurrentLayoutWithoutSchema_E1Named()
        {
            using var home = new TempHome();
            home.CopyTree("porter-v1.0.0/tests/testdata/porter_home/v0");
            System.IO.File.Delete(home.P("schema.json"));
            PorterSchemaStatus s = Test(home);
            Assert.Equal(PorterSchemaState.MissingCurrentLayout, s.State);
            Assert.True(s.MigrationRequired);
        }

        [Fact]
        public void Test_PartlyMigratedWithoutSchema_E2Named()
        {
            using var home = new TempHome();
            home.CopyTree("porter-v0.38.9/pkg/storage/testdata/migrated");
            System.IO.File.Delete(home.P("schema.json"));
            home.CopyFixture(Claim, "claims/mybun.json");
            Assert.Equal(PorterSchemaState.MissingMixedLayout, Test(home).State);
        }

        [Fact]
        public void Test_LegacyClaimsWithACurrentSet_MissingNotMixed()
        {
            // Porter's migrator finishes this home: it migrates the claims and leaves a set with a schemaVersion alone.
            using var home = new TempHome();
            home.CopyFixture(Claim, "claims/mybun.json");
            home.Write("credentials/cur.json", "{\"schemaVersion\":\"1.0.0-DRAFT+b6c701f\",\"name\":\"cur\"}");
            home.Write("parameters/cur.json", "{\"name\":\"cur\",\"schemaVersion\":\"1.0.0-DRAFT+TODO\"}");
            PorterSchemaStatus s = Test(home);
            Assert.Equal(PorterSchemaState.Missing, s.State);
            Assert.True(s.MigrationRequired);
            Assert.DoesNotContain("cannot finish", s.Reason);
        }

        [Fact]
        public void Test_CurrentInstallationsWithLegacySets_MissingCurrentLayout()
        {
            using var home = new TempHome();
            home.CopyTree("porter-v1.0.0/tests/testdata/porter_home/v0");
            System.IO.File.Delete(home.P("schema.json"));
            home.Write("credentials/old.json", "{\"name\":\"old\"}");
            PorterSchemaStatus s = Test(home);
            Assert.Equal(PorterSchemaState.MissingCurrentLayout, s.State);
            Assert.Contains("remaining credential and parameter sets", s.Reason);
        }

        [Fact]
        public void Test_OnlyCurrentSetsWithoutSchema_MissingCurrentLayout_NoInstallationStory()
        {
            using var home = new TempHome();
            home.Write("credentials/cur.json", "{\"schemaVersion\":\"1.0.0-DRAFT+b6c701f\",\"name\":\"cur\"}");
            PorterSchemaStatus s = Test(home);
            Assert.Equal(PorterSchemaState.MissingCurrentLayout, s.State);
            Assert.DoesNotContain("installation", s.Reason);
        }

        [Fact]
        public void Test_RealV038Home_Current()
        {
            using var home = new TempHome();
            home.CopyTree("porter-v1.0.0/tests/testdata/porter_home/v0");
            PorterSchemaStatus s = Test(home);
            Assert.Equal(PorterSchemaState.Current, s.State);
            Assert.False(s.MigrationRequired);
            Assert.Equal(home.P("schema.json"), s.SchemaPath);
        }

        [Fact]
        public void Test_OldSchemaVersion_OutdatedNamingSubsystem()
        {
            using var home = new TempHome();
            home.Write("schema.json", "{\"claims\":\"cnab-claim-1.0.0-DRAFT+b5ed2f3\",\"credentials\":\"cnab-credentialsets-1.0.0-DRAFT\",\"parameters\":\"cnab-parametersets-1.0.0-DRAFT+TODO\"}");
            PorterSchemaStatus s = Test(home);
            Assert.Equal(PorterSchemaState.Outdated, s.State);
            Assert.True(s.MigrationRequired);
            Assert.Equal(new[] { true, false, true }, System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(s.Subsystems, x => x.IsCurrent)));
        }

        [Fact]
        public void Test_SchemaInSubfolderOnly_FoundByPortersGlob()
        {
            using var home = new TempHome();
            home.Write("backup/schema.json", SchemaVersions.CurrentSchemaJson);
            PorterSchemaStatus s = Test(home);
            Assert.Equal(PorterSchemaState.Current, s.State);
            Assert.Equal(home.P("backup/schema.json"), s.SchemaPath);
        }

        [Fact]
        public void Test_SchemaInTwoSubfolders_Ambiguous()
        {
            using var home = new TempHome();
            home.Write("a/schema.json", SchemaVersions.CurrentSchemaJson);
            home.Write("b/schema.json", SchemaVersions.CurrentSchemaJson);
            Assert.Equal(ErrorIds.StoreAmbiguousItem, Assert.Throws<PorterStorageException>(() => Test(home)).ErrorId);
        }

        [Fact]
        public void Test_CorruptSchema_SchemaParseErrorWithPath()
        {
            using var home = new TempHome();
            string file = home.Write("schema.json", "{\"claims\":");
            var ex = Assert.Throws<PorterStorageException>(() => Test(home));
            Assert.Equal(ErrorIds.SchemaParseError, ex.ErrorId);
            Assert.Equal(file, ex.Target);
        }

        [Fact]
        public void Test_MissingHome_HomeNotFound()
        {
            Assert.Equal(ErrorIds.HomeNotFound,
                Assert.Throws<PorterStorageException>(() => PorterHomeService.TestSchema("/nonexistent/porter-home-x")).ErrorId);
        }
    }
}
