using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// Reads the documents a plan will read next, <see cref="Window"/> ahead of the one asked for, so planning a container waits for
    /// one round trip per window instead of one per document. Only blobs the listing shows small (up to <see cref="SizeLimit"/>) are
    /// read ahead; anything else, and a read ahead that failed, is read again by the caller (which names the error). Reads still in
    /// flight are cancelled with the store's token; at most a window of them is ever wasted.
    /// </summary>
    internal sealed class DocumentReadAhead
    {
        public static readonly int Window = AzureConcurrency.Default;

        public const long SizeLimit = 4L * 1024 * 1024;

        private readonly BlobContainerClient _container;
        private readonly List<string> _paths = new List<string>();
        private readonly Dictionary<string, int> _index = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Task<Response<BlobDownloadResult>>?[] _started;
        private readonly CancellationToken _cancel;
        private int _next;

        /// <param name="blobs">The documents in the order they will be asked for.</param>
        public DocumentReadAhead(BlobContainerClient container, IEnumerable<BlobItem> blobs, CancellationToken cancel)
        {
            _container = container;
            _cancel = cancel;
            foreach (BlobItem b in blobs)
            {
                if ((b.Properties?.ContentLength ?? long.MaxValue) <= SizeLimit && !_index.ContainsKey(b.Name))
                {
                    _index[b.Name] = _paths.Count;
                    _paths.Add(b.Name);
                }
            }
            _started = new Task<Response<BlobDownloadResult>>?[_paths.Count];
        }

        /// <summary>The content of <paramref name="path"/> and its ETag, read ahead; false when it was not (or its read failed).</summary>
        public bool TryTake(string path, out byte[] content, out ETag etag)
        {
            content = Array.Empty<byte>();
            etag = default;
            if (!_index.TryGetValue(path, out int at))
            {
                return false;
            }
            for (int i = Math.Max(_next, at); i < Math.Min(_paths.Count, at + 1 + Window); i++)
            {
                _started[i] = _container.GetBlobClient(_paths[i]).DownloadContentAsync(_cancel);
                _next = i + 1;
            }
            Task<Response<BlobDownloadResult>>? task = _started[at];
            _started[at] = null;
            if (task == null)
            {
                return false; // taken before: read it again
            }
            try
            {
                BlobDownloadResult result = task.GetAwaiter().GetResult().Value;
                content = result.Content.ToArray();
                etag = result.Details.ETag;
                return true;
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                _cancel.ThrowIfCancellationRequested();
                return false;
            }
        }
    }
}
