using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

// Baseline loops for bench/Invoke-Benchmark.ps1. Each prints one line: the seconds its work took.
//   copy <source connection> <source container> <destination connection> <destination container> <concurrency>
//     one Copy Blob From URL per blob (tags copied by the service), at the given concurrency
//   sas <connection> <container>
//     prints a read and list SAS URL of the container (for azcopy), valid for two hours
//   migrate <connection> <container> <concurrency>
//     per legacy claims/<installation> blob, that many installations at once: download it, upload the outputs, result, claim
//     and installation blobs (with the plugin's tags) the migration would write, one after another, delete the legacy blob
internal static class Program
{
    private static int Main(string[] args)
    {
        var watch = Stopwatch.StartNew();
        switch (args.Length > 0 ? args[0] : string.Empty)
        {
            case "copy" when args.Length == 6:
                Copy(Container(args[1], args[2]), Container(args[3], args[4]), int.Parse(args[5])).GetAwaiter().GetResult();
                break;
            case "sas" when args.Length == 3:
                Console.WriteLine(Container(args[1], args[2]).GenerateSasUri(
                    BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List | BlobContainerSasPermissions.Tag, DateTimeOffset.UtcNow.AddHours(2)));
                return 0;
            case "migrate" when args.Length == 4:
                Migrate(Container(args[1], args[2]), int.Parse(args[3])).GetAwaiter().GetResult();
                break;
            default:
                Console.Error.WriteLine("usage: Baseline copy <src cs> <src container> <dst cs> <dst container> <concurrency> | sas <cs> <container> | migrate <cs> <container> <concurrency>");
                return 2;
        }
        Console.WriteLine(watch.Elapsed.TotalSeconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }

    private static BlobContainerClient Container(string connection, string name) => new BlobServiceClient(connection).GetBlobContainerClient(name);

    private static async Task Copy(BlobContainerClient source, BlobContainerClient destination, int concurrency)
    {
        await destination.CreateIfNotExistsAsync();
        var sas = new BlobSasBuilder(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Tag, DateTimeOffset.UtcNow.AddHours(1))
        {
            BlobContainerName = source.Name,
        };
        List<string> names = source.GetBlobs().Select(b => b.Name).ToList();
        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(names.Select(async name =>
        {
            await gate.WaitAsync();
            try
            {
                Uri from = source.GetBlobClient(name).GenerateSasUri(new BlobSasBuilder(BlobSasPermissions.Read | BlobSasPermissions.Tag, sas.ExpiresOn)
                {
                    BlobContainerName = source.Name,
                    BlobName = name,
                });
                await destination.GetBlobClient(name).SyncCopyFromUriAsync(from, new BlobCopyFromUriOptions { CopySourceTagsMode = BlobCopySourceTagsMode.Copy });
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static async Task Migrate(BlobContainerClient container, int concurrency)
    {
        int id = 0;
        string NewId() => "01BASELINE" + Interlocked.Increment(ref id).ToString("D16");
        // The documents Porter needs per installation (the minimum): a claim and its result, each output, the index,
        // and a placeholder install claim with its result when the last action was not the install.
        List<BlobItem> legacy = container.GetBlobs(BlobTraits.Tags, BlobStates.None, "claims/", CancellationToken.None)
            .Where(item => item.Tags == null || !item.Tags.ContainsKey("installation")) // already in the current shape otherwise
            .ToList();
        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(legacy.Select(async item =>
        {
            await gate.WaitAsync();
            try
            {
                BlobClient blob = container.GetBlobClient(item.Name);
                byte[] content = (await blob.DownloadContentAsync()).Value.Content.ToArray();
                string installation;
                var uploads = new List<(string Name, byte[] Content, (string, string)[] Tags)>();
                string claimId = NewId(), resultId = NewId();
                using (JsonDocument doc = JsonDocument.Parse(content))
                {
                    installation = doc.RootElement.TryGetProperty("installation", out JsonElement i) ? i.GetString()! : item.Name.Substring("claims/".Length);
                    // As Porter's migration: an installation whose last action was not its install gets a placeholder install
                    // claim and its result as well (created differs from modified).
                    string action = doc.RootElement.TryGetProperty("result", out JsonElement r) && r.ValueKind == JsonValueKind.Object
                        && r.TryGetProperty("action", out JsonElement a) ? a.GetString() ?? "" : "";
                    bool placeholder = action != "install" && doc.RootElement.TryGetProperty("created", out JsonElement created)
                        && doc.RootElement.TryGetProperty("modified", out JsonElement modified) && created.ToString() != modified.ToString();
                    if (placeholder)
                    {
                        string installClaim = NewId(), installResult = NewId();
                        uploads.Add(("results/" + installResult, Encoding.UTF8.GetBytes("{\"id\":\"" + installResult + "\"}"), new[] { ("type", "results"), ("claim-id", installClaim) }));
                        uploads.Add(("claims/" + installClaim, content, new[] { ("type", "claims"), ("installation", installation) }));
                    }
                    if (doc.RootElement.TryGetProperty("outputs", out JsonElement outputs) && outputs.ValueKind == JsonValueKind.Object)
                    {
                        foreach (JsonProperty output in outputs.EnumerateObject())
                        {
                            uploads.Add(("outputs/" + resultId + "-" + output.Name, Encoding.UTF8.GetBytes(output.Value.ToString()), new[] { ("type", "outputs"), ("result-id", resultId) }));
                        }
                    }
                }
                // The order the migration keeps (outputs, result, claim, then the index), each a round trip of its own.
                uploads.Add(("results/" + resultId, Encoding.UTF8.GetBytes("{\"id\":\"" + resultId + "\"}"), new[] { ("type", "results"), ("claim-id", claimId) }));
                uploads.Add(("claims/" + claimId, content, new[] { ("type", "claims"), ("installation", installation) }));
                uploads.Add(("installations/" + installation, Array.Empty<byte>(), new[] { ("type", "installations") }));
                foreach ((string name, byte[] body, (string, string)[] tags) in uploads)
                {
                    await Upload(container, name, body, tags);
                }
                await blob.DeleteAsync();
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static Task Upload(BlobContainerClient container, string name, byte[] content, (string Key, string Value)[] tags) =>
        container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions { Tags = tags.ToDictionary(t => t.Key, t => t.Value) });
}
