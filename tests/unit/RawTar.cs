using System;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace PorterStorage.Tests
{
    /// <summary>
    /// A tar writer of the tests' own, apart from the module's, that can also write what no honest tar writes: any type
    /// flag, a size that lies, a wrong checksum, GNU long names, pax headers, no end blocks.
    /// </summary>
    internal sealed class RawTar
    {
        private readonly MemoryStream _out = new MemoryStream();

        public void Add(string name, byte[] content, char type = '0', string? link = null, long? declaredSize = null,
            bool gnuLongName = false, bool badChecksum = false, string? paxPath = null)
        {
            byte[] nameBytes = Encoding.UTF8.GetBytes(name);
            if (paxPath != null || (!gnuLongName && (nameBytes.Length > 100 || nameBytes.Length != name.Length)))
            {
                Pax("path", paxPath ?? name);
            }
            else if (gnuLongName)
            {
                byte[] longName = Encoding.UTF8.GetBytes(name + "\0");
                Write(Header("././@LongLink", longName.Length, 'L', null, false), longName);
            }
            Write(Header(name, declaredSize ?? content.Length, type, link, badChecksum), content);
        }

        /// <summary>A pax extended header ('x') with one record, for the next entry.</summary>
        public void Pax(string key, string value)
        {
            string body = " " + key + "=" + value + "\n";
            int length = Encoding.UTF8.GetByteCount(body) + 1;
            while (length != Encoding.UTF8.GetByteCount(body) + length.ToString().Length)
            {
                length = Encoding.UTF8.GetByteCount(body) + length.ToString().Length;
            }
            byte[] record = Encoding.UTF8.GetBytes(length + body);
            Write(Header("PaxHeaders/x", record.Length, 'x', null, false), record);
        }

        /// <summary>Bytes as they are, outside any framing.</summary>
        public void Raw(byte[] bytes) => _out.Write(bytes, 0, bytes.Length);

        public byte[] ToArray(bool endBlocks = true)
        {
            var copy = new MemoryStream();
            _out.WriteTo(copy);
            if (endBlocks)
            {
                copy.Write(new byte[1024], 0, 1024);
            }
            return copy.ToArray();
        }

        public static byte[] Gzip(byte[] data)
        {
            var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(data, 0, data.Length);
            }
            return ms.ToArray();
        }

        private void Write(byte[] header, byte[] content)
        {
            _out.Write(header, 0, header.Length);
            _out.Write(content, 0, content.Length);
            int pad = (512 - content.Length % 512) % 512;
            _out.Write(new byte[pad], 0, pad);
        }

        private static byte[] Header(string name, long size, char type, string? link, bool badChecksum)
        {
            var h = new byte[512];
            byte[] n = Encoding.UTF8.GetBytes(name);
            Array.Copy(n, h, Math.Min(n.Length, 100));
            Octal(h, 100, 8, 0x1A4);
            Octal(h, 108, 8, 0);
            Octal(h, 116, 8, 0);
            Octal(h, 124, 12, size);
            Octal(h, 136, 12, 1700000000);
            h[156] = (byte)type;
            if (link != null)
            {
                byte[] l = Encoding.UTF8.GetBytes(link);
                Array.Copy(l, 0, h, 157, Math.Min(l.Length, 100));
            }
            Encoding.ASCII.GetBytes("ustar\0").CopyTo(h, 257);
            h[263] = (byte)'0';
            h[264] = (byte)'0';
            for (int i = 148; i < 156; i++)
            {
                h[i] = (byte)' ';
            }
            int sum = 0;
            foreach (byte b in h)
            {
                sum += b;
            }
            Octal(h, 148, 7, badChecksum ? sum + 1 : sum);
            return h;
        }

        private static void Octal(byte[] h, int offset, int width, long value)
        {
            string digits = Convert.ToString(value, 8).PadLeft(width - 1, '0');
            Encoding.ASCII.GetBytes(digits.Substring(digits.Length - (width - 1))).CopyTo(h, offset);
        }
    }
}
