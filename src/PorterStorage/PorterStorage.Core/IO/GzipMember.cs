using System;
using System.IO;

namespace PorterStorage.Core.IO
{
    /// <summary>
    /// What a gzip member must end in, checked the one way for every reader (a backup's tar.gz, a table entity's compressed data):
    /// its 8-byte trailer, the CRC-32 and the length (modulo 2^32) of what it inflated to, with nothing after it. .NET's GZipStream
    /// ends quietly at a cut trailer or at bytes appended after it; Go's reader, which Porter uses, refuses both.
    /// </summary>
    internal static class GzipMember
    {
        /// <summary>The smallest gzip member: a 10-byte header and the 8-byte trailer.</summary>
        internal const int Smallest = 18;

        /// <summary>True when <paramref name="data"/> ends in the trailer of <paramref name="crc"/> and <paramref name="length"/>.</summary>
        internal static bool EndsInTrailer(byte[] data, uint crc, long length) =>
            data.Length >= Smallest && Matches(data, data.Length - 8, crc, length);

        /// <summary><c>InvalidDataException</c> unless the seekable <paramref name="file"/> ends in that trailer.</summary>
        internal static void CheckTrailer(Stream file, uint crc, long length)
        {
            if (file.Length < Smallest)
            {
                throw new InvalidDataException("the gzip stream has no trailer");
            }
            var trailer = new byte[8];
            file.Seek(-8, SeekOrigin.End);
            int got = 0, n;
            while (got < 8 && (n = file.Read(trailer, got, 8 - got)) > 0)
            {
                got += n;
            }
            if (got != 8 || !Matches(trailer, 0, crc, length))
            {
                throw new InvalidDataException("the file does not end in the gzip trailer of its content (cut short, or bytes after it)");
            }
        }

        /// <summary>The CRC-32 (gzip's) of <paramref name="bytes"/>.</summary>
        internal static uint Crc32(byte[] bytes)
        {
            using var crc = new Crc32Stream(new MemoryStream(bytes, writable: false));
            var buffer = new byte[81920];
            while (crc.Read(buffer, 0, buffer.Length) > 0)
            {
            }
            return crc.Crc;
        }

        private static bool Matches(byte[] data, int at, uint crc, long length) =>
            LittleEndian(data, at) == crc && LittleEndian(data, at + 4) == unchecked((uint)length);

        private static uint LittleEndian(byte[] data, int at) =>
            (uint)(data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24));
    }

    internal sealed class Crc32Stream : ReadOnlyForwardStream
    {
        private static readonly uint[] Table = BuildTable();
        private readonly Stream _inner;
        private uint _crc = 0xFFFFFFFF;
        private long _length;
        private readonly Stream? _compressed;

        /// <summary>
        /// How far a gzip stream may inflate before it is taken for a bomb: past <see cref="InflationFloor"/> bytes, never more than
        /// this many times what was read of the compressed file. Deflate cannot exceed about 1,032 times; Porter's documents
        /// compress about ten times, and an archive's own content (JSON, compressed bundles) far less than this.
        /// </summary>
        internal const int MaxInflation = 200;

        /// <summary>What any archive may inflate to before <see cref="MaxInflation"/> applies.</summary>
        internal const long InflationFloor = 64L * 1024 * 1024;

        /// <summary>
        /// Counts and checks the bytes of <paramref name="inner"/>; with <paramref name="compressed"/> (the seekable file a gzip
        /// stream inflates), a stream that inflates past <see cref="MaxInflation"/> times what it has read is refused at once.
        /// </summary>
        public Crc32Stream(Stream inner, Stream? compressed = null)
        {
            _inner = inner;
            _compressed = compressed;
        }

        public uint Crc => ~_crc;

        public long BytesRead => _length;

        [System.Runtime.CompilerServices.MethodImpl(Hot.Path)]
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = _inner.Read(buffer, offset, count);
            uint crc = _crc;
            for (int i = offset; i < offset + n; i++)
            {
                crc = Table[(crc ^ buffer[i]) & 0xFF] ^ (crc >> 8);
            }
            _crc = crc;
            _length += n;
            if (_compressed != null && _length > InflationFloor && _length / MaxInflation > Math.Max(1, _compressed.Position))
            {
                throw new InvalidDataException(
                    $"the gzip stream inflates more than {MaxInflation} times its size ({_length} bytes from {_compressed.Position}): a gzip bomb, refused before it is read to its end");
            }
            return n;
        }

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                uint c = i;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }
                table[i] = c;
            }
            return table;
        }
    }
}
