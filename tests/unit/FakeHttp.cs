using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Azure;
using Azure.Core;

namespace PorterStorage.Tests
{
    // A request and a response of Azure.Core without a network, for fake transports.
    internal sealed class FakeRequest : Request
    {
        private readonly Dictionary<string, List<string>> _headers = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);

        public override string ClientRequestId { get; set; } = Guid.NewGuid().ToString();

        public override void Dispose()
        {
        }

        protected override void AddHeader(string name, string value)
        {
            if (!_headers.TryGetValue(name, out List<string>? values))
            {
                _headers[name] = values = new List<string>();
            }
            values.Add(value);
        }

        protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, string.Join(",", h.Value)));

        protected override bool RemoveHeader(string name) => _headers.Remove(name);

        protected override bool TryGetHeader(string name, out string value)
        {
            bool found = _headers.TryGetValue(name, out List<string>? values);
            value = found ? string.Join(",", values!) : null!;
            return found;
        }

        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
        {
            bool found = _headers.TryGetValue(name, out List<string>? list);
            values = list ?? new List<string>();
            return found;
        }
    }

    internal sealed class FakeResponse : Response
    {
        private readonly Dictionary<string, string> _headers;

        public FakeResponse(int status, byte[] body, Dictionary<string, string> headers)
        {
            Status = status;
            ContentStream = new MemoryStream(body);
            _headers = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        }

        public override int Status { get; }

        public override string ReasonPhrase => "OK";

        public override Stream? ContentStream { get; set; }

        public override string ClientRequestId { get; set; } = string.Empty;

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));

        protected override bool TryGetHeader(string name, out string value)
        {
            bool found = _headers.TryGetValue(name, out string? v);
            value = v!;
            return found;
        }

        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
        {
            bool found = _headers.TryGetValue(name, out string? v);
            values = found ? new[] { v! } : Array.Empty<string>();
            return found;
        }
    }
}
