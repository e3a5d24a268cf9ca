using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The fault proxy (<c>tests/FaultProxy/fault-proxy.js</c>) in front of the Azurite the tests run against, for one test: started on a
    /// free port, programmed over its control routes, stopped when disposed. Every random choice it makes is seeded.
    /// </summary>
    internal sealed class FaultProxyProcess : IDisposable
    {
        private static readonly Regex BlobEndpoint = new Regex(@"BlobEndpoint=http://127\.0\.0\.1:(\d+)/");
        private readonly Process _node;
        private readonly HttpClient _control = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        private FaultProxyProcess(Process node, int port)
        {
            _node = node;
            Port = port;
        }

        public int Port { get; }

        /// <summary>Starts the proxy in front of the blob endpoint of <paramref name="connection"/> (an Azurite connection string).</summary>
        public static FaultProxyProcess Start(string connection, int seed)
        {
            Match target = BlobEndpoint.Match(connection);
            if (!target.Success)
            {
                throw new InvalidOperationException("The connection string names no loopback blob endpoint.");
            }
            var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { Path.Combine(FormatCitationTests.RepoRoot(), "tests", "FaultProxy", "fault-proxy.js"), "--target", "127.0.0.1:" + target.Groups[1].Value, "--port", "0", "--seed", seed.ToString() })
            {
                start.ArgumentList.Add(a);
            }
            Process node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            Task<string?> line = node.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result == null || !line.Result.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                node.Kill(true);
                throw new InvalidOperationException("The fault proxy did not start: " + node.StandardError.ReadToEnd());
            }
            return new FaultProxyProcess(node, int.Parse(line.Result.Substring("LISTENING ".Length)));
        }

        /// <summary><paramref name="connection"/> with its blob endpoint through the proxy.</summary>
        public string Through(string connection) => BlobEndpoint.Replace(connection, $"BlobEndpoint=http://127.0.0.1:{Port}/");

        /// <summary>Merges settings (see the proxy's DEFAULTS), given as an object serialized to JSON.</summary>
        public void Set(object settings) => Post("settings", settings);

        /// <summary>Moves the proxy's simulated clock (throttleRules' untilMs) to <paramref name="now"/>, never back.</summary>
        public void AdvanceTo(TimeSpan now) => Post("clock", new { advanceToMs = (long)now.TotalMilliseconds });

        public JsonElement Stats()
        {
            using HttpResponseMessage r = _control.Send(new HttpRequestMessage(HttpMethod.Get, Url("stats")));
            r.EnsureSuccessStatusCode();
            return JsonDocument.Parse(r.Content.ReadAsStream()).RootElement.Clone();
        }

        private void Post(string route, object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url(route))
            {
                Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
            };
            using HttpResponseMessage r = _control.Send(request);
            r.EnsureSuccessStatusCode();
        }

        private Uri Url(string route) => new Uri($"http://127.0.0.1:{Port}/__proxy/{route}");

        public void Dispose()
        {
            _control.Dispose();
            if (!_node.HasExited)
            {
                _node.Kill(true);
                _node.WaitForExit();
            }
            _node.Dispose();
        }
    }
}
