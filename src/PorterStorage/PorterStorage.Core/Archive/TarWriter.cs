using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace PorterStorage.Core.Archive
{
    /// <summary>
    /// Writes a POSIX tar stream (ustar headers, pax extended headers for names, sizes and times that do not fit), the
    /// shape GNU tar, bsdtar and Windows' tar.exe all read. Only regular files are written: folders, links and modes live
    /// in the backup's manifest.
    /// </summary>
    internal sealed class TarWriter
    {
        internal const int Block = 512;
        private const long MaxOctal11 = (1L << 33) - 1; // 8^11 - 1
        private const long MaxOctal7 = (1L << 21) - 1; // 8^7 - 1
        private static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        private readonly Stream _out;
        private readonly byte[] _header = new byte[Block];
        private readonly byte[] _zeros = new byte[Block];

        public TarWriter(Stream output)
        {
            _out = output;
        }

        /// <summary>Writes one file of <paramref name="content"/>.</summary>
        public void Add(string name, byte[] content, DateTime modifiedUtc, (uint Uid, uint Gid)? owner = null)
        {
            using Stream s = Open(name, content.Length, modifiedUtc, owner);
            s.Write(content, 0, content.Length);
        }

        /// <summary>
        /// Starts a file of exactly <paramref name="size"/> bytes: what is written beyond it is dropped and what is missing
        /// when the stream is disposed is written as zeros, so the stream stays well formed when a source changes mid-read
        /// (the caller sees that from its own hash and leaves the entry out of the manifest).
        /// </summary>
        [MethodImpl(Hot.Path)]
        public Stream Open(string name, long size, DateTime modifiedUtc, (uint Uid, uint Gid)? owner = null)
        {
            uint uid = owner?.Uid ?? 0, gid = owner?.Gid ?? 0;
            long seconds = (long)Math.Floor((modifiedUtc.ToUniversalTime() - Epoch).TotalSeconds);
            byte[] path = Encoding.UTF8.GetBytes(name);
            bool asciiName = path.Length <= 100 && path.Length == name.Length && !name.Contains("\0");
            var pax = new List<KeyValuePair<string, string>>();
            if (!asciiName)
            {
                pax.Add(new KeyValuePair<string, string>("path", name));
            }
            if (size > MaxOctal11)
            {
                pax.Add(new KeyValuePair<string, string>("size", size.ToString(CultureInfo.InvariantCulture)));
            }
            if (seconds < 0 || seconds > MaxOctal11)
            {
                pax.Add(new KeyValuePair<string, string>("mtime", seconds.ToString(CultureInfo.InvariantCulture)));
            }
            if (uid > MaxOctal7)
            {
                pax.Add(new KeyValuePair<string, string>("uid", uid.ToString(CultureInfo.InvariantCulture)));
            }
            if (gid > MaxOctal7)
            {
                pax.Add(new KeyValuePair<string, string>("gid", gid.ToString(CultureInfo.InvariantCulture)));
            }
            string shortName = asciiName ? name : Ascii(name, 100);
            if (pax.Count > 0)
            {
                byte[] records = PaxRecords(pax);
                WriteHeader("PaxHeaders/" + Ascii(Path(name), 89), records.Length, 0, 'x', 0, 0);
                _out.Write(records, 0, records.Length);
                Pad(records.Length);
            }
            WriteHeader(shortName, size > MaxOctal11 ? 0 : size, seconds < 0 || seconds > MaxOctal11 ? 0 : seconds, '0', uid > MaxOctal7 ? 0 : uid, gid > MaxOctal7 ? 0 : gid);
            return new EntryStream(this, size);
        }

        /// <summary>Ends the archive: two zero blocks.</summary>
        public void Finish()
        {
            _out.Write(_zeros, 0, Block);
            _out.Write(_zeros, 0, Block);
        }

        private static string Path(string name)
        {
            int slash = name.LastIndexOf('/');
            return slash >= 0 ? name.Substring(slash + 1) : name;
        }

        /// <summary>At most <paramref name="max"/> printable ASCII characters of <paramref name="text"/> ('_' for the rest).</summary>
        private static string Ascii(string text, int max)
        {
            var sb = new StringBuilder(Math.Min(max, text.Length));
            foreach (char c in text)
            {
                if (sb.Length == max)
                {
                    break;
                }
                sb.Append(c >= 0x20 && c < 0x7F ? c : '_');
            }
            return sb.ToString();
        }

        private static byte[] PaxRecords(List<KeyValuePair<string, string>> items)
        {
            var all = new MemoryStream();
            foreach (KeyValuePair<string, string> item in items)
            {
                int body = Encoding.UTF8.GetByteCount(" " + item.Key + "=" + item.Value + "\n");
                int length = body + 1;
                while (length != body + length.ToString(CultureInfo.InvariantCulture).Length)
                {
                    length = body + length.ToString(CultureInfo.InvariantCulture).Length;
                }
                byte[] record = Encoding.UTF8.GetBytes(length.ToString(CultureInfo.InvariantCulture) + " " + item.Key + "=" + item.Value + "\n");
                all.Write(record, 0, record.Length);
            }
            return all.ToArray();
        }

        [MethodImpl(Hot.Path)]
        private void WriteHeader(string name, long size, long seconds, char type, long uid, long gid)
        {
            Array.Clear(_header, 0, Block);
            Encoding.ASCII.GetBytes(name, 0, name.Length, _header, 0);
            Octal(100, 8, PorterFileModes.PrivateFile); // the manifest keeps each file's own mode
            Octal(108, 8, uid); // the numeric owner, as GNU tar restores it when run as root; the manifest keeps it too
            Octal(116, 8, gid);
            Octal(124, 12, size);
            Octal(136, 12, seconds);
            _header[156] = (byte)type;
            Encoding.ASCII.GetBytes("ustar\0", 0, 6, _header, 257);
            _header[263] = (byte)'0';
            _header[264] = (byte)'0';
            for (int i = 148; i < 156; i++)
            {
                _header[i] = (byte)' ';
            }
            int sum = 0;
            foreach (byte b in _header)
            {
                sum += b;
            }
            Octal(148, 7, sum);
            _out.Write(_header, 0, Block);
        }

        [MethodImpl(Hot.Path)]
        private void Octal(int offset, int width, long value)
        {
            string digits = Convert.ToString(value, 8).PadLeft(width - 1, '0');
            Encoding.ASCII.GetBytes(digits, 0, width - 1, _header, offset);
            _header[offset + width - 1] = 0;
        }

        private void Pad(long size)
        {
            int rest = (int)(size % Block);
            if (rest != 0)
            {
                _out.Write(_zeros, 0, Block - rest);
            }
        }

        private sealed class EntryStream : WriteOnlyStream
        {
            private readonly TarWriter _tar;
            private readonly long _size;
            private long _written;
            private bool _closed;

            public EntryStream(TarWriter tar, long size)
            {
                _tar = tar;
                _size = size;
            }

            protected override long Written => _written;

            [MethodImpl(Hot.Path)]
            public override void Write(byte[] buffer, int offset, int count)
            {
                int take = (int)Math.Min(count, _size - _written);
                if (take > 0)
                {
                    _tar._out.Write(buffer, offset, take);
                    _written += take;
                }
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing && !_closed)
                {
                    _closed = true;
                    while (_written < _size)
                    {
                        int n = (int)Math.Min(Block, _size - _written);
                        _tar._out.Write(_tar._zeros, 0, n);
                        _written += n;
                    }
                    _tar.Pad(_size);
                }
                base.Dispose(disposing);
            }
        }
    }
}
