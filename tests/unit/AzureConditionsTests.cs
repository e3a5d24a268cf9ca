using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using global::Azure.Core.Pipeline;
using global::Azure.Storage.Blobs;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>The rules behind the module's behaviour on real Azure: container names, SAS letters, request counts.</summary>
    public class AzureConditionsTests
    {
        [Theory]
        [InlineData(1, 32)]
        [InlineData(2, 32)]
        [InlineData(4, 32)]
        [InlineData(5, 80)]
        [InlineData(8, 128)]
        [InlineData(64, 300)]
        public void Concurrency_AzcopysDefault_32UpToFourCores_Then16PerCore_AtMost300(int cores, int expected)
        {
            Assert.Equal(expected, AzureConcurrency.For(cores));
            Assert.Equal(AzureConcurrency.For(Environment.ProcessorCount), AzureConcurrency.Default);
            Assert.Equal(AzureConcurrency.Default, ContainerCopy.DefaultConcurrency);
        }

        [Theory]
        [InlineData("sv=2021-08-06&sr=c&sp=rlt&sig=x", true)]
        [InlineData("?sp=rt&sig=x", true)]
        [InlineData("sv=2021-08-06&sr=c&sp=rl&sig=x", false)]
        [InlineData("sig=x&st=2026-01-01T00%3A00%3A00Z", false)]
        [InlineData("spr=https&sp=racwdl&sig=t", false)]
        [InlineData("", false)]
        public void GrantsTagRead_ReadsTheSignedPermissionsOnly(string sas, bool expected)
        {
            Assert.Equal(expected, ContainerCopy.GrantsTagRead(sas));
        }

        /// <summary>Azure's container naming rule, written as a pattern, against the module's rule, over generated names.</summary>
        [Fact]
        public void ContainerNameProblem_AgreesWithAzuresRule()
        {
            var azure = new Regex("^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$");
            Gen<string> names = Gen.OneOf(
                Gen.Char["a-z0-9-"].Array[0, 70].Select(c => new string(c)),
                Gen.Char["a-zA-Z0-9_.-"].Array[1, 8].Select(c => new string(c)),
                Gen.String);
            names.Sample(name =>
            {
                bool valid = PorterAzureStorage.ContainerNameProblem(name) == null;
                return valid == azure.IsMatch(name);
            }, iter: 5000, seed: "0N0XIzNsQ0O2");
        }

        [Theory]
        [InlineData("Porter")]
        [InlineData("po")]
        [InlineData("a--b")]
        [InlineData("-ab")]
        [InlineData("ab-")]
        [InlineData("$root")]
        [InlineData("$web")]
        public void InvalidContainerName_RefusedBeforeAnyRequest_WithTheRule(string name)
        {
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() =>
                AzureStorageFactory.FromConnectionString("UseDevelopmentStorage=true", name, "t"));
            Assert.Equal(ErrorIds.ContainerNameInvalid, ex.ErrorId);
            Assert.Contains(name.StartsWith("$", StringComparison.Ordinal) ? "Azure's own containers" : "3 to 63 lowercase letters", ex.Message);
        }

        /// <summary>Every step the Azure code names in an error has the SAS letters it needs, so a refusal can name them.</summary>
        [Fact]
        public void EveryTranslatedOperation_NamesItsSasPermissions()
        {
            string core = Path.Combine(FormatCitationTests.RepoRoot(), "src", "PorterStorage", "PorterStorage.Core");
            var operations = Directory.GetFiles(core, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .SelectMany(f => Regex.Matches(File.ReadAllText(f), "AzureErrors\\.Translate\\([^;]*?,\\s*\"([^\"]+)\"").Cast<Match>().Select(m => m.Groups[1].Value))
                .Distinct().ToList();
            Assert.True(operations.Count >= 10, string.Join(", ", operations));
            Assert.All(operations.Where(o => !o.StartsWith("Getting a user delegation key", StringComparison.Ordinal)),
                o => Assert.True(AzureErrors.SasPermissionsFor(o) != null, $"'{o}' has no SAS permissions in AzureErrors"));
            Assert.Equal("t", AzureErrors.SasPermissionsFor("Setting the tags"));
            Assert.Equal("f", AzureErrors.SasPermissionsFor("Querying by tags"));
        }

        /// <summary>A request answered 503 twice and then 202 counts once, with two retries.</summary>
        [Fact]
        public void RequestCounter_CountsRequestsOnceAndRetriesApart()
        {
            var counter = new RequestCounter();
            var options = new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(new Answering(HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.Accepted))) };
            options.Retry.Delay = TimeSpan.FromMilliseconds(1);
            options.Retry.MaxDelay = TimeSpan.FromMilliseconds(1);
            counter.AttachTo(options);
            var blob = new BlobClient(new Uri("http://127.0.0.1:9/acct/c/b"), options);
            RequestCount before = counter.Snapshot();
            blob.DeleteIfExists();
            RequestCount made = counter.Snapshot().Since(before);
            Assert.Equal(1, made.Requests);
            Assert.Equal(2, made.Retries);
        }

        private sealed class Answering : HttpMessageHandler
        {
            private readonly HttpStatusCode[] _statuses;
            private int _next;

            public Answering(params HttpStatusCode[] statuses) => _statuses = statuses;

            protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                HttpStatusCode status = _statuses[Math.Min(_next++, _statuses.Length - 1)];
                var response = new HttpResponseMessage(status) { Content = new StringContent(string.Empty), RequestMessage = request };
                response.Headers.Add("x-ms-request-id", Guid.NewGuid().ToString());
                return response;
            }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                Task.FromResult(Send(request, cancellationToken));
        }
    }
}
