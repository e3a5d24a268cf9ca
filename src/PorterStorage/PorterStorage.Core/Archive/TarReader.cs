using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace PorterStorage.Core.Archive
{
    /// <summary>One entry of a tar stream as <see cref="TarReader"/> reads it.</summary>
    internal sealed class TarEntry
    {
        public TarEntry(string name, long size, char type, string? linkName)
        {
            Name = name;
            Size = size;
            Type = type;
            LinkName = linkName;
        }

        public string Name { get; }

        public long Size { get; }

        /// <summary>The ustar type flag ('0' for a regular file; '\0' and '7' are read as '0').</summary>
        public char Type { get; }

        public string? LinkName { get; }

        public bool IsFile => Type == '0';
    }

    /// <summary>
    /// Reads a tar stream written by any POSIX tar: ustar and v7 headers (checksums checked), pax extended headers
    /// ('x'; path, linkpath, size) and GNU long names ('L', 'K'). Anything malformed or truncated, a stream without the
    /// end-of-archive block, and anything but zeros after it (or more zeros than a record's padding, <see cref="EndAllowance"/>), raises <see cref="InvalidDataException"/>; no declared size is trusted beyond the bytes read.
    /// </summary>
    internal sealed class TarReader
    {
        private const int MaxExtendedHeader = 1024 * 1024;

        private readonly Stream _in;
        private readonly byte[] _block = new byte[TarWriter.Block];
        private readonly byte[] _skip = new byte[64 * 1024];
        private long _remaining;
        private long _padding;

        public TarReader(Stream input)
        {
            _in = input;
        }

        /// <summary>The next entry, or null at the end-of-archive block. The previous entry's unread data is skipped.</summary>
        [MethodImpl(Hot.Path)]
        public TarEntry? Next()
        {
            Skip(_remaining + _padding);
            _remaining = 0;
            _padding = 0;
            string? longName = null;
            string? longLink = null;
            long? paxSize = null;
            for (int headers = 0; ; headers++)
            {
                if (headers > 16)
                {
                    throw new InvalidDataException("a tar entry has too many extended headers");
                }
                if (!ReadBlock(allowEnd: true))
                {
                    throw new InvalidDataException("the tar stream ends without its end-of-archive block");
                }
                if (IsZero(_block))
                {
                    EndOfArchive();
                    return null;
                }
                CheckSum();
                long size = Number(124, 12);
                char type = (char)_block[156];
                if (type == '\0' || type == '7')
                {
                    type = '0';
                }
                if (type == 'x' || type == 'L' || type == 'K')
                {
                    if (size > MaxExtendedHeader)
                    {
                        throw new InvalidDataException("a tar extended header is larger than 1 MiB");
                    }
                    byte[] data = ReadData(size);
                    if (type == 'L')
                    {
                        longName = CString(data, 0, data.Length);
                    }
                    else if (type == 'K')
                    {
                        longLink = CString(data, 0, data.Length);
                    }
                    else
                    {
                        foreach (KeyValuePair<string, string> record in Pax(data))
                        {
                            switch (record.Key)
                            {
                                case "path":
                                    longName = record.Value;
                                    break;
                                case "linkpath":
                                    longLink = record.Value;
                                    break;
                                case "size":
                                    paxSize = long.TryParse(record.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long s) && s >= 0 ? s
                                        : throw new InvalidDataException("a tar extended header has an invalid size");
                                    break;
                            }
                        }
                    }
                    continue;
                }

                string name = longName ?? HeaderName();
                string? link = longLink ?? NullIfEmpty(CString(_block, 157, 100));
                long entrySize = paxSize ?? size;
                // Only regular files (and, for the caller to refuse, unknown types) carry data.
                if (type == '1' || type == '2' || type == '3' || type == '4' || type == '5' || type == '6')
                {
                    entrySize = 0;
                }
                _remaining = entrySize;
                _padding = (TarWriter.Block - entrySize % TarWriter.Block) % TarWriter.Block;
                return new TarEntry(name, entrySize, type, link);
            }
        }

        /// <summary>The current entry's data; reading past it returns 0, a stream ending inside it raises.</summary>
        public Stream Data => new DataStream(this);

        private string HeaderName()
        {
            string name = CString(_block, 0, 100);
            bool ustar = _block[257] == 'u' && _block[258] == 's' && _block[259] == 't' && _block[260] == 'a' && _block[261] == 'r';
            if (ustar)
            {
                string prefix = CString(_block, 345, 155);
                if (prefix.Length > 0)
                {
                    name = prefix + "/" + name;
                }
            }
            return name;
        }

        private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

        [MethodImpl(Hot.Path)]
        private static string CString(byte[] data, int offset, int max)
        {
            int end = offset;
            while (end < offset + max && data[end] != 0)
            {
                end++;
            }
            return Encoding.UTF8.GetString(data, offset, end - offset);
        }

        [MethodImpl(Hot.Path)]
        private void CheckSum()
        {
            long recorded = Number(148, 8);
            long unsigned = 0;
            long signed = 0;
            for (int i = 0; i < TarWriter.Block; i++)
            {
                int b = i >= 148 && i < 156 ? ' ' : _block[i];
                unsigned += b;
                signed += (sbyte)(byte)b;
            }
            if (recorded != unsigned && recorded != signed)
            {
                throw new InvalidDataException("a tar header's checksum does not match");
            }
        }

        /// <summary>An octal field (NUL- or space-terminated) or a base-256 one (high bit set); negative values are refused.</summary>
        [MethodImpl(Hot.Path)]
        private long Number(int offset, int width)
        {
            if ((_block[offset] & 0x80) != 0)
            {
                if ((_block[offset] & 0x40) != 0)
                {
                    throw new InvalidDataException("a tar header holds a negative number");
                }
                long value = _block[offset] & 0x3F;
                for (int i = offset + 1; i < offset + width; i++)
                {
                    if (value > (long.MaxValue >> 9))
                    {
                        throw new InvalidDataException("a tar header holds a number too large");
                    }
                    value = (value << 8) | _block[i];
                }
                return value;
            }
            long result = 0;
            int k = offset;
            while (k < offset + width && _block[k] == ' ')
            {
                k++;
            }
            for (; k < offset + width; k++)
            {
                byte b = _block[k];
                if (b == 0 || b == ' ')
                {
                    break;
                }
                if (b < '0' || b > '7')
                {
                    throw new InvalidDataException("a tar header holds a number that is not octal");
                }
                result = (result << 3) | (uint)(b - '0');
            }
            return result;
        }

        private static List<KeyValuePair<string, string>> Pax(byte[] data)
        {
            var result = new List<KeyValuePair<string, string>>();
            int pos = 0;
            while (pos < data.Length)
            {
                if (data[pos] == 0)
                {
                    break;
                }
                int space = Array.IndexOf(data, (byte)' ', pos, Math.Min(20, data.Length - pos));
                if (space <= pos || !int.TryParse(Encoding.ASCII.GetString(data, pos, space - pos), NumberStyles.None, CultureInfo.InvariantCulture, out int length)
                    || length <= space - pos + 1 || length > data.Length - pos || data[pos + length - 1] != '\n')
                {
                    throw new InvalidDataException("a tar extended header record is malformed");
                }
                string record = Encoding.UTF8.GetString(data, space + 1, pos + length - 1 - (space + 1));
                int eq = record.IndexOf('=');
                if (eq <= 0)
                {
                    throw new InvalidDataException("a tar extended header record is malformed");
                }
                result.Add(new KeyValuePair<string, string>(record.Substring(0, eq), record.Substring(eq + 1)));
                pos += length;
            }
            return result;
        }

        /// <summary>
        /// What may follow the first zero block: the second end block and tar's padding of its last record (GNU tar writes
        /// records of 20 blocks, 10 KiB), zeros only. Anything longer is data no listing shows (a bomb of padding), refused once
        /// this much and one more read have been inflated.
        /// </summary>
        internal const int EndAllowance = 20 * TarWriter.Block;

        /// <summary>
        /// After the first zero block only zeros may follow, at most <see cref="EndAllowance"/> of them, to the end of the stream.
        /// Reading to the end also has the gzip stream check its length and CRC.
        /// </summary>
        [MethodImpl(Hot.Path)]
        private void EndOfArchive()
        {
            long after = 0;
            int n;
            while ((n = _in.Read(_skip, 0, (int)Math.Min(_skip.Length, EndAllowance + 1 - after))) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    if (_skip[i] != 0)
                    {
                        throw new InvalidDataException("the tar stream holds data after its end-of-archive block");
                    }
                }
                after += n;
                if (after > EndAllowance)
                {
                    throw new InvalidDataException($"the tar stream goes on after its end-of-archive blocks beyond the {EndAllowance / 1024} KiB of a tar record's padding");
                }
            }
        }

        private static bool IsZero(byte[] block)
        {
            foreach (byte b in block)
            {
                if (b != 0)
                {
                    return false;
                }
            }
            return true;
        }

        private byte[] ReadData(long size)
        {
            var data = new byte[size];
            ReadExactly(data, 0, (int)size);
            Skip((TarWriter.Block - size % TarWriter.Block) % TarWriter.Block);
            return data;
        }

        private bool ReadBlock(bool allowEnd)
        {
            int got = 0;
            while (got < TarWriter.Block)
            {
                int n = _in.Read(_block, got, TarWriter.Block - got);
                if (n <= 0)
                {
                    if (got == 0 && allowEnd)
                    {
                        return false;
                    }
                    throw new InvalidDataException("the tar stream ends inside a header");
                }
                got += n;
            }
            return true;
        }

        private void ReadExactly(byte[] buffer, int offset, int count)
        {
            while (count > 0)
            {
                int n = _in.Read(buffer, offset, count);
                if (n <= 0)
                {
                    throw new InvalidDataException("the tar stream ends inside an entry");
                }
                offset += n;
                count -= n;
            }
        }

        private void Skip(long count)
        {
            while (count > 0)
            {
                int n = _in.Read(_skip, 0, (int)Math.Min(_skip.Length, count));
                if (n <= 0)
                {
                    throw new InvalidDataException("the tar stream ends inside an entry");
                }
                count -= n;
            }
        }

        private sealed class DataStream : ReadOnlyForwardStream
        {
            private readonly TarReader _tar;

            public DataStream(TarReader tar)
            {
                _tar = tar;
            }

            [MethodImpl(Hot.Path)]
            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_tar._remaining == 0 || count == 0)
                {
                    return 0;
                }
                int n = _tar._in.Read(buffer, offset, (int)Math.Min(count, _tar._remaining));
                if (n <= 0)
                {
                    throw new InvalidDataException("the tar stream ends inside an entry");
                }
                _tar._remaining -= n;
                return n;
            }
        }
    }
}
