using System.IO;
using System.Linq;
using Xunit;

namespace PorterStorage.Tests
{
    public class HomeInspectorTests
    {
        private static void LegacyHome(TempHome home)
        {
            home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/claims/has-name.json", "claims/example-exec-outputs.json");
            home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/claims/upgraded.json", "claims/mybun.json");
            home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/credentials/mybun.json", "credentials/mybun.json");
            home.CopyFixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.yaml", "credentials/mybuns.yaml");
            home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/parameters/mybun.json", "parameters/mybun.json");
        }

        [Fact]
        public void Inspect_MissingHome_ExistsFalseNoProblems()
        {
            PorterHome h = PorterHomeService.Inspect("/nonexistent/porter-home-y");
            Assert.False(h.Exists);
            Assert.Equal(PorterLayout.Empty, h.Layout);
            Assert.Empty(h.Problems);
        }

        [Fact]
        public void Inspect_LegacyHome_CountsAndLayout()
        {
            using var home = new TempHome();
            LegacyHome(home);
            PorterHome h = PorterHomeService.Inspect(home.Path);
            Assert.True(h.Exists);
            Assert.Equal(PorterLayout.Legacy, h.Layout);
            Assert.Equal(2, h.Items.LegacyClaims);
            Assert.Equal(1, h.Items.LegacyCredentials);
            Assert.Equal(1, h.Items.YamlCredentials);
            Assert.Equal(1, h.Items.LegacyParameters);
            Assert.Equal(0, h.Items.CurrentTotal);
            Assert.Equal(PorterSchemaState.Missing, h.Schema!.State);
            Assert.True(h.StorageIsLocal);
            long expected = Directory.EnumerateFiles(home.Path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            Assert.Equal(expected, h.SizeBytes);
        }

        [Fact]
        public void Inspect_RealV038Home_CurrentCounts()
        {
            using var home = new TempHome();
            home.CopyTree("porter-v1.0.0/tests/testdata/porter_home/v0");
            PorterHome h = PorterHomeService.Inspect(home.Path);
            Assert.Equal(PorterLayout.Current, h.Layout);
            Assert.Equal(Directory.GetFiles(home.P("installations")).Length, h.Items.Installations);
            Assert.Equal(Directory.GetFiles(home.P("claims"), "*.json", SearchOption.AllDirectories).Length, h.Items.Claims);
            Assert.Equal(Directory.GetFiles(home.P("results"), "*.json", SearchOption.AllDirectories).Length, h.Items.Results);
            Assert.Equal(Directory.GetFiles(home.P("outputs"), "*", SearchOption.AllDirectories).Length, h.Items.Outputs);
            Assert.Equal(1, h.Items.Credentials);
            Assert.Equal(1, h.Items.Parameters);
            Assert.Equal(PorterSchemaState.Current, h.Schema!.State);
            Assert.Equal(home.P("config.toml"), h.ConfigPath);
        }

        [Fact]
        public void Inspect_MixedHome_Mixed()
        {
            using var home = new TempHome();
            home.CopyTree("porter-v0.38.9/pkg/storage/testdata/migrated");
            home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/claims/upgraded.json", "claims/mybun.json");
            Assert.Equal(PorterLayout.Mixed, PorterHomeService.Inspect(home.Path).Layout);
        }

        [Fact]
        public void Inspect_WideModes_FilePermissionsProblemPerFile()
        {
            Assert.True(UnixPermissions.CanRead, "this runtime must read Unix modes");
            using var home = new TempHome();
            string cred = home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/credentials/mybun.json", "credentials/mybun.json", 0x1A4); // 0644
            string claim = home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/claims/upgraded.json", "claims/mybun.json", 0x1C0); // 0700
            home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/parameters/mybun.json", "parameters/mybun.json", 0x100); // 0400 passes
            home.Write("results/c/r.json", "{}", 0x1A4); // results are not checked
            string config = home.Write("config.toml", "", 0x1B4); // 0664
            PorterHome h = PorterHomeService.Inspect(home.Path);
            var paths = h.Problems.Where(p => p.Code == ProblemCodes.FilePermissions).Select(p => p.Path).OrderBy(p => p).ToArray();
            Assert.Equal(new[] { claim, config, cred }.OrderBy(p => p).ToArray(), paths);
            Assert.Contains("644", h.Problems.Single(p => p.Path == cred).Message);
        }

        [Fact]
        public void Inspect_YamlOnlyCredential_Problem_ButNotWhenJsonTwinExists()
        {
            using var home = new TempHome();
            string yaml = home.CopyFixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.yaml", "credentials/mybuns.yaml");
            home.CopyFixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.yaml", "credentials/other.yaml");
            home.CopyFixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.json", "credentials/other.json");
            PorterHome h = PorterHomeService.Inspect(home.Path);
            Assert.Equal(new[] { yaml }, h.Problems.Where(p => p.Code == ProblemCodes.YamlOnlyCredential).Select(p => p.Path));
            Assert.Equal(1, h.Items.YamlCredentials);
        }

        [Fact]
        public void Inspect_IndexEntryWithoutClaims_E16Problem()
        {
            using var home = new TempHome();
            string index = home.Write("installations/ghost", "");
            home.Write("installations/real", "");
            home.Write("claims/real/01EAZ07M2M914GNFTQ0BD7447S.json", "{}");
            PorterHome h = PorterHomeService.Inspect(home.Path);
            Assert.Equal(new[] { index }, h.Problems.Where(p => p.Code == ProblemCodes.IndexWithoutClaims).Select(p => p.Path));
        }

        [Fact]
        public void Inspect_NamesDifferingInCase_CaseCollision()
        {
            using var home = new TempHome();
            home.Write("claims/Foo.json", "{}");
            home.Write("claims/foo.json", "{}");
            Assert.Contains(PorterHomeService.Inspect(home.Path).Problems, p => p.Code == ProblemCodes.CaseCollision);
        }

        [Fact]
        public void Inspect_CorruptCredential_UnreadableDocumentWithoutContent()
        {
            using var home = new TempHome();
            string file = home.Write("credentials/bad.json", "{\"name\":\"s3cr3t-value\", oops}");
            PorterHome h = PorterHomeService.Inspect(home.Path);
            PorterHomeProblem p = h.Problems.Single(x => x.Code == ProblemCodes.UnreadableDocument);
            Assert.Equal(file, p.Path);
            Assert.DoesNotContain("s3cr3t", p.Message);
            Assert.Equal(1, h.Items.LegacyCredentials);
        }

        [Fact]
        public void Inspect_BadConfig_ProblemNotException()
        {
            using var home = new TempHome();
            home.Write("config.toml", "x = = 1");
            PorterHome h = PorterHomeService.Inspect(home.Path);
            Assert.Null(h.Config);
            Assert.Contains(h.Problems, p => p.Code == ProblemCodes.ConfigUnreadable && p.Message.Contains("ConfigParseError"));
        }

        [Fact]
        public void Inspect_SecondConfigFile_ReportedAsIgnored()
        {
            using var home = new TempHome();
            home.Write("config.toml", "");
            string yaml = home.Write("config.yaml", "");
            Assert.Contains(PorterHomeService.Inspect(home.Path).Problems, p => p.Code == ProblemCodes.IgnoredConfigFile && p.Path == yaml);
        }

        [Fact]
        public void Inspect_SymlinkedFolder_NotFollowedForSize()
        {
            using var home = new TempHome();
            using var outside = new TempHome();
            outside.Write("big.bin", new string('x', 10000));
            home.Write("claims/a.json", "{}");
            Directory.CreateSymbolicLink(home.P("link"), outside.Path);
            Assert.Equal(2, PorterHomeService.Inspect(home.Path).SizeBytes);
        }

        [Fact]
        public void Inspect_AzureConfig_StorageNotLocal()
        {
            using var home = new TempHome();
            home.Write("config.toml", "default-storage-plugin = \"azure.blob\"\n");
            PorterHome h = PorterHomeService.Inspect(home.Path);
            Assert.False(h.StorageIsLocal);
            Assert.Equal("azure.blob", h.Storage!.Plugin);
        }
    }
}
