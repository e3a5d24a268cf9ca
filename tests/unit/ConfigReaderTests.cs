using System.IO;
using System.Linq;
using Xunit;

namespace PorterStorage.Tests
{
    public class ConfigReaderTests
    {
        [Fact]
        public void Read_NoConfigFile_DefaultsToFilesystem()
        {
            using var home = new TempHome();
            PorterConfig config = PorterConfigReader.Read(home.Path);
            Assert.False(config.Exists);
            Assert.Null(config.FilePath);
            Assert.True(config.ResolvedStorage.IsFilesystem);
            Assert.Equal("built-in default", config.ResolvedStorage.Source);
            Assert.Null(config.ResolvedStorage.Name);
        }

        [Fact]
        public void Read_FilesystemExample_SameAsNoFile()
        {
            using var home = new TempHome();
            home.Write("config.toml", "# filesystem (same as having no file)\ndefault-storage-plugin = \"filesystem\"\n");
            PorterConfig config = PorterConfigReader.Read(home.Path);
            Assert.Equal(PorterConfigFormat.Toml, config.Format);
            Assert.Equal("filesystem", config.DefaultStoragePlugin);
            Assert.True(config.ResolvedStorage.IsFilesystem);
            Assert.Equal("default-storage-plugin", config.ResolvedStorage.Source);
        }

        [Fact]
        public void Read_NamedAzureStoreExample_ResolvesEntryAndConfig()
        {
            using var home = new TempHome();
            home.Write("config.toml", "default-storage = \"dev\"\n[[storage]]\n  name = \"dev\"\n  plugin = \"azure.blob\"\n  [storage.config]\n    env = \"DEV_AZURE_STORAGE_CONNECTION_STRING\"\n");
            PorterConfig config = PorterConfigReader.Read(home.Path);
            PorterResolvedStorage s = config.ResolvedStorage;
            Assert.Equal("dev", s.Name);
            Assert.Equal("azure.blob", s.Plugin);
            Assert.True(s.IsAzureBlob);
            Assert.False(s.IsFilesystem);
            Assert.Equal("azure", s.PluginBinary);
            Assert.Equal("blob", s.PluginImplementation);
            Assert.Equal("DEV_AZURE_STORAGE_CONNECTION_STRING", s.Config["env"]);
            Assert.Equal("default-storage \"dev\"", s.Source);
        }

        [Fact]
        public void Read_DefaultStoragePluginAzure_UsesPluginWithEmptyConfig()
        {
            using var home = new TempHome();
            home.Write("config.toml", "default-storage-plugin = \"azure.blob\"          # uses $AZURE_STORAGE_CONNECTION_STRING\n");
            PorterResolvedStorage s = PorterConfigReader.Read(home.Path).ResolvedStorage;
            Assert.True(s.IsAzureBlob);
            Assert.Null(s.Name);
            Assert.Empty(s.Config);
        }

        [Fact]
        public void Read_TeamExampleWithAccountKeys_KeepsEveryConfigKey()
        {
            using var home = new TempHome();
            home.Write("config.toml", "default-storage = \"team\"\n[[storage]]\n  name = \"team\"\n  plugin = \"azure.blob\"\n  [storage.config]\n    account = \"stporter\"\n    resource-group = \"rg-porter\"\n    subscription-id = \"0000\"\n");
            PorterResolvedStorage s = PorterConfigReader.Read(home.Path).ResolvedStorage;
            Assert.Equal("stporter", s.Config["account"]);
            Assert.Equal("rg-porter", s.Config["resource-group"]);
            Assert.Equal("0000", s.Config["subscription-id"]);
        }

        [Fact]
        public void Read_EntryWithoutPlugin_FallsBackToDefaultStoragePlugin()
        {
            using var home = new TempHome();
            home.Write("config.toml", "default-storage = \"x\"\ndefault-storage-plugin = \"azure.blob\"\n[[storage]]\nname = \"x\"\n");
            Assert.Equal("azure.blob", PorterConfigReader.Read(home.Path).ResolvedStorage.Plugin);
        }

