using System;
using System.Security.Cryptography;

namespace PorterStorage.Core.Json
{
    /// <summary>
    /// Monotonic ULIDs (26 Crockford base32 characters): 48 bits of milliseconds, 80 random bits that are
    /// incremented within one millisecond, so IDs made later in the process always sort after earlier ones.
    /// </summary>
    public sealed class UlidGenerator
    {
        private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

        private readonly object _gate = new object();
        private readonly Func<long> _clock;
        private readonly RandomNumberGenerator _random = RandomNumberGenerator.Create();
        private readonly byte[] _entropy = new byte[10];
        private long _lastMs = -1;

        public UlidGenerator(Func<long>? clock = null)
        {
            _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }

        /// <summary>The process-wide generator.</summary>
        public static UlidGenerator Shared { get; } = new UlidGenerator();

        public string Next()
        {
            lock (_gate)
            {
                long ms = _clock();
                if (ms > _lastMs)
                {
                    _lastMs = ms;
                    _random.GetBytes(_entropy);
                    _entropy[0] &= 0x7F; // leave room to increment within the millisecond
                }
                else
                {
                    Increment();
                }
                return Encode(_lastMs, _entropy);
            }
        }

        private void Increment()
        {
            for (int i = _entropy.Length - 1; i >= 0; i--)
            {
                if (++_entropy[i] != 0)
                {
                    return;
                }
            }
            // 80 bits exhausted within one millisecond: move to the next millisecond.
            _lastMs++;
            _random.GetBytes(_entropy);
            _entropy[0] &= 0x7F;
        }

        private static string Encode(long ms, byte[] entropy)
        {
            var chars = new char[26];
            for (int i = 9; i >= 0; i--)
            {
                chars[i] = Alphabet[(int)(ms & 31)];
                ms >>= 5;
            }
            // 80 bits -> 16 characters, most significant first.
            int bitBuffer = 0, bits = 0, pos = 10;
            foreach (byte b in entropy)
            {
                bitBuffer = (bitBuffer << 8) | b;
                bits += 8;
                while (bits >= 5)
                {
                    chars[pos++] = Alphabet[(bitBuffer >> (bits - 5)) & 31];
                    bits -= 5;
                }
            }
            return new string(chars);
        }

        /// <summary>True for 26 characters of Crockford base32 (upper case).</summary>
        public static bool IsValid(string id)
        {
            if (id.Length != 26 || id[0] > '7')
            {
                return false;
            }
            foreach (char c in id)
            {
                if (Alphabet.IndexOf(c) < 0)
                {
                    return false;
                }
            }
            return true;
        }
    }
}
