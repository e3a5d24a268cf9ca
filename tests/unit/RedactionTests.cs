using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>Secrets in a config are masked wherever config is shown, and the engine still connects with them.</summary>
    public class RedactionTests
    {
        private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        private const string Planted = "PLANTEDSECRET0123456789";
        private static readonly string Connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Planted}{Key};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1";

        private static string Config() =>
            "default-storage = \"dev\"\n[[storage]]\n  name = \"dev\"\n  plugin = \"azure.blob\"\n  [storage.config]\n" +
            $"    env = \"DEV_CONN\"\n    connection-string = \"{Connection}\"\n    password = \"{Planted}-pw\"\n" +
            $"    endpoint = \"https://x.blob.core.windows.net/?sv=2020&sig={Planted}\"\n    account = \"stporter\"\n" +
            $"    [storage.config.nested]\n      client-secret = \"{Planted}-cs\"\n      tokens = [\"{Planted}-t1\"]\n";

        private static string Json(object? o) => JsonSerializer.Serialize(o);

        [Theory]
        [InlineData("dsn", "postgres://u:S3CR3T@h/db", "postgres://u:********@h/db")]
        [InlineData("vault-url", "https://me:S3CR3T@vault.example", "https://me:********@vault.example")]
        [InlineData("url", "mongodb+srv://admin:S3CR3T@cluster0/porter?retryWrites=true", "mongodb+srv://admin:********@cluster0/porter?retryWrites=true")]
        [InlineData("url", "https://vault.example/path", "https://vault.example/path")]
        public void RedactValue_UrlWithAPassword_OnlyThePasswordMasked(string key, string value, string shown)
        {
            Assert.Equal(shown, Redaction.RedactValue(key, value));
            Assert.DoesNotContain("S3CR3T", Redaction.RedactText("could not reach " + value));
        }

        [Theory]
        [InlineData("connection-string", true)]
        [InlineData("ConnectionString", true)]
        [InlineData("account-key", true)]
        [InlineData("sas-token", true)]
        [InlineData("password", true)]
        [InlineData("client_secret", true)]
        [InlineData("token", true)]
        [InlineData("env", false)]
        [InlineData("account", false)]
        [InlineData("resource-group", false)]
        [InlineData("subscription-id", false)]
        [InlineData("container", false)]
        public void IsSecretKey_ByName(string key, bool secret) => Assert.Equal(secret, Redaction.IsSecretKey(key));

        [Theory]
        [InlineData("AccountName=a;AccountKey=abc", true)]
        [InlineData("BlobEndpoint=x;SharedAccessSignature=sv=1&sig=abc", true)]
        [InlineData("https://a.blob.core.windows.net/c?sv=2020&sig=abc", true)]
        [InlineData("Bearer eyJhbGciOi", true)]
        [InlineData("https://a.blob.core.windows.net/c", false)]
        [InlineData("design=plain", false)]
        public void LooksSecret_ByShape(string value, bool secret) => Assert.Equal(secret, Redaction.LooksSecret(value));

        [Fact]
        public void Read_SecretsMaskedInEveryShownTable_RealValuesKeptForTheEngine()
        {
            using var home = new TempHome();
            home.Write("config.toml", Config());
            PorterConfig config = PorterConfigReader.Read(home.Path);
            PorterPluginEntry entry = config.Storage.Single();
            Assert.Equal(Redaction.Mask, entry.Config["connection-string"]);
            Assert.Equal(Redaction.Mask, entry.Config["password"]);
            Assert.Equal(Redaction.Mask, entry.Config["endpoint"]);
            Assert.Equal("DEV_CONN", entry.Config["env"]);
            Assert.Equal("stporter", entry.Config["account"]);
            Assert.DoesNotContain(Planted, Json(entry));
            Assert.DoesNotContain(Planted, Json(config));
            Assert.DoesNotContain(Planted, Json(config.ResolvedStorage));
            Assert.Equal(Redaction.Mask, config.ResolvedStorage.Config["connection-string"]);
            Assert.Equal(Connection, entry.Values["connection-string"]);
            Assert.Equal(Connection, config.ResolvedStorage.Values["connection-string"]);
        }

        [Fact]
        public void Inspect_HomeShowsNoSecret()
        {
            using var home = new TempHome();
            home.Write("config.toml", Config());
            PorterHome h = PorterHomeService.Inspect(home.Path);
            Assert.NotNull(h.Config);
            Assert.DoesNotContain(Planted, Json(h.Config));
            Assert.DoesNotContain(Planted, Json(h.Storage));
            Assert.DoesNotContain(Planted, string.Join("\n", h.Problems.Select(p => p.ToString())));
        }

        [Fact]
        public void FromConfig_StillConnectsWithTheRealValue()
        {
            using var home = new TempHome();
            home.Write("config.toml", Config());
            PorterConfig config = PorterConfigReader.Read(home.Path);
            PorterAzureStorage s = AzureStorageFactory.FromConfig(config, null, "porter", v => v == "DEV_CONN" ? Connection.Replace(Planted, string.Empty) : null);
            Assert.Equal("devstoreaccount1", s.AccountName);
            Assert.Equal(AzureAuthentication.ConnectionString, s.Authentication);
        }

        [Fact]
        public void Exception_SecretShapedPartsMasked()
        {
            var ex = new PorterStorageException(ErrorIds.AzureConnectionInvalid, PorterErrorKind.InvalidArgument, $"x;AccountKey={Planted}",
                $"Bad: {Connection} and ?sv=1&sig={Planted} and Bearer {Planted}");
            Assert.DoesNotContain(Planted, ex.Message);
            Assert.DoesNotContain(Planted, ex.Target);
            Assert.Contains("AccountName=devstoreaccount1", ex.Message);
            Assert.Contains("AccountKey=" + Redaction.Mask, ex.Message);
        }

        [Fact]
        public void Redact_NestedTablesAndLists()
        {
            var table = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
            {
                ["outer"] = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["password"] = Planted, ["port"] = 1L },
                ["tokens"] = new List<object?> { Planted },
                ["hosts"] = new List<object?> { "a", "b" },
                ["account-key"] = 42L,
            };
            IReadOnlyDictionary<string, object?> shown = Redaction.Redact(table);
            Assert.DoesNotContain(Planted, Json(shown));
            Assert.Equal(new object?[] { "a", "b" }, (IEnumerable<object?>)shown["hosts"]!);
            Assert.Equal(Redaction.Mask, shown["account-key"]);
            Assert.Equal(1L, ((IReadOnlyDictionary<string, object?>)shown["outer"]!)["port"]);
            Assert.True(shown.ContainsKey("OUTER"));
        }
    }
}
