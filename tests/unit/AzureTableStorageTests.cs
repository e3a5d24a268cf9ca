using System;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// How the azure.table plugin's store is named and reached (format A§1.5–1.7: the same credentials code as the blob plugin,
    /// the table 'porter'), what it refuses, and the config change that moves a home off it.
    /// </summary>
    public class AzureTableStorageTests
    {
        private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

        private static readonly string Azurite =
            $"DefaultEndpointsProtocol=http;AccountName=acct1;AccountKey={Key};BlobEndpoint=http://127.0.0.1:10000/acct1;TableEndpoint=http://127.0.0.1:10002/acct1;";

        [Fact]
        public void ConnectionString_TableEndpoint_AndThePublicCloudTwin()
        {
            PorterAzureTable emulator = AzureStorageFactory.FromConnectionString(Azurite, "porter", "t").WithTable("porter");
            Assert.Equal("Table", emulator.Kind);
            Assert.Equal("http://127.0.0.1:10002/acct1/porter", emulator.TableUri!.ToString());
            Assert.Equal(emulator.TableUri, emulator.StoreUri);
            Assert.DoesNotContain(Key, emulator.ToString());

            PorterAzureTable cloud = AzureStorageFactory.FromConnectionString($"AccountName=stporter;AccountKey={Key};EndpointSuffix=core.windows.net", "porter", "t")
                .WithTable("porter");
            Assert.Equal("https://stporter.table.core.windows.net/porter", cloud.TableUri!.ToString());

            PorterAzureTable dev = AzureStorageFactory.FromConnectionString("UseDevelopmentStorage=true", "porter", "t").WithTable("porter");
            Assert.Equal("http://127.0.0.1:10002/devstoreaccount1/porter", dev.TableUri!.ToString());

            // The container kind is the same object without a table; a container never has a table URL.
            PorterAzureContainer container = AzureStorageFactory.FromConnectionString(Azurite, "porter", "t");
            Assert.Equal("Container", container.Kind);
            Assert.Null(container.TableUri);
            Assert.Equal(container.ContainerUri, container.StoreUri);
            Assert.Equal("Container", emulator.WithContainer("porter").Kind);
        }

        [Fact]
        public void ATableWhoseEndpointCannotBeKnown_IsNamedWhenItIsMade()
        {
            PorterAzureContainer blobOnly = AzureStorageFactory.FromConnectionString(
                $"AccountName=acct1;AccountKey={Key};BlobEndpoint=http://127.0.0.1:10000/acct1;", "porter", "the test");
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => blobOnly.WithTable("porter"));
            Assert.Equal(ErrorIds.AzureConnectionInvalid, ex.ErrorId);
            Assert.Contains("TableEndpoint", ex.Message);
            Assert.DoesNotContain(Key, ex.Message);
        }

        [Theory]
        [InlineData("po", "it has 2 characters")]
        [InlineData("1porter", "it starts with a digit")]
        [InlineData("por-ter", "U+002D")]
        [InlineData("tables", "reserved")]
        [InlineData("Tables", "reserved")]
        public void TableNames_AzuresRule(string name, string why)
        {
            Assert.Contains(why, PorterAzureStorage.TableNameProblem(name));
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConnectionString(Azurite, "porter", "t").WithTable(name));
            Assert.Equal(ErrorIds.TableNameInvalid, ex.ErrorId);
        }

        [Fact]
        public void TableNames_ThePluginsAndOthers()
        {
            Assert.Null(PorterAzureStorage.TableNameProblem("porter"));
            Assert.Null(PorterAzureStorage.TableNameProblem("Porter2"));
            Assert.Null(PorterAzureStorage.TableNameProblem(new string('a', 63)));
            Assert.NotNull(PorterAzureStorage.TableNameProblem(new string('a', 64)));
        }

        [Fact]
        public void AKindWhereTheOtherIsNeeded_IsNamedBeforeAnyRequest()
        {
            PorterAzureTable table = AzureStorageFactory.FromConnectionString(Azurite, "porter", "t").WithTable("porter");
            // Each kind is its own type: a table has no blob clients and a container no table client, so the core cannot mix them up;
            // a script's reference is taken as its kind once, where a command meets it.
            const System.Reflection.BindingFlags Any = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;
            Assert.Null(typeof(PorterAzureTable).GetMethod("CreateServiceClient", Any));
            Assert.Null(typeof(PorterAzureTable).GetMethod("CreateContainerClient", Any));
            Assert.Null(typeof(PorterAzureContainer).GetMethod("CreateTableClient", Any));
            Assert.Null(typeof(PorterAzureStorage).GetProperty("IsTable", Any));
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => AzureReferences.Container(table, "the probe"));
            Assert.Equal(ErrorIds.AzureStoreKindMismatch, ex.ErrorId);
            Assert.Contains("azure.table", ex.Message);
            Assert.Contains("the probe", ex.Message);
            PorterAzureContainer container = AzureStorageFactory.FromConnectionString(Azurite, "porter", "t");
            Assert.Equal(ErrorIds.AzureStoreKindMismatch, Assert.Throws<PorterStorageException>(() => AzureReferences.Table(container, "x")).ErrorId);
            Assert.Same(table, AzureReferences.Table(table, "x"));
            Assert.Same(container, AzureReferences.Container(container, "x"));
            // A container's migration into a table (-Destination) is named the same way, before anything is copied.
            PorterStorageException into = Assert.Throws<PorterStorageException>(() => new AzureBlobMigrationStore(container).CopyTo(table));
            Assert.Equal(ErrorIds.AzureStoreKindMismatch, into.ErrorId);
            Assert.Contains("-Destination", into.Message);
            Assert.Equal(ErrorIds.AzureStoreKindMismatch, BackupUpload.RefusalFor(container, table)!.ErrorId);
            // A table backed up may go to the container of the same name in its account: it is not the table.
            Assert.Null(BackupUpload.RefusalFor(table, container));
        }

        [Fact]
        public void AnAccountWhoseNameHoldsTheTables_OnAPathStyleEndpoint_IsANamedError()
        {
            PorterAzureTable table = AzureStorageFactory.FromConnectionString(
                $"AccountName=porterdest;AccountKey={Key};BlobEndpoint=http://127.0.0.1:10000/porterdest;TableEndpoint=http://127.0.0.1:10002/porterdest;", "porter", "t")
                .WithTable("porter");
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => table.CreateTableClient());
            Assert.Equal(ErrorIds.AzureConnectionInvalid, ex.ErrorId);
            Assert.Contains("host-style", ex.Message);
        }

        private static (string Home, PorterAzureTable Table) TableHome(TempHome temp, string fileName, string text)
        {
            File.WriteAllText(temp.P(fileName), text);
            PorterAzureTable table = (PorterAzureTable)AzureStorageFactory.FromConfig(PorterHomeService.ReadConfig(temp.Path), null, "porter",
                name => name == "TEAM" || name == "AZURE_STORAGE_CONNECTION_STRING" ? Azurite : null);
            return (temp.Path, table);
        }

        private static PorterAzureContainer PorterContainer => AzureStorageFactory.FromConnectionString(Azurite, "porter", "t");

        [Theory]
        [InlineData("config.toml", "default-storage = \"team\"\n[[storage]]\nname = \"team\"\nplugin = \"azure.table\"\n[storage.config]\nenv = \"TEAM\"\n")]
        [InlineData("config.toml", "\uFEFFdefault-storage = \"team\"\r\n[[storage]]\r\n  name = \"team\"\r\n  plugin = 'azure.table'\r\n  [storage.config]\r\n    env = \"TEAM\"\r\n")]
        [InlineData("config.toml", "default-storage-plugin = \"azure.table\"\n")]
        [InlineData("config.yaml", "default-storage: team\nstorage:\n  - name: team\n    plugin: azure.table\n    config:\n      env: TEAM\n")]
        [InlineData("config.json", "{\"default-storage\":\"team\",\"storage\":[{\"name\":\"team\",\"plugin\":\"azure.table\",\"config\":{\"env\":\"TEAM\"}}]}")]
        public void ConfigChange_TheOneTableValueBecomesBlob_TheOldTextKept_AndItReadsBackAsBlob(string fileName, string text)
        {
            using var temp = new TempHome();
            (string home, PorterAzureTable table) = TableHome(temp, fileName, text);
            Assert.Contains(temp.P(fileName), TableConfigChange.Describe(table, PorterContainer));
            byte[] before = File.ReadAllBytes(temp.P(fileName));
            string kept = TableConfigChange.Apply(table, PorterContainer, new DateTime(2026, 12, 3, 10, 0, 0));
            Assert.Equal(before, File.ReadAllBytes(kept));
            Assert.Equal(new UTF8Encoding(false).GetBytes(text.Replace("azure.table", "azure.blob")), File.ReadAllBytes(temp.P(fileName)));
            Assert.True(PorterHomeService.ReadConfig(home).ResolvedStorage.IsAzureBlob);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kept));
            }
        }

        [Fact]
        public void ConfigChange_OfALinkedConfig_IsMadeWhereItLives_AndTheLinkStays()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }
            using var temp = new TempHome();
            using var elsewhere = new TempHome();
            string text = "default-storage-plugin = \"azure.table\"\n";
            File.WriteAllText(elsewhere.P("porter-config.toml"), text);
            File.CreateSymbolicLink(temp.P("config.toml"), elsewhere.P("porter-config.toml"));
            var table = Assert.IsType<PorterAzureTable>(AzureStorageFactory.FromConfig(PorterHomeService.ReadConfig(temp.Path), null, "porter", _ => Azurite));
            string kept = TableConfigChange.Apply(table, PorterContainer, DateTime.Now);
            Assert.NotNull(new FileInfo(temp.P("config.toml")).LinkTarget);
            Assert.Equal(text.Replace("azure.table", "azure.blob"), File.ReadAllText(elsewhere.P("porter-config.toml")));
            Assert.StartsWith(elsewhere.Path, kept);
            Assert.True(PorterHomeService.ReadConfig(temp.Path).ResolvedStorage.IsAzureBlob);
        }

        [Fact]
        public void ConfigChange_IsRefused_WhenWhichValueIsNotClear_OrTheNameAloneIsNotEnough()
        {
            using var temp = new TempHome();
            string text = "default-storage = \"team\"\n[[storage]]\nname = \"team\"\nplugin = \"azure.table\"\n[storage.config]\nenv = \"TEAM\"\n"
                          + "[[storage]]\nname = \"old\"\nplugin = \"azure.table\"\n[storage.config]\nenv = \"OLD\"\n";
            (_, PorterAzureTable table) = TableHome(temp, "config.toml", text);
            PorterStorageException twice = Assert.Throws<PorterStorageException>(() => TableConfigChange.Apply(table, PorterContainer, DateTime.Now));
            Assert.Equal(ErrorIds.ConfigNotUpdated, twice.ErrorId);
            Assert.Contains("2 times", twice.Message);

            File.WriteAllText(temp.P("config.toml"), text.Substring(0, text.IndexOf("[[storage]]\nname = \"old\"", StringComparison.Ordinal)));
            PorterStorageException other = Assert.Throws<PorterStorageException>(() => TableConfigChange.Apply(table, PorterContainer.WithContainer("elsewhere"), DateTime.Now));
            Assert.Contains("reads only the container 'porter'", other.Message);
            PorterAzureContainer otherAccount = AzureStorageFactory.FromConnectionString(Azurite.Replace("acct1", "acct2"), "porter", "t");
            Assert.Contains("acct2", Assert.Throws<PorterStorageException>(() => TableConfigChange.Apply(table, otherAccount, DateTime.Now)).Message);
            Assert.Contains("acct2", TableConfigChange.Describe(table, otherAccount));

            PorterAzureTable direct = AzureStorageFactory.FromConnectionString(Azurite, "porter", "t").WithTable("porter");
            Assert.Equal(ErrorIds.ConfigNotUpdated, Assert.Throws<PorterStorageException>(() => TableConfigChange.Apply(direct, PorterContainer, DateTime.Now)).ErrorId);
            // Nothing was changed by any refusal.
            Assert.Contains("azure.table", File.ReadAllText(temp.P("config.toml")));
            Assert.Equal(new[] { "config.toml" }, Directory.GetFiles(temp.Path).Select(Path.GetFileName));
        }
    }
}