        [Fact]
        public void Read_EntryWithoutPluginAndNoDefault_Filesystem()
        {
            using var home = new TempHome();
            home.Write("config.toml", "default-storage = \"x\"\n[[storage]]\nname = \"x\"\n");
            Assert.True(PorterConfigReader.Read(home.Path).ResolvedStorage.IsFilesystem);
        }

        [Fact]
        public void Read_DefaultStorageNamesNoEntry_StorageNotDefined()
        {
            using var home = new TempHome();
            string file = home.Write("config.toml", "default-storage = \"missing\"\n[[storage]]\nname = \"other\"\nplugin = \"azure.blob\"\n");
            var ex = Assert.Throws<PorterStorageException>(() => PorterConfigReader.Read(home.Path));
            Assert.Equal(ErrorIds.StorageNotDefined, ex.ErrorId);
            Assert.Equal(file, ex.Target);
            Assert.Contains("store \"missing\" not defined", ex.Message);
        }

        [Fact]
        public void Read_EntryNameMatch_IsCaseSensitive()
        {
            using var home = new TempHome();
            home.Write("config.toml", "default-storage = \"Dev\"\n[[storage]]\nname = \"dev\"\nplugin = \"azure.blob\"\n");
            Assert.Equal(ErrorIds.StorageNotDefined, Assert.Throws<PorterStorageException>(() => PorterConfigReader.Read(home.Path)).ErrorId);
        }

        [Fact]
        public void Read_KeysAreCaseInsensitive_AsViper()
        {
            using var home = new TempHome();
            home.Write("config.toml", "Default-Storage = \"dev\"\n[[Storage]]\nNAME = \"dev\"\nPlugin = \"azure.blob\"\n[Storage.Config]\nENV = \"X\"\n");
            PorterResolvedStorage s = PorterConfigReader.Read(home.Path).ResolvedStorage;
            Assert.Equal("dev", s.Name);
            Assert.Equal("X", s.Config["env"]);
        }

        [Theory]
        [InlineData("json", "toml", "json")]
        [InlineData("toml", "yaml", "toml")]
        [InlineData("yaml", "yml", "yaml")]
        [InlineData("yml", "hcl", "yml")]
        public void FindConfigFile_SearchOrder_FirstExtensionWins(string first, string second, string expected)
        {
            using var home = new TempHome();
            home.Write("config." + second, "x");
            home.Write("config." + first, "x");
            string? file = PorterConfigReader.FindConfigFile(home.Path, out _, out var others);
            Assert.Equal(home.P("config." + expected), file);
            Assert.Equal(new[] { home.P("config." + second) }, others);
        }

        [Fact]
        public void Read_JsonConfig_ParsesEntries()
        {
            using var home = new TempHome();
            home.Write("config.json", "{\"default-storage\":\"a\",\"storage\":[{\"name\":\"a\",\"plugin\":\"azure.blob\",\"config\":{\"env\":\"E\"}}],\"secrets\":[{\"name\":\"kv\",\"plugin\":\"azure.keyvault\",\"config\":{\"vault\":\"v\"}}],\"default-secrets\":\"kv\"}");
            PorterConfig config = PorterConfigReader.Read(home.Path);
            Assert.Equal(PorterConfigFormat.Json, config.Format);
            Assert.Equal("E", config.ResolvedStorage.Config["env"]);
            Assert.Equal("kv", config.DefaultSecrets);
            Assert.Equal("azure.keyvault", config.Secrets.Single().Plugin);
            Assert.Equal("v", config.Secrets.Single().Config["vault"]);
        }

        [Theory]
        [InlineData("config.yaml")]
        [InlineData("config.yml")]
        public void Read_YamlConfig_ParsesEntries(string fileName)
        {
            using var home = new TempHome();
            home.Write(fileName, "default-storage: team\nstorage:\n  - name: team\n    plugin: azure.blob\n    config:\n      env: TEAM_PORTER_STORAGE\ndefault-secrets-plugin: host\n");
            PorterConfig config = PorterConfigReader.Read(home.Path);
            Assert.Equal("team", config.ResolvedStorage.Name);
            Assert.Equal("TEAM_PORTER_STORAGE", config.ResolvedStorage.Config["env"]);
            Assert.Equal("host", config.DefaultSecretsPlugin);
        }

