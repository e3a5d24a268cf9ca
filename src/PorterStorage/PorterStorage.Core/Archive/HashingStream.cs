using System;
using System.Runtime.CompilerServices;
using System.IO;
using System.Security.Cryptography;

namespace PorterStorage.Core.Archive
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
}
