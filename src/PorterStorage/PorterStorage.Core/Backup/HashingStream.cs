using System;
using System.Runtime.CompilerServices;
using System.IO;
using System.Security.Cryptography;
using PorterStorage.Core.IO;

namespace PorterStorage.Core.Backup
{
    /// <summary>
    /// A forward-only write stream that hashes (SHA-256) and counts what passes through. Being unseekable,
    /// it makes the zip writer stream entries with data descriptors, so the archive is hashed as it is written.
    /// </summary>
    internal sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public HashingStream(Stream inner)
        {
            _inner = inner;
        }

        public long BytesWritten { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => BytesWritten;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _hash.AppendData(buffer, offset, count);
            _inner.Write(buffer, offset, count);
            BytesWritten += count;
        }

        public override void Flush() => _inner.Flush();

        public string HexDigest() => Hex.Of(_hash.GetHashAndReset());

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    internal static class Hex
    {
        [ThreadStatic]
        private static IncrementalHash? _sha256;

        /// <summary>The SHA-256 of <paramref name="content"/> in lower-case hex (one hash object per thread, reused).</summary>
        [MethodImpl(Hot.Path)]
        public static string Sha256(byte[] content)
        {
            IncrementalHash hash = _sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(content);
            return Of(hash.GetHashAndReset());
        }

        [MethodImpl(Hot.Path)]
        public static string Of(byte[] bytes)
        {
            var chars = new char[bytes.Length * 2];
            const string digits = "0123456789abcdef";
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = digits[bytes[i] >> 4];
                chars[2 * i + 1] = digits[bytes[i] & 0xF];
            }
            return new string(chars);
        }

        /// <summary>Streams <paramref name="source"/> into <paramref name="destination"/> (when given), returning SHA-256 and length.</summary>
        [MethodImpl(Hot.Path)]
        public static string Copy(Stream source, Stream? destination, byte[] buffer, out long length, System.Threading.CancellationToken cancel)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            length = 0;
            int n;
            while ((n = source.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancel.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, n);
                destination?.Write(buffer, 0, n);
                length += n;
            }
            return Of(hash.GetHashAndReset());
        }
    }
}
