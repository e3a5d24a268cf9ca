using System;
using System.Collections.Generic;
using System.Threading;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// Documents a container store read while planning, kept (up to <see cref="MaxCachedBytes"/>) with each blob's ETag as last
    /// listed, so that the run's own planning, which lists the store again under the lock, need not read a blob whose listing shows
    /// it unchanged: the plan confirmed and the run then read each legacy document once between them. Safe from several threads.
    /// </summary>
    internal sealed class BlobReadCache
    {
        internal const long MaxCachedBytes = 64L * 1024 * 1024;

        private readonly Dictionary<string, CachedRead> _reads = new Dictionary<string, CachedRead>(StringComparer.Ordinal);

        /// <summary>Each blob's ETag as last listed, and when.</summary>
        private readonly Dictionary<string, Listed> _listed = new Dictionary<string, Listed>(StringComparer.Ordinal);

        private readonly object _gate = new object();
        private long _cachedBytes;
        private long _sequence;

        /// <summary>True when the blob was read, then listed again with the same ETag.</summary>
        public bool IsUnchanged(string path)
        {
            lock (_gate)
            {
                return _reads.TryGetValue(path, out CachedRead? cached) && _listed.TryGetValue(path, out Listed? listed)
                    && listed.Seen > cached.Read && SameETag(listed.ETag, cached.ETag);
            }
        }

        /// <summary>The content read before, when the blob was listed again since with the same ETag; it leaves the cache (it is used once).</summary>
        public bool TryTakeUnchanged(string path, out byte[] content, out ETag etag)
        {
            lock (_gate)
            {
                if (!IsUnchanged(path))
                {
                    content = Array.Empty<byte>();
                    etag = default;
                    return false;
                }
                CachedRead cached = _reads[path];
                Drop(path);
                content = cached.Content;
                etag = cached.ETag;
                return true;
            }
        }

        /// <summary>Keeps what was just read of a blob, in place of anything kept before, while the cache has room for it.</summary>
        public void Keep(string path, ETag etag, byte[] content)
        {
            lock (_gate)
            {
                Drop(path);
                if (_cachedBytes + content.Length <= MaxCachedBytes)
                {
                    _reads[path] = new CachedRead(etag, ++_sequence, content);
                    _cachedBytes += content.Length;
                }
            }
        }

        /// <summary>Records the ETags a listing showed.</summary>
        public void Saw(IEnumerable<BlobItem> blobs)
        {
            lock (_gate)
            {
                long seen = ++_sequence;
                foreach (BlobItem b in blobs)
                {
                    if (b.Properties?.ETag is ETag etag)
                    {
                        _listed[b.Name] = new Listed(etag, seen);
                    }
                }
            }
        }

        /// <summary>Forgets the blob's content and listing (it was written, deleted or moved).</summary>
        public void Forget(string path)
        {
            lock (_gate)
            {
                Drop(path);
                _listed.Remove(path);
            }
        }

        private void Drop(string path)
        {
            if (_reads.TryGetValue(path, out CachedRead? cached))
            {
                _cachedBytes -= cached.Content.Length;
                _reads.Remove(path);
            }
        }

        /// <summary>
        /// Reads a Porter document in one request: at most one byte more than any Porter document, the answer saying how long the
        /// blob is (<c>DocumentTooLarge</c> past it); an empty blob is read as no bytes with no ETag.
        /// </summary>
        public static byte[] Download(BlobContainerClient container, string path, string fullName, CancellationToken cancel, out ETag etag)
        {
            try
            {
                // One request: at most one byte more than any Porter document is read, and the answer says how long the blob is.
                BlobClient blob = container.GetBlobClient(path);
                BlobDownloadResult download;
                try
                {
                    download = blob.DownloadContent(new BlobDownloadOptions { Range = new HttpRange(0, PorterDocuments.MaxDocumentBytes + 1) }, cancel).Value;
                }
                catch (RequestFailedException ex) when (ex.Status == 416)
                {
                    etag = default; // never equal to a listed ETag: an empty blob is read again, which costs nothing
                    return Array.Empty<byte>(); // an empty blob has no byte 0 to start a range at
                }
                long length = download.Details.ContentRange is string range && range.LastIndexOf('/') is int slash && slash > 0
                    && long.TryParse(range.Substring(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long total)
                    ? total
                    : download.Details.ContentLength;
                if (length > PorterDocuments.MaxDocumentBytes)
                {
                    throw new PorterStorageException(ErrorIds.DocumentTooLarge, PorterErrorKind.InvalidData, fullName,
                        $"'{fullName}' is {length} bytes, larger than any Porter document; it is left in place.");
                }
                etag = download.Details.ETag;
                return download.Content.ToArray();
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, fullName, "Reading the blob");
            }
        }

        /// <summary>One ETag as a listing and as a download's headers give it (a listing may leave out the quotes); an empty one is never equal.</summary>
        private static bool SameETag(ETag a, ETag b)
        {
            string x = a.ToString().Trim('"'), y = b.ToString().Trim('"');
            return x.Length > 0 && string.Equals(x, y, StringComparison.Ordinal);
        }

        private sealed class CachedRead
        {
            public CachedRead(ETag etag, long read, byte[] content)
            {
                ETag = etag;
                Read = read;
                Content = content;
            }

            public ETag ETag { get; }

            public long Read { get; }

            public byte[] Content { get; }
        }

        private sealed class Listed
        {
            public Listed(ETag etag, long seen)
            {
                ETag = etag;
                Seen = seen;
            }

            public ETag ETag { get; }

            public long Seen { get; }
        }
    }
}
