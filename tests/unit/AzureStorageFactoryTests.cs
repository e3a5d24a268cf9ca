using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Core;
using global::Azure.Core.Pipeline;
using global::Azure.Storage.Sas;
using Xunit;

namespace PorterStorage.Tests
{
    public class AzureStorageFactoryTests
    {
        private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

        private static PorterConfig Config(string toml) => PorterConfigReader.Parse("/h", "/h/config.toml", PorterConfigFormat.Toml, toml);

        private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
            name => vars.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

        [Fact]
        public void FromConnectionString_AzuriteForm_PathStyleEndpointAndAccount()
        {
            PorterAzureContainer s = AzureStorageFactory.FromConnectionString(
                $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;", "porter", "t");
            Assert.Equal("devstoreaccount1", s.AccountName);
            Assert.Equal("http://127.0.0.1:10000/devstoreaccount1/porter", s.ContainerUri.ToString());
            Assert.True(s.CanSignSas);
        }

        [Fact]
        public void FromConnectionString_PublicCloud_EndpointFromAccountAndSuffix()
        {
            PorterAzureContainer s = AzureStorageFactory.FromConnectionString($"AccountName=stporter;AccountKey={Key};EndpointSuffix=core.chinacloudapi.cn", "porter", "t");
            Assert.Equal("https://stporter.blob.core.chinacloudapi.cn/porter", s.ContainerUri.ToString());
        }

        [Fact]
        public void FromConnectionString_UseDevelopmentStorage()
        {
            PorterAzureContainer s = AzureStorageFactory.FromConnectionString("UseDevelopmentStorage=true", "porter", "t");
            Assert.Equal("http://127.0.0.1:10000/devstoreaccount1/porter", s.ContainerUri.ToString());
        }

        [Fact]
        public void FromConnectionString_SasOnly_SasAuthentication()
        {
            PorterAzureContainer s = AzureStorageFactory.FromConnectionString("BlobEndpoint=https://stporter.blob.core.windows.net;SharedAccessSignature=sv=2024&sig=abc", "porter", "t");
            Assert.Equal(AzureAuthentication.SasToken, s.Authentication);
            Assert.Equal("stporter", s.AccountName);
            Assert.False(s.CanSignSas);
        }

        [Theory]
        [InlineData("AccountName=x;AccountKey=not*base64*SECRET")]
        [InlineData("garbage-without-equals-SECRET")]
        [InlineData("AccountName=x")]
        [InlineData("AccountKey=abc")]
        public void FromConnectionString_Invalid_NamedWithoutEchoingIt(string cs)
        {
            var ex = Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConnectionString(cs, "porter", "env X"));
            Assert.Equal(ErrorIds.AzureConnectionInvalid, ex.ErrorId);
            Assert.DoesNotContain("SECRET", ex.Message);
            Assert.Contains("env X", ex.Message);
        }

        [Fact]
        public void ToString_AndProperties_NeverHoldTheKey()
        {
            PorterAzureContainer s = AzureStorageFactory.FromConnectionString($"AccountName=stporter;AccountKey={Key}", "porter", "t");
            string shown = s + string.Join("|", typeof(PorterAzureStorage).GetProperties().Where(p => p.GetMethod!.IsPublic).Select(p => p.GetValue(s)?.ToString()));
            Assert.DoesNotContain(Key.Substring(0, 16), shown);
        }

        [Fact]
        public void FromConfig_EnvNamedByEntry()
        {
            PorterConfig c = Config("default-storage = \"dev\"\n[[storage]]\nname = \"dev\"\nplugin = \"azure.blob\"\n[storage.config]\nenv = \"DEV_CS\"\n");
            PorterAzureStorage s = AzureStorageFactory.FromConfig(c, null, "porter", Env(("DEV_CS", $"AccountName=devacct;AccountKey={Key}")));
            Assert.Equal("devacct", s.AccountName);
            Assert.Contains("env DEV_CS", s.Source);
        }

        [Fact]
        public void FromConfig_DefaultStoragePlugin_DefaultVariable()
        {
            PorterConfig c = Config("default-storage-plugin = \"azure.blob\"\n");
            PorterAzureStorage s = AzureStorageFactory.FromConfig(c, null, "porter", Env(("AZURE_STORAGE_CONNECTION_STRING", $"AccountName=a1;AccountKey={Key}")));
            Assert.Equal("a1", s.AccountName);
        }

