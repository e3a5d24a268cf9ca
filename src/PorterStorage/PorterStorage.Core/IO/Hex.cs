using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace PorterStorage.Core.IO
{
    /// <summary>SHA-256 in lower-case hex: the one way every part of the module (backups, journal records, folder versions) names content.</summary>
    public static class Hex
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
