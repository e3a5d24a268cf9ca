using System;
using System.Collections.Generic;
using System.IO;
using global::Azure;
using global::Azure.Core;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The one map from Azure's answer (status, error code, the service's clock) to the module's id and advice: a real account's
    /// refusals are named by what the operator does next, never a raw status line.
    /// </summary>
    public class AzureErrorMapTests
    {
        private const string Target = "https://acct.blob.core.windows.net/porter/claims/x";

        private static PorterStorageException Map(int status, string code, string operation = "Reading the blob", DateTimeOffset? serviceDate = null) =>
            AzureErrors.Translate(new RequestFailedException(new FakeResponse(status, code, serviceDate)), Target, operation);

        [Theory]
        [InlineData(403, "AuthorizationFailure", "Reading the blob", ErrorIds.AzureNetworkRefused, "Hybrid Runbook Worker")]
        [InlineData(409, "BlobArchived", "Reading the blob", ErrorIds.BlobArchived, "Rehydrate")]
        [InlineData(409, "BlobImmutableDueToPolicy", "Copying the backup to a blob", ErrorIds.BlobImmutable, "retention")]
        [InlineData(409, "BlobImmutableDueToLegalHold", "Restoring the blob", ErrorIds.BlobImmutable, "legal hold")]
        [InlineData(400, "InvalidQueryParameterValue", "Setting the tags", ErrorIds.BlobIndexUnsupported, "hierarchical namespace")]
        [InlineData(400, "InvalidQueryParameterValue", "Reading the blobs and their tags", ErrorIds.BlobIndexUnsupported, "hierarchical namespace")]
        [InlineData(400, "InvalidQueryParameterValue", "Reading the blob", ErrorIds.AzureRequestFailed, "HTTP 400")]
        [InlineData(403, "CannotVerifyCopySource", "Copying the blob", ErrorIds.AzureAuthFailed, "expired")]
        [InlineData(403, "AuthenticationFailed", "Reading the blob", ErrorIds.AzureAuthFailed, "clock agrees")]
        public void Translate_NamesTheConditionByWhatToDoNext(int status, string code, string operation, string id, string advice)
        {
            PorterStorageException ex = Map(status, code, operation, DateTimeOffset.UtcNow);
            Assert.True(id == ex.ErrorId, ex.ErrorId + ": " + ex.Message);
            Assert.True(ex.Message.Contains(advice, StringComparison.Ordinal), ex.Message);
            Assert.Equal(Target, ex.Target);
        }

        [Theory]
        [InlineData(-20)]
        [InlineData(16)]
        [InlineData(600)]
        public void Translate_SignatureRefusedAndTheClocksApart_AzureClockSkew_ShowingBoth(int minutesAhead)
        {
            DateTimeOffset service = DateTimeOffset.UtcNow.AddMinutes(minutesAhead);
            PorterStorageException ex = Map(403, "AuthenticationFailed", serviceDate: service);
            Assert.Equal(ErrorIds.AzureClockSkew, ex.ErrorId);
            Assert.Contains(service.ToString("u", System.Globalization.CultureInfo.InvariantCulture).Substring(0, 13), ex.Message, StringComparison.Ordinal);
        }

        /// <summary>The storage emulator answers a wrong key with AuthorizationFailure and an authentication failure's words: a refused signature, not the network.</summary>
        [Fact]
        public void Translate_AuthorizationFailureInTheWordsOfAnAuthenticationFailure_AzureAuthFailed()
        {
            var emulator = new RequestFailedException(403, "Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly.", "AuthorizationFailure", null);
            Assert.Equal(ErrorIds.AzureAuthFailed, AzureErrors.Translate(emulator, Target, "Reading the blob").ErrorId);
            var firewall = new RequestFailedException(403, "This request is not authorized to perform this operation.", "AuthorizationFailure", null);
            Assert.Equal(ErrorIds.AzureNetworkRefused, AzureErrors.Translate(firewall, Target, "Reading the blob").ErrorId);
        }

        [Fact]
        public void Translate_SignatureRefused_NoServiceClock_AzureAuthFailed()
        {
            Assert.Equal(ErrorIds.AzureAuthFailed, Map(403, "AuthenticationFailed", serviceDate: null).ErrorId);
        }

        /// <summary>An answer of the service with a status, an error code header and, when given, a Date header.</summary>
        internal sealed class FakeResponse : Response
        {
            private readonly Dictionary<string, string> _headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

            public FakeResponse(int status, string code, DateTimeOffset? date)
            {
                Status = status;
                _headers["x-ms-error-code"] = code;
                _headers["Content-Type"] = "application/json";
                ContentStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("{\"error\":{\"code\":\"" + code + "\",\"message\":\"refused\"}}"));
                if (date.HasValue)
                {
                    _headers["Date"] = date.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            public override int Status { get; }

            public override string ReasonPhrase => "refused";

            public override Stream? ContentStream { get; set; } = new MemoryStream();

            public override string ClientRequestId { get; set; } = Guid.NewGuid().ToString();

            public override void Dispose()
            {
            }

            protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

            protected override IEnumerable<HttpHeader> EnumerateHeaders()
            {
                foreach (KeyValuePair<string, string> h in _headers)
                {
                    yield return new HttpHeader(h.Key, h.Value);
                }
            }

            protected override bool TryGetHeader(string name, out string value) => _headers.TryGetValue(name, out value!);

            protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
            {
                bool found = _headers.TryGetValue(name, out string? value);
                values = found ? new[] { value! } : Array.Empty<string>();
                return found;
            }
        }
    }
}