        [Fact]
        public void FromConfig_NamedEntryOverridesResolved()
        {
            PorterConfig c = Config("[[storage]]\nname = \"src\"\nplugin = \"filesystem\"\n[[storage]]\nname = \"azure\"\nplugin = \"azure.blob\"\n");
            Assert.Equal(ErrorIds.StorageNotAzure, Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConfig(c, null, "porter", Env())).ErrorId);
            Assert.Equal("a2", AzureStorageFactory.FromConfig(c, "azure", "porter", Env(("AZURE_STORAGE_CONNECTION_STRING", $"AccountName=a2;AccountKey={Key}"))).AccountName);
            Assert.Equal(ErrorIds.StorageNotDefined, Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConfig(c, "nope", "porter", Env())).ErrorId);
        }

        [Fact]
        public void FromConfig_NothingSet_AzureCredentialNotFoundNamingVariable()
        {
            PorterConfig c = Config("default-storage-plugin = \"azure.blob\"\n");
            var ex = Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConfig(c, null, "porter", Env()));
            Assert.Equal(ErrorIds.AzureCredentialNotFound, ex.ErrorId);
            Assert.Equal("AZURE_STORAGE_CONNECTION_STRING", ex.Target);
        }

        [Fact]
        public void FromConfig_AccountWithoutGroup_Incomplete()
        {
            PorterConfig c = Config("default-storage = \"s\"\n[[storage]]\nname = \"s\"\nplugin = \"azure.blob\"\n[storage.config]\naccount = \"stporter\"\n");
            Assert.Equal(ErrorIds.AzureConfigIncomplete, Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConfig(c, null, "porter", Env())).ErrorId);
        }

        [Fact]
        public void FromConfig_AccountAndGroup_FirstKeyFromArmListKeys()
        {
            PorterConfig c = Config("default-storage = \"s\"\n[[storage]]\nname = \"s\"\nplugin = \"azure.blob\"\n[storage.config]\naccount = \"stporter\"\nresource-group = \"rg-porter\"\nsubscription-id = \"sub-1\"\n");
            var transport = new FakeTransport(200, "{\"keys\":[{\"keyName\":\"key1\",\"value\":\"" + Key + "\"},{\"keyName\":\"key2\",\"value\":\"b3RoZXI=\"}]}");
            PorterAzureStorage s = AzureStorageFactory.FromConfig(c, null, "porter", Env(), new FakeCredential(), transport, CancellationToken.None);
            Assert.Equal(AzureAuthentication.AccountKeyLookup, s.Authentication);
            Assert.Equal("https://stporter.blob.core.windows.net/porter", s.ContainerUri.ToString());
            Assert.True(s.CanSignSas);
            Assert.Equal("POST", transport.Method);
            Assert.Equal("https://management.azure.com/subscriptions/sub-1/resourceGroups/rg-porter/providers/Microsoft.Storage/storageAccounts/stporter/listKeys?api-version=2023-01-01", transport.Uri);
            Assert.Equal("Bearer fake-token", transport.Authorization);
        }

        [Theory]
        [InlineData(403, "AzureAuthFailed")]
        [InlineData(404, "AzureConfigIncomplete")]
        [InlineData(500, "AzureRequestFailed")]
        public void FromConfig_ArmFailure_Named(int status, string errorId)
        {
            PorterConfig c = Config("default-storage = \"s\"\n[[storage]]\nname = \"s\"\nplugin = \"azure.blob\"\n[storage.config]\naccount = \"a\"\nresource-group = \"g\"\nsubscription-id = \"s\"\n");
            var ex = Assert.Throws<PorterStorageException>(() => AzureStorageFactory.FromConfig(c, null, "porter", Env(), new FakeCredential(), new FakeTransport(status, "{}"), CancellationToken.None));
            Assert.Equal(errorId, ex.ErrorId);
        }

        [Fact]
        public void DefaultSubscription_FromAzureProfileWithBom()
        {
            using var dir = new TempHome();
            dir.WriteBytes("azureProfile.json", new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(
                "{\"subscriptions\":[{\"id\":\"gov\",\"isDefault\":true,\"environmentName\":\"AzureUSGovernment\"},{\"id\":\"pub\",\"isDefault\":true,\"environmentName\":\"AzureCloud\"}]}")).ToArray());
            AzureCliProfile profile = AzureCliProfile.Read(Env(("AZURE_CONFIG_DIR", dir.Path)));
            Assert.Equal("pub", profile.DefaultSubscription(AzureStorageFactory.LookupCloud(profile, null, "w", "l").Name));
        }

        [Theory]
        [InlineData("installations", null, false)]
        [InlineData("installations", "type=installations", true)]
        [InlineData("claims", "type=claims", false)]
        [InlineData("claims", "type=claims;installation=app", true)]
        [InlineData("results", "type=results;claim-id=01X", true)]
        [InlineData("outputs", "type=outputs", false)]
        [InlineData("credentials", "type=parameters", false)]
        public void HasPorterTags_PluginRules(string type, string? tags, bool expected)
        {
            Dictionary<string, string>? map = tags?.Split(';').Select(t => t.Split('=')).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal(expected, PorterBlobTags.HasPorterTags(type, map));
        }

        [Fact]
        public void ContainerSas_ReadAndTagOnly_ShortLived()
        {
            // The copy signs this builder's output for the source; scope it to what a copy needs.
            var builder = new BlobSasBuilder { BlobContainerName = "porter", Resource = "c", ExpiresOn = DateTimeOffset.UtcNow.AddHours(1) };
            builder.SetPermissions(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Tag);
            string sas = builder.ToSasQueryParameters(new global::Azure.Storage.StorageSharedKeyCredential("a", Key)).ToString();
            Assert.Contains("sp=rt", sas);
            Assert.Contains("sr=c", sas);
        }

        /// <summary>A token credential that hands out a fixed token and records the scopes it was asked for.</summary>
        internal sealed class FakeCredential : TokenCredential
        {
            public List<string> Scopes { get; } = new List<string>();

            public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
            {
                Scopes.AddRange(requestContext.Scopes);
                return new AccessToken("fake-token", DateTimeOffset.UtcNow.AddHours(1));
            }

            public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
                new ValueTask<AccessToken>(GetToken(requestContext, cancellationToken));
        }

        internal sealed class FakeTransport : HttpPipelineTransport
        {
            private readonly int _status;
            private readonly string _body;

            public FakeTransport(int status, string body)
            {
                _status = status;
                _body = body;
            }

            public string? Method { get; private set; }

            public string? Uri { get; private set; }

            public string? Authorization { get; private set; }

            public override Request CreateRequest() => new HttpClientTransport().CreateRequest();

            public override void Process(HttpMessage message)
            {
                Method = message.Request.Method.Method;
                Uri = message.Request.Uri.ToString();
                Authorization = message.Request.Headers.TryGetValue("Authorization", out string? a) ? a : null;
                message.Response = new FakeResponse(_status, _body);
            }

            public override ValueTask ProcessAsync(HttpMessage message)
            {
                Process(message);
                return default;
            }
        }

        private sealed class FakeResponse : Response
        {
            private readonly int _status;

            public FakeResponse(int status, string body)
            {
                _status = status;
                ContentStream = new MemoryStream(Encoding.UTF8.GetBytes(body));
            }

            public override int Status => _status;

            public override string ReasonPhrase => string.Empty;

            public override Stream? ContentStream { get; set; }

            public override string ClientRequestId { get; set; } = string.Empty;

            public override void Dispose()
            {
            }

            protected override bool ContainsHeader(string name) => false;

            protected override IEnumerable<HttpHeader> EnumerateHeaders() => Array.Empty<HttpHeader>();

            protected override bool TryGetHeader(string name, out string value)
            {
                value = string.Empty;
                return false;
            }

            protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
            {
                values = Array.Empty<string>();
                return false;
            }
        }
    }
}

