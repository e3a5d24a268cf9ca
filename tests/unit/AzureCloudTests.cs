using System;
using System.Linq;
using System.Threading;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>Sovereign clouds and custom domains: each cloud's endpoints, the ARM key lookup per cloud, and no guessed account names.</summary>
    public class AzureCloudTests
    {
        private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        private const string Sas = "sv=2024-01-01&sp=rl&sig=SECRETSIG";
        private const string Keys = "{\"keys\":[{\"keyName\":\"key1\",\"value\":\"" + Key + "\"}]}";

        private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
            name => vars.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

        private static PorterConfig LookupConfig(string? subscription) => PorterConfigReader.Parse("/h", "/h/config.toml", PorterConfigFormat.Toml,
            "default-storage = \"s\"\n[[storage]]\nname = \"s\"\nplugin = \"azure.blob\"\n[storage.config]\naccount = \"stporter\"\nresource-group = \"rg\"\n"
            + (subscription == null ? string.Empty : $"subscription-id = \"{subscription}\"\n"));

        [Theory]
        [InlineData("AzureCloud", "core.windows.net", "https://management.azure.com/", "https://login.microsoftonline.com/")]
        [InlineData("AzureUSGovernment", "core.usgovcloudapi.net", "https://management.usgovcloudapi.net/", "https://login.microsoftonline.us/")]
        [InlineData("AzureChinaCloud", "core.chinacloudapi.cn", "https://management.chinacloudapi.cn/", "https://login.chinacloudapi.cn/")]
        public void Cloud_ByName_StorageSuffixArmAndAuthority(string name, string suffix, string arm, string authority)
        {
            AzureCloud cloud = AzureCloud.FromName(name.ToLowerInvariant())!;
            Assert.Equal(name, cloud.Name);
            Assert.Equal(suffix, cloud.StorageSuffix);
            Assert.Equal(arm, cloud.ResourceManager!.ToString());
            Assert.Equal(arm + ".default", cloud.ResourceManagerScope);
            Assert.Equal(authority, cloud.AuthorityHost!.ToString());
            Assert.Same(cloud, AzureCloud.FromSuffix(suffix));
            Assert.Equal($"https://stporter.blob.{suffix}/", cloud.BlobEndpoint("stporter").ToString());
            Assert.Equal($"https://stporter.table.{suffix}/", cloud.TableEndpoint("stporter").ToString());
        }

        [Fact]
        public void Cloud_UnknownSuffix_HasNoArm_AndABadOneIsRefused()
        {
            Assert.Null(AzureCloud.FromName("AzureGermanCloud"));
            AzureCloud stack = AzureCloud.FromSuffix("local.azurestack.external");
            Assert.Equal("local.azurestack.external", stack.StorageSuffix);
            Assert.Null(stack.ResourceManager);
            Assert.Null(stack.ResourceManagerScope);
            Assert.Equal(ErrorIds.AzureConnectionInvalid, Assert.Throws<PorterStorageException>(() => AzureCloud.FromSuffix("not a suffix")).ErrorId);
            Assert.Equal(ErrorIds.AzureConnectionInvalid, Assert.Throws<PorterStorageException>(() => AzureCloud.FromSuffix(" . ")).ErrorId);
        }

        [Theory]
        [InlineData("AzureCloud", "core.windows.net")]
        [InlineData("AzureUSGovernment", "core.usgovcloudapi.net")]
        [InlineData("AzureChinaCloud", "core.chinacloudapi.cn")]
        public void AccountName_InEachCloud_BlobAndTableEndpoints(string name, string suffix)
        {
            AzureCloud cloud = AzureCloud.FromName(name)!;
            PorterAzureContainer sas = AzureStorageFactory.FromSas("stporter", null, Sas, "porter", null, cloud);
            Assert.Equal($"https://stporter.blob.{suffix}/porter", sas.ContainerUri.ToString());
            Assert.Equal(name, sas.Cloud);
            Assert.Equal($"https://stporter.table.{suffix}/porter", sas.WithTable("porter").TableUri!.ToString());

            PorterAzureContainer identity = AzureStorageFactory.FromTokenCredential("stporter", null, false, null, "porter", null, cloud);
            Assert.Equal($"https://stporter.blob.{suffix}/porter", identity.ContainerUri.ToString());
            Assert.Equal($"https://stporter.table.{suffix}/porter", identity.WithTable("porter").TableUri!.ToString());

            // A connection string's EndpointSuffix, and an explicit blob endpoint, give the table's twin in the same cloud.
            PorterAzureContainer keyed = AzureStorageFactory.FromConnectionString($"AccountName=stporter;AccountKey={Key};EndpointSuffix={suffix}", "porter", "t");
            Assert.Equal($"https://stporter.table.{suffix}/porter", keyed.WithTable("porter").TableUri!.ToString());
            Assert.Equal(name, keyed.Cloud);
            PorterAzureContainer endpoint = AzureStorageFactory.FromConnectionString($"BlobEndpoint=https://stporter.blob.{suffix};SharedAccessSignature={Sas}", "porter", "t");
            Assert.Equal("stporter", endpoint.AccountName);
            Assert.Equal($"https://stporter.table.{suffix}/porter", endpoint.WithTable("porter").TableUri!.ToString());
        }

        [Fact]
        public void SignedInAccount_SignsInToTheCloudOfTheEndpoint()
        {
            Uri Authority(AzureCloud? cloud, string endpoint) => AzureStorageFactory.CredentialOptions(cloud, new Uri(endpoint)).AuthorityHost;
            Assert.Equal(new Uri("https://login.microsoftonline.us"), Authority(AzureCloud.UsGovernment, "https://stporter.blob.core.usgovcloudapi.net"));
            Assert.Equal(new Uri("https://login.microsoftonline.us"), Authority(null, "https://stporter.blob.core.usgovcloudapi.net"));
            Assert.Equal(new Uri("https://login.chinacloudapi.cn"), Authority(null, "https://stporter.blob.core.chinacloudapi.cn"));
            Assert.Equal(new Uri("https://login.chinacloudapi.cn"), Authority(AzureCloud.China, "https://porter.contoso.com"));
            Assert.Equal(new global::Azure.Identity.DefaultAzureCredentialOptions().AuthorityHost, Authority(null, "https://porter.contoso.com"));
        }

        [Fact]
        public void AccountName_WithoutCloud_IsThePublicCloud_AndASuffixGivesAnyOther()
        {
            Assert.Equal("https://stporter.blob.core.windows.net/porter", AzureStorageFactory.FromSas("stporter", null, Sas, "porter").ContainerUri.ToString());
            PorterAzureContainer stack = AzureStorageFactory.FromSas("stporter", null, Sas, "porter", null, AzureCloud.FromSuffix("local.azurestack.external"));
            Assert.Equal("https://stporter.blob.local.azurestack.external/porter", stack.ContainerUri.ToString());
            Assert.Equal("https://stporter.table.local.azurestack.external/porter", stack.WithTable("porter").TableUri!.ToString());
            Assert.Null(stack.Cloud);
        }

        [Theory]
        [InlineData("AzureCloud", "management.azure.com", "core.windows.net")]
        [InlineData("AzureUSGovernment", "management.usgovcloudapi.net", "core.usgovcloudapi.net")]
        [InlineData("AzureChinaCloud", "management.chinacloudapi.cn", "core.chinacloudapi.cn")]
        public void ArmKeyLookup_CallersCloud_HostScopeAndEndpoint(string name, string armHost, string suffix)
        {
            var transport = new AzureStorageFactoryTests.FakeTransport(200, Keys);
            var credential = new AzureStorageFactoryTests.FakeCredential();
            PorterAzureStorage s = AzureStorageFactory.FromConfig(LookupConfig("sub-1"), null, "porter", Env(), credential, transport, CancellationToken.None,
                AzureCloud.FromName(name));
            Assert.Equal($"https://{armHost}/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stporter/listKeys?api-version=2023-01-01", transport.Uri);
            Assert.Equal(new[] { $"https://{armHost}/.default" }, credential.Scopes.Distinct());
            Assert.Equal($"https://stporter.blob.{suffix}/porter", s.ContainerUri.ToString());
            Assert.Equal(AzureAuthentication.AccountKeyLookup, s.Authentication);
            Assert.Contains(name, s.Source);
            Assert.True(s.CanSignSas);
        }

        [Fact]
        public void ArmKeyLookup_WithoutCallersCloud_FollowsTheAzureCli()
        {
            using var dir = new TempHome();
            dir.Write("azureProfile.json", "{\"subscriptions\":[{\"id\":\"pub\",\"isDefault\":true,\"environmentName\":\"AzureCloud\"},"
                + "{\"id\":\"gov\",\"isDefault\":true,\"environmentName\":\"AzureUSGovernment\"},{\"id\":\"cn\",\"isDefault\":false,\"environmentName\":\"AzureChinaCloud\"}]}");

            // Two clouds' defaults and no current cloud: the public one, as the plugin did.
            string? Lookup(PorterConfig config, params (string, string)[] env)
            {
                var transport = new AzureStorageFactoryTests.FakeTransport(200, Keys);
                AzureStorageFactory.FromConfig(config, null, "porter", Env(env.Append(("AZURE_CONFIG_DIR", dir.Path)).ToArray()),
                    new AzureStorageFactoryTests.FakeCredential(), transport, CancellationToken.None);
                return transport.Uri;
            }
            Assert.StartsWith("https://management.azure.com/subscriptions/pub/", Lookup(LookupConfig(null)));

            // 'az cloud set --name AzureUSGovernment': that cloud's ARM and its default subscription.
            dir.Write("config", "[core]\noutput = json\n\n[cloud]\nname = AzureUSGovernment\n");
            Assert.StartsWith("https://management.usgovcloudapi.net/subscriptions/gov/", Lookup(LookupConfig(null)));

            // AZURE_CLOUD_NAME overrides the CLI's config, as it does for the CLI.
            Assert.StartsWith("https://management.azure.com/subscriptions/pub/", Lookup(LookupConfig(null), ("AZURE_CLOUD_NAME", "AzureCloud")));

            // The config's subscription-id is looked up in the cloud the profile gives it, whatever the CLI's current cloud.
            Assert.StartsWith("https://management.chinacloudapi.cn/subscriptions/cn/", Lookup(LookupConfig("cn")));

            // A cloud the module does not know is named, not replaced by the public one; nothing is sent.
            var untouched = new AzureStorageFactoryTests.FakeTransport(200, Keys);
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConfig(LookupConfig(null), null, "porter",
                Env(("AZURE_CONFIG_DIR", dir.Path), ("AZURE_CLOUD_NAME", "AzureStackUser")), new AzureStorageFactoryTests.FakeCredential(), untouched, CancellationToken.None));
            Assert.Equal(ErrorIds.AzureConfigIncomplete, ex.ErrorId);
            Assert.Contains("AzureStackUser", ex.Message);
            Assert.Null(untouched.Uri);

            // No default subscription of the cloud: named with the cloud.
            ex = Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConfig(LookupConfig(null), null, "porter",
                Env(("AZURE_CONFIG_DIR", dir.Path), ("AZURE_CLOUD_NAME", "AzureChinaCloud")), new AzureStorageFactoryTests.FakeCredential(), untouched, CancellationToken.None));
            Assert.Equal(ErrorIds.AzureConfigIncomplete, ex.ErrorId);
            Assert.Contains("AzureChinaCloud", ex.Message);
        }

        [Fact]
        public void ArmKeyLookup_CloudWithoutArm_IsRefusedBeforeAnyRequest()
        {
            var transport = new AzureStorageFactoryTests.FakeTransport(200, Keys);
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConfig(LookupConfig("sub-1"), null, "porter", Env(),
                new AzureStorageFactoryTests.FakeCredential(), transport, CancellationToken.None, AzureCloud.FromSuffix("local.azurestack.external")));
            Assert.Equal(ErrorIds.AzureConfigIncomplete, ex.ErrorId);
            Assert.Null(transport.Uri);
        }

        [Theory]
        [InlineData("https://stporter.blob.core.usgovcloudapi.net", "blob", "stporter")]
        [InlineData("https://STPORTER.blob.core.chinacloudapi.cn/", "blob", "stporter")]
        [InlineData("https://stporter-secondary.blob.core.windows.net", "blob", "stporter")]
        [InlineData("https://stporter.privatelink.blob.core.windows.net", "blob", "stporter")]
        [InlineData("https://stporter.z12.blob.storage.azure.net", "blob", "stporter")]
        [InlineData("https://stporter.blob.local.azurestack.external", "blob", "stporter")]
        [InlineData("https://stporter.table.core.windows.net", "table", "stporter")]
        [InlineData("https://stporter.table.core.windows.net", "blob", null)]
        [InlineData("https://porter.contoso.com", "blob", null)]
        [InlineData("https://blob.contoso.com", "blob", null)]
        [InlineData("https://x.blob.core.windows.net", "blob", null)]
        [InlineData("http://azurite:10000/devstoreaccount1", "blob", null)]
        [InlineData("http://127.0.0.1:10000/devstoreaccount1", "blob", "devstoreaccount1")]
        [InlineData("http://localhost:10000/acct1/", "blob", "acct1")]
        public void AccountOf_ReadsOnlyAzuresOwnNames(string endpoint, string service, string? account)
        {
            Assert.Equal(account, AzureCloud.AccountOf(new Uri(endpoint), service));
        }

        [Fact]
        public void CustomDomain_WithoutAccountName_IsRefusedNotGuessed()
        {
            var custom = new Uri("https://porter.contoso.com");
            PorterStorageException sas = Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromSas(null, custom, Sas, "porter"));
            Assert.Equal(ErrorIds.AccountRequired, sas.ErrorId);
            Assert.Equal("-BlobEndpoint", sas.Target);
            Assert.Contains("porter.contoso.com", sas.Message);
            Assert.Contains("-AccountName", sas.Message);
            Assert.Equal(ErrorIds.AccountRequired, Assert.Throws<PorterStorageException>(() =>
                AzureStorageFactory.FromTokenCredential(null, custom, true, null, "porter")).ErrorId);
            Assert.Equal(ErrorIds.AccountRequired, Assert.Throws<PorterStorageException>(() =>
                AzureStorageFactory.FromAzContext(null, "https://porter.contoso.com/", null, Sas, "porter")).ErrorId);
            Assert.Equal(ErrorIds.AccountRequired, Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromSas(null, null, Sas, "porter")).ErrorId);

            // A connection string with a key and no AccountName would sign Shared Key for a guessed name: refused, the key never shown.
            foreach (string cs in new[] { $"BlobEndpoint=https://porter.contoso.com;AccountKey={Key}", $"BlobEndpoint=https://porter.contoso.com;SharedAccessSignature={Sas}" })
            {
                PorterStorageException ex = Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConnectionString(cs, "porter", "env X"));
                Assert.Equal(ErrorIds.AzureConnectionInvalid, ex.ErrorId);
                Assert.Contains("AccountName", ex.Message);
                Assert.DoesNotContain("SECRETSIG", ex.Message);
                Assert.DoesNotContain(Key.Substring(0, 16), ex.Message);
            }
        }

        [Fact]
        public void CustomDomain_WithAccountName_IsTaken_AndItsTableNeedsAnEndpoint()
        {
            PorterAzureContainer keyed = AzureStorageFactory.FromConnectionString(
                $"AccountName=stporter;AccountKey={Key};BlobEndpoint=https://porter.contoso.com", "porter", "t");
            Assert.Equal("stporter", keyed.AccountName);
            Assert.Equal("https://porter.contoso.com/porter", keyed.ContainerUri.ToString());
            Assert.True(keyed.CanSignSas);
            Assert.Null(keyed.Cloud);

            // A custom domain that looks like Azure's names (files.blob.contoso.com) serves the account given.
            PorterAzureContainer lookalike = AzureStorageFactory.FromSas("stporter", new Uri("https://files.blob.contoso.com"), Sas, "porter");
            Assert.Equal("stporter", lookalike.AccountName);

            // No table twin of a custom domain is guessed: the table's endpoint is asked for, and taken when given.
            foreach (PorterAzureStorage custom in new[] { keyed, lookalike })
            {
                PorterStorageException ex = Assert.Throws<PorterStorageException>(() => custom.WithTable("porter"));
                Assert.Equal(ErrorIds.AzureConnectionInvalid, ex.ErrorId);
                Assert.Contains("TableEndpoint", ex.Message);
            }
            PorterAzureTable table = AzureStorageFactory.FromSas("stporter", new Uri("https://porter.contoso.com"), Sas, "porter",
                new Uri("https://stporter.table.core.usgovcloudapi.net")).WithTable("porter");
            Assert.Equal("https://stporter.table.core.usgovcloudapi.net/porter", table.TableUri!.ToString());
        }

        [Fact]
        public void AccountName_ThatAKnownCloudsEndpointContradicts_IsRefused()
        {
            Assert.Equal(ErrorIds.AzureConnectionInvalid, Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConnectionString(
                $"AccountName=other;AccountKey={Key};BlobEndpoint=https://stporter.blob.core.usgovcloudapi.net", "porter", "t")).ErrorId);
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() =>
                AzureStorageFactory.FromSas("other", new Uri("https://stporter.blob.core.windows.net"), Sas, "porter"));
            Assert.Equal(ErrorIds.AccountRequired, ex.ErrorId);
            Assert.Contains("'other'", ex.Message);
            Assert.Contains("'stporter'", ex.Message);
        }

        [Fact]
        public void TokenOverHttp_HttpsRequired_NamedBeforeAnyRequest_SasAndKeysStillWorkOverHttp()
        {
            var http = new Uri("http://127.0.0.1:10000/stporter");
            foreach (bool managed in new[] { true, false })
            {
                PorterStorageException ex = Assert.Throws<PorterStorageException>(() =>
                    AzureStorageFactory.FromTokenCredential("stporter", http, managed, null, "porter"));
                Assert.Equal(ErrorIds.HttpsRequired, ex.ErrorId);
                Assert.Contains("http://127.0.0.1:10000/stporter", ex.Message);
                Assert.DoesNotContain("TokenCredential", ex.Message);
            }
            Assert.Equal(ErrorIds.HttpsRequired, Assert.Throws<PorterStorageException>(() =>
                AzureStorageFactory.FromTokenCredential("stporter", new Uri("https://stporter.blob.core.windows.net"), true, null, "porter",
                    new Uri("http://127.0.0.1:10002/stporter"))).ErrorId);
            Assert.Equal("SasToken", AzureStorageFactory.FromSas("stporter", http, "sv=2021-08-06&sig=abc", "porter").Authentication.ToString());
        }
    }
}
