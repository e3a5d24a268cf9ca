using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// Reads the small blobs of a listing ahead, <see cref="Window"/> at a time, so a backup waits for one round trip per window
    /// instead of one per blob, and hands them over in listing order. Blobs over <see cref="SizeLimit"/> are not read ahead
    /// (the caller streams them), so at most <see cref="Window"/> × <see cref="SizeLimit"/> bytes are held. Disposing cancels
    /// what is still being read and waits for it, so nothing outlives the backup.
    /// </summary>
    internal sealed class BlobPrefetch : IDisposable
    {
        /// <summary>How many reads are in flight at once: as many as azcopy sends (<see cref="AzureConcurrency"/>).</summary>
        public static readonly int Window = AzureConcurrency.Default;

        /// <summary>Blobs up to this size are read ahead into memory.</summary>
        public const long SizeLimit = 4L * 1024 * 1024;

        private readonly BlobContainerClient _container;
        private readonly IReadOnlyList<BlobItem> _blobs;
        private readonly CancellationTokenSource _cancel;
        private readonly Queue<(string Name, Task<BinaryData>? Read)> _ahead = new Queue<(string, Task<BinaryData>?)>();
        private int _next;

        public BlobPrefetch(BlobContainerClient container, IReadOnlyList<BlobItem> blobs, CancellationToken cancel)
        {
            _container = container;
            _blobs = blobs;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            Fill();
        }

        /// <summary>
        /// The content of <paramref name="blob"/>, the next blob of the listing, or null when it is too large to be read ahead.
        /// Raises what its read raised (the caller names it).
        /// </summary>
        public Stream? Next(BlobItem blob)
        {
            (string name, Task<BinaryData>? read) = _ahead.Dequeue();
            if (!string.Equals(name, blob.Name, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Blobs must be taken in listing order: '{blob.Name}' asked, '{name}' next.");
            }
            Fill();
            return read == null ? null : read.GetAwaiter().GetResult().ToStream();
        }

        private void Fill()
        {
            while (_ahead.Count < Window && _next < _blobs.Count)
            {
                BlobItem blob = _blobs[_next++];
                bool small = blob.Properties.ContentLength.HasValue && blob.Properties.ContentLength.Value <= SizeLimit;
                _ahead.Enqueue((blob.Name, small ? ReadAsync(blob.Name, blob.Properties.ETag) : null));
            }
        }

        /// <summary>The blob's content while it is still the version listed (If-Match on the listed ETag): one rewritten since fails (412).</summary>
        private async Task<BinaryData> ReadAsync(string name, ETag? listed) =>
            (await _container.GetBlobClient(name).DownloadContentAsync(
                new BlobDownloadOptions { Conditions = listed.HasValue ? new BlobRequestConditions { IfMatch = listed.Value } : null }, _cancel.Token).ConfigureAwait(false)).Value.Content;

        public void Dispose()
        {
            _cancel.Cancel();
            foreach ((string _, Task<BinaryData>? read) in _ahead)
            {
                try
                {
                    read?.Wait();
                }
                catch (AggregateException)
                {
                    // Cancelled, or failed after the backup had already stopped: its outcome no longer matters.
                }
            }
            _cancel.Dispose();
        }
    }
}