namespace PorterStorage.Tests
{
    public class AzureErrorsTests
    {
        [Theory]
        [InlineData(403, "AuthenticationFailed", "AzureAuthFailed")]
        [InlineData(403, "AuthorizationPermissionMismatch", "AzureAuthFailed")]
        [InlineData(401, "", "AzureAuthFailed")]
        [InlineData(404, "ContainerNotFound", "ContainerNotFound")]
        [InlineData(409, "FeatureNotSupportedForAccount", "BlobIndexUnsupported")]
        [InlineData(400, "InvalidTagCharacters", "BlobIndexUnsupported")]
        [InlineData(503, "ServerBusy", "AzureRequestFailed")]
        [InlineData(0, "", "AzureConnectionFailed")]
        public void Translate_NamedByStatusAndCode_NoSecretInMessage(int status, string code, string errorId)
        {
            var ex = new global::Azure.RequestFailedException(status, "https://a.blob.core.windows.net/porter/x?sv=1&sig=SECRETSIG", code.Length == 0 ? null : code, null);
            PorterStorage.PorterStorageException named = AzureErrors.Translate(ex, "porter/x", "Reading");
            Xunit.Assert.Equal(errorId, named.ErrorId);
            Xunit.Assert.Equal("porter/x", named.Target);
            Xunit.Assert.DoesNotContain("SECRETSIG", named.Message);
        }
    }
}