        [Fact]
        public void Read_EmptyYaml_AllDefaults()
        {
            using var home = new TempHome();
            home.Write("config.yaml", "");
            Assert.True(PorterConfigReader.Read(home.Path).ResolvedStorage.IsFilesystem);
        }

        [Fact]
        public void Read_PorterV1FixtureConfig_TwoEntriesNoDefault_Filesystem()
        {
            using var home = new TempHome();
            home.CopyFixture("porter-v1.0.0/tests/testdata/porter_home/v0/config.toml", "config.toml");
            PorterConfig config = PorterConfigReader.Read(home.Path);
            Assert.Equal(new[] { "src", "azure" }, config.Storage.Select(s => s.Name));
            Assert.Equal(new[] { "filesystem", "azure.blob" }, config.Storage.Select(s => s.Plugin));
            Assert.True(config.ResolvedStorage.IsFilesystem);
        }

        [Fact]
        public void Read_Utf8Bom_Tolerated()
        {
            using var home = new TempHome();
            home.WriteBytes("config.toml", new byte[] { 0xEF, 0xBB, 0xBF }.Concat(System.Text.Encoding.UTF8.GetBytes("default-storage-plugin = \"azure.blob\"\n")).ToArray());
            Assert.True(PorterConfigReader.Read(home.Path).ResolvedStorage.IsAzureBlob);
        }

        [Theory]
        [InlineData("config.toml", "default-storage = \"a\"\n[[storage]\nname = 1\n", 2)]
        [InlineData("config.toml", "a = 1\nb = = 2\n", 2)]
        [InlineData("config.json", "{\n  \"default-storage\": \"a\",\n  \"x\": \n}", 4)]
        [InlineData("config.yaml", "default-storage: a\nstorage:\n  - name: [unclosed\n", 4)]
        [InlineData("config.yml", "a: b\n c: d\n", 2)]
        public void Read_Malformed_ConfigParseErrorNamingFileAndLine(string fileName, string content, int line)
        {
            using var home = new TempHome();
            string file = home.Write(fileName, content);
            var ex = Assert.Throws<PorterStorageException>(() => PorterConfigReader.Read(home.Path));
            Assert.Equal(ErrorIds.ConfigParseError, ex.ErrorId);
            Assert.Equal(file, ex.Target);
            Assert.Contains(file, ex.Message);
            Assert.True(ex.Message.Contains($"line {line},"), ex.Message);
        }

        [Fact]
        public void Read_JsonArrayRoot_ConfigParseError()
        {
            using var home = new TempHome();
            home.Write("config.json", "[1]");
            Assert.Equal(ErrorIds.ConfigParseError, Assert.Throws<PorterStorageException>(() => PorterConfigReader.Read(home.Path)).ErrorId);
        }

        [Fact]
        public void Read_HclConfig_ConfigFormatUnsupported()
        {
            using var home = new TempHome();
            string file = home.Write("config.hcl", "x = 1");
            var ex = Assert.Throws<PorterStorageException>(() => PorterConfigReader.Read(home.Path));
            Assert.Equal(ErrorIds.ConfigFormatUnsupported, ex.ErrorId);
            Assert.Equal(file, ex.Target);
        }

        [Fact]
        public void Read_ScalarNonStringValues_RenderedAsViperGetString()
        {
            using var home = new TempHome();
            home.Write("config.toml", "default-storage = 5\n[[storage]]\nname = \"5\"\nplugin = \"azure.blob\"\n");
            Assert.Equal("5", PorterConfigReader.Read(home.Path).ResolvedStorage.Name);
        }

        [Theory]
        [InlineData("filesystem", "porter", "filesystem", true)]
        [InlineData("azure.blob", "azure", "blob", false)]
        [InlineData("x.azure.table", "azure", "table", false)]
        [InlineData("porter.filesystem", "porter", "filesystem", false)]
        public void ResolvedStorage_PluginKeyParts(string key, string binary, string impl, bool local)
        {
            var s = new PorterResolvedStorage(null, key, new System.Collections.Generic.Dictionary<string, object?>(), "t");
            Assert.Equal(binary, s.PluginBinary);
            Assert.Equal(impl, s.PluginImplementation);
            Assert.Equal(local, s.IsFilesystem);
        }
    }
}
