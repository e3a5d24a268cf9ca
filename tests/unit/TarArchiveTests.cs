using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using CsCheck;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The tar.gz backup format: what the module writes, every POSIX tar reads; what any tar may hold, the module reads
    /// without trusting it (a malformed stream is a named verdict, never an exception or a write).
    /// </summary>
    public class TarArchiveTests
    {
        private static string Manifest(TempHome dir, params (string Path, byte[] Content)[] files)
        {
            var entries = files.Select(f => new BackupEntry(f.Path, BackupEntryType.File, f.Content.Length,
                Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(f.Content)).ToLowerInvariant(), 0x180, DateTime.UtcNow, null)).ToList();
            var ms = new MemoryStream();
            new BackupManifest(BackupManifest.HomeKind, DateTime.UtcNow, dir.P("home"), false, "test", entries, Array.Empty<BackupSkippedItem>()).WriteTo(ms);
            return Encoding.UTF8.GetString(ms.ToArray());
        }

        private static PorterBackupVerification Validate(TempHome dir, byte[] archive, string name = "t.tar.gz")
        {
            string path = dir.P(name);
            File.WriteAllBytes(path, archive);
            return ArchiveValidator.Validate(path, null, null, CancellationToken.None);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(511)]
        [InlineData(512)]
        [InlineData(513)]
        [InlineData(70000)]
        public void WriterAndReader_RoundTripNamesSizesAndTimes(int size)
        {
            var content = new byte[size];
            new Random(size).NextBytes(content);
            string[] names =
            {
                "home/a", "home/claims/" + new string('x', 99), "home/claims/" + new string('y', 300), "home/ünï/çødé ß.json", "home/sp ace/tab\tname",
            };
            DateTime[] times = { new DateTime(1960, 1, 1, 0, 0, 0, DateTimeKind.Utc), DateTime.UtcNow, new DateTime(2500, 1, 1, 0, 0, 0, DateTimeKind.Utc) };
            var ms = new MemoryStream();
            var writer = new TarWriter(ms);
            for (int i = 0; i < names.Length; i++)
            {
                writer.Add(names[i], content, times[i % times.Length]);
            }
            writer.Finish();
            ms.Position = 0;
            var reader = new TarReader(ms);
            foreach (string name in names)
            {
                TarEntry e = reader.Next()!;
                Assert.Equal(name, e.Name);
                Assert.True(e.IsFile);
                Assert.Equal(size, e.Size);
                var back = new MemoryStream();
                reader.Data.CopyTo(back);
                Assert.Equal(content, back.ToArray());
            }
            Assert.Null(reader.Next());
        }

        [Fact]
        public void WriterEntryStream_KeepsTheDeclaredSize_WhenTheSourceGrowsOrShrinks()
        {
            var ms = new MemoryStream();
            var writer = new TarWriter(ms);
            using (Stream s = writer.Open("home/grew", 3, DateTime.UtcNow))
            {
                s.Write(new byte[] { 1, 2, 3, 4, 5 }, 0, 5);
            }
            using (Stream s = writer.Open("home/shrank", 4, DateTime.UtcNow))
            {
                s.Write(new byte[] { 9 }, 0, 1);
            }
            writer.Finish();
            ms.Position = 0;
            var reader = new TarReader(ms);
            Assert.Equal(3, reader.Next()!.Size);
            Assert.Equal(new byte[] { 9, 0, 0, 0 }, Read(reader, reader.Next()!));
            Assert.Null(reader.Next());
        }

        private static byte[] Read(TarReader reader, TarEntry entry)
        {
            var back = new MemoryStream();
            reader.Data.CopyTo(back);
            Assert.Equal(entry.Size, back.Length);
            return back.ToArray();
        }

        /// <summary>A backup the module wrote is a tar.gz the system's tar lists and extracts, byte for byte.</summary>
        [Fact]
        public void ModuleBackup_ExtractsWithTheSystemTar()
        {
            if (!File.Exists("/usr/bin/tar") && !File.Exists("/bin/tar"))
            {
                return; // Windows runners have tar.exe, but not at these paths; the round trip above covers the format.
            }
            using var home = new TempHome();
            using var outDir = new TempHome();
            home.Write("claims/" + new string('l', 180) + ".json", "{\"long\":true}");
            home.Write("credentials/ünïcødé.json", "{}");
            home.WriteBytes("outputs/big", Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray());
            PorterBackup b = HomeBackup.Create(home.Path, outDir.P("b.tar.gz"), false, false, null, null, CancellationToken.None);
            Assert.True(b.Verified);
            string into = outDir.P("x");
            Directory.CreateDirectory(into);
            var psi = new ProcessStartInfo("tar", $"-xzf \"{b.Path}\" -C \"{into}\"") { RedirectStandardError = true };
            using (Process p = Process.Start(psi)!)
            {
                string err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, err);
            }
            foreach (string file in Directory.GetFiles(home.Path, "*", SearchOption.AllDirectories))
            {
                string rel = Path.GetRelativePath(home.Path, file);
                Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(into, "home", rel)));
            }
            Assert.True(File.Exists(Path.Combine(into, BackupManifest.ManifestEntryName)));
        }

        public static IEnumerable<object[]> Malformed()
        {
            byte[] a = Encoding.UTF8.GetBytes("hello");
            RawTar Valid(Action<RawTar>? before = null)
            {
                var t = new RawTar();
                before?.Invoke(t);
                return t;
            }
            byte[] WithManifest(RawTar t, TempHome dir, bool end = true)
            {
                t.Add("manifest.json", Encoding.UTF8.GetBytes(Manifest(dir, ("a", a))));
                return RawTar.Gzip(t.ToArray(end));
            }
            yield return new object[] { "no end block", (Func<TempHome, byte[]>)(d => { var t = Valid(); t.Add("home/a", a); return WithManifest(t, d, end: false); }), ErrorIds.BackupCorrupt };
            yield return new object[] { "bad checksum", (Func<TempHome, byte[]>)(d => { var t = Valid(); t.Add("home/a", a, badChecksum: true); return WithManifest(t, d); }), ErrorIds.BackupCorrupt };
            yield return new object[] { "size beyond the stream", (Func<TempHome, byte[]>)(d =>
            {
                var t = Valid();
                t.Add("manifest.json", Encoding.UTF8.GetBytes(Manifest(d, ("a", a))));
                t.Add("home/a", a, declaredSize: 1L << 40);
                return RawTar.Gzip(t.ToArray(false));
            }), ErrorIds.BackupCorrupt };
            yield return new object[] { "truncated header", (Func<TempHome, byte[]>)(d =>
            {
                var t = Valid();
                t.Add("home/a", a);
                t.Raw(new byte[100].Select((_, i) => (byte)('a' + i % 26)).ToArray());
                return RawTar.Gzip(t.ToArray(false));
            }), ErrorIds.BackupCorrupt };
            yield return new object[] { "pax path climbs out", (Func<TempHome, byte[]>)(d => { var t = Valid(); t.Add("home/a", a); t.Add("home/safe", a, paxPath: "home/../../x"); return WithManifest(t, d); }), ErrorIds.UnsafeArchiveEntry };
            yield return new object[] { "GNU long name climbs out", (Func<TempHome, byte[]>)(d => { var t = Valid(); t.Add("home/a", a); t.Add("home/" + new string('.', 2) + "/" + new string('z', 120), a, gnuLongName: true); return WithManifest(t, d); }), ErrorIds.UnsafeArchiveEntry };
            yield return new object[] { "malformed pax record", (Func<TempHome, byte[]>)(d => { var t = Valid(); t.Pax("path", "home/a"); t.Raw(new byte[0]); var x = t.ToArray(false); x[512 + 0] = (byte)'9'; x[512 + 1] = (byte)'9'; var u = new RawTar(); u.Raw(x); u.Add("home/a", a); return WithManifest(u, d); }), ErrorIds.BackupCorrupt };
            yield return new object[] { "hard link entry", (Func<TempHome, byte[]>)(d => { var t = Valid(); t.Add("home/a", a); t.Add("home/b", Array.Empty<byte>(), '1', "home/a"); return WithManifest(t, d); }), ErrorIds.UnsafeArchiveEntry };
            yield return new object[] { "block device entry", (Func<TempHome, byte[]>)(d => { var t = Valid(); t.Add("home/a", a); t.Add("home/sda", Array.Empty<byte>(), '4'); return WithManifest(t, d); }), ErrorIds.UnsafeArchiveEntry };
            yield return new object[] { "folder entry", (Func<TempHome, byte[]>)(d => { var t = Valid(); t.Add("home/a", a); t.Add("home/claims", Array.Empty<byte>(), '5'); return WithManifest(t, d); }), ErrorIds.UnsafeArchiveEntry };
            yield return new object[] { "global pax header", (Func<TempHome, byte[]>)(d => { var t = Valid(); t.Add("home/a", a); t.Add("pax_global_header", Encoding.UTF8.GetBytes("17 path=../../x\n"), 'g'); return WithManifest(t, d); }), ErrorIds.UnsafeArchiveEntry };
            yield return new object[] { "sparse entry", (Func<TempHome, byte[]>)(d => { var t = Valid(); t.Add("home/a", a); t.Add("home/s", a, 'S'); return WithManifest(t, d); }), ErrorIds.UnsafeArchiveEntry };
            yield return new object[] { "gzip of no tar", (Func<TempHome, byte[]>)(d => RawTar.Gzip(Encoding.UTF8.GetBytes("just some text, no tar headers"))), ErrorIds.BackupCorrupt };
            yield return new object[] { "gzip magic, then garbage", (Func<TempHome, byte[]>)(d => new byte[] { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7 }), ErrorIds.BackupCorrupt };
            yield return new object[] { "neither format", (Func<TempHome, byte[]>)(d => Encoding.UTF8.GetBytes("MZ not an archive")), ErrorIds.BackupCorrupt };
            yield return new object[] { "empty file", (Func<TempHome, byte[]>)(d => Array.Empty<byte>()), ErrorIds.BackupCorrupt };
            byte[] Good(TempHome d)
            {
                var t = Valid();
                t.Add("home/a", a);
                return WithManifest(t, d);
            }
            yield return new object[] { "gzip trailer cut off", (Func<TempHome, byte[]>)(d => Good(d).SkipLast(8).ToArray()), ErrorIds.BackupCorrupt };
            yield return new object[] { "bytes after the gzip trailer", (Func<TempHome, byte[]>)(d => Good(d).Concat(Encoding.ASCII.GetBytes("GARBAGE")).ToArray()), ErrorIds.BackupCorrupt };
            yield return new object[] { "a second gzip member holding an entry", (Func<TempHome, byte[]>)(d =>
            {
                var hidden = new RawTar();
                hidden.Add("home/hidden", a);
                return Good(d).Concat(RawTar.Gzip(hidden.ToArray())).ToArray();
            }), ErrorIds.BackupCorrupt };
            yield return new object[] { "an entry after one zero block", (Func<TempHome, byte[]>)(d =>
            {
                var t = Valid();
                t.Add("home/a", a);
                t.Add("manifest.json", Encoding.UTF8.GetBytes(Manifest(d, ("a", a))));
                t.Raw(new byte[512]);
                t.Add("home/hidden", a);
                return RawTar.Gzip(t.ToArray());
            }), ErrorIds.BackupCorrupt };
        }

        /// <summary>Endless zeros, counting what was read: a bomb no disk holds.</summary>
        private sealed class Zeros : Stream
        {
            private readonly byte[] _head;

            public Zeros(byte[] head)
            {
                _head = head;
            }

            public long Produced { get; private set; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = count;
                if (Produced < _head.Length)
                {
                    n = (int)Math.Min(count, _head.Length - Produced);
                    Buffer.BlockCopy(_head, (int)Produced, buffer, offset, n);
                }
                else
                {
                    Array.Clear(buffer, offset, n);
                }
                Produced += n;
                return n;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => Produced; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }

        [Fact]
        public void EndlessZerosAfterTheEndBlock_RefusedWithinTheAllowance()
        {
            var t = new RawTar();
            t.Add("home/a", Encoding.UTF8.GetBytes("hello"));
            byte[] head = t.ToArray(endBlocks: false);
            var zeros = new Zeros(head);
            var reader = new TarReader(zeros);
            Assert.NotNull(reader.Next());
            var ex = Assert.Throws<InvalidDataException>(() => reader.Next());
            Assert.Contains("beyond", ex.Message);
            // what was inflated: the entry, the first end block, the allowance and at most one more read
            Assert.True(zeros.Produced <= head.Length + 512 + TarReader.EndAllowance + 64 * 1024, $"read {zeros.Produced} bytes");
        }

        [Fact]
        public void GzipBombOfPadding_BackupCorrupt_HavingInflatedLittle()
        {
            using var dir = new TempHome();
            byte[] a = Encoding.UTF8.GetBytes("hello");
            var t = new RawTar();
            t.Add("home/a", a);
            t.Add("manifest.json", Encoding.UTF8.GetBytes(Manifest(dir, ("a", a))));
            // 256 MiB of zeros after the end blocks, compressed in memory to a few hundred KiB
            var compressed = new MemoryStream();
            using (var gz = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                byte[] tar = t.ToArray();
                gz.Write(tar, 0, tar.Length);
                var chunk = new byte[1 << 20];
                for (int i = 0; i < 256; i++)
                {
                    gz.Write(chunk, 0, chunk.Length);
                }
            }
            byte[] bomb = compressed.ToArray();
            var counted = new CountingStream(new MemoryStream(bomb));
            using (ArchiveReader reader = ArchiveReader.Open(counted, leaveOpen: true))
            {
                var ex = Assert.Throws<InvalidDataException>(() => reader.Items().Select(i => { using Stream s = i.Open(); s.CopyTo(Stream.Null); return i.Name; }).ToList());
                Assert.Contains("beyond", ex.Message);
            }
            // 256 MiB inflate from all of it; refused, the reader had taken a small part (the read-ahead's few buffers)
            Assert.True(counted.BytesRead < bomb.Length / 8, $"read {counted.BytesRead} of {bomb.Length} compressed bytes");
            PorterBackupVerification v = Validate(dir, bomb);
            Assert.Equal(ErrorIds.BackupCorrupt, v.ErrorId);
        }

        /// <summary>
        /// A bomb inside an entry: a header claiming 512 MiB whose zeros compress to well under a MiB. The reader refuses it once it
        /// has inflated past the floor at more than the allowed ratio, long before the entry's end (counted in bytes, not time).
        /// </summary>
        [Fact]
        public void GzipBombInsideAnEntry_RefusedOnceItInflatesPastTheRatio()
        {
            const long size = 512L * 1024 * 1024;
            var t = new RawTar();
            t.Add("home/big", Array.Empty<byte>(), declaredSize: size);
            byte[] header = t.ToArray(endBlocks: false);
            var compressed = new MemoryStream();
            using (var gz = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                gz.Write(header, 0, header.Length);
                var chunk = new byte[1 << 20];
                for (long i = 0; i < size / chunk.Length; i++)
                {
                    gz.Write(chunk, 0, chunk.Length);
                }
                gz.Write(new byte[1024], 0, 1024);
            }
            long inflated = 0;
            using (ArchiveReader reader = ArchiveReader.Open(new MemoryStream(compressed.ToArray()), leaveOpen: false))
            {
                var ex = Assert.Throws<InvalidDataException>(() =>
                {
                    foreach (ArchiveItem item in reader.Items())
                    {
                        using Stream data = item.Open();
                        var buffer = new byte[81920];
                        int n;
                        while ((n = data.Read(buffer, 0, buffer.Length)) > 0)
                        {
                            inflated += n;
                        }
                    }
                });
                Assert.Contains("gzip bomb", ex.Message);
            }
            Assert.InRange(inflated, 0, Crc32Stream.InflationFloor + (16L << 20));
        }

        /// <summary>Zero padding of every length after the end block: accepted up to the allowance, refused beyond it.</summary>
        [Fact]
        public void Property_PaddingAfterTheEndBlock_AcceptedExactlyUpToTheAllowance()
        {
            byte[] a = Encoding.UTF8.GetBytes("hello");
            Gen.Int[0, 3 * TarReader.EndAllowance].Sample(padding =>
            {
                var t = new RawTar();
                t.Add("home/a", a);
                t.Raw(new byte[512 + padding]);
                var reader = new TarReader(new MemoryStream(t.ToArray(endBlocks: false)));
                reader.Next();
                try
                {
                    return reader.Next() == null && padding <= TarReader.EndAllowance;
                }
                catch (InvalidDataException)
                {
                    return padding > TarReader.EndAllowance;
                }
            }, iter: 500, seed: "0N0XIzNsQ0O2");
        }

        private sealed class CountingStream : Stream
        {
            private readonly Stream _inner;

            public CountingStream(Stream inner)
            {
                _inner = inner;
            }

            public long BytesRead { get; private set; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = _inner.Read(buffer, offset, count);
                BytesRead += n;
                return n;
            }

            public override bool CanRead => true;
            public override bool CanSeek => _inner.CanSeek;
            public override bool CanWrite => false;
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => _inner.Position = value; }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }

        [Theory]
        [MemberData(nameof(Malformed))]
        public void Malformed_NamedVerdict_RestoreRefusesAndWritesNothing(string label, Func<TempHome, byte[]> build, string errorId)
        {
            using var dir = new TempHome();
            PorterBackupVerification v = Validate(dir, build(dir));
            Assert.False(v.IsValid, label);
            Assert.Equal(errorId, v.ErrorId);
            var ex = Assert.Throws<PorterStorageException>(() => HomeRestore.Plan(dir.P("t.tar.gz"), null, dir.P("dest"), "/", false, null, CancellationToken.None));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.False(Directory.Exists(dir.P("dest")));
        }

        /// <summary>Any damage to a backup's bytes (flips, cuts, insertions) gives a verdict, never an exception, and never "valid" unless the bytes still are.</summary>
        [Fact]
        public void DamagedArchives_AlwaysAVerdict()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            home.Write("claims/a.json", "{\"a\":1}");
            home.Write("claims/" + new string('b', 130) + ".json", "{\"b\":2}");
            home.WriteBytes("outputs/o", Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray());
            PorterBackup b = HomeBackup.Create(home.Path, outDir.P("good.tar.gz"), false, false, null, null, CancellationToken.None);
            byte[] good = File.ReadAllBytes(b.Path);
            byte[] tar;
            using (var gz = new System.IO.Compression.GZipStream(new MemoryStream(good), System.IO.Compression.CompressionMode.Decompress))
            {
                var ms = new MemoryStream();
                gz.CopyTo(ms);
                tar = ms.ToArray();
            }
            string path = outDir.P("damaged.tar.gz");
            Gen<(int Kind, int At, byte Value, bool Raw)> damage = Gen.Select(Gen.Int[0, 2], Gen.Int[0, int.MaxValue], Gen.Byte, Gen.Bool);
            damage.Sample(d =>
            {
                // Damage either the compressed bytes or the tar inside (then compressed again, so the tar reader sees it).
                byte[] bytes = (d.Raw ? good : tar).ToArray();
                int at = d.At % bytes.Length;
                bytes = d.Kind switch
                {
                    0 => bytes.Select((x, i) => i == at ? (byte)(x ^ (d.Value | 1)) : x).ToArray(),
                    1 => bytes.Take(at).ToArray(),
                    _ => bytes.Take(at).Append(d.Value).Concat(bytes.Skip(at)).ToArray(),
                };
                File.WriteAllBytes(path, d.Raw ? bytes : RawTar.Gzip(bytes));
                PorterBackupVerification v = ArchiveValidator.Validate(path, null, null, CancellationToken.None);
                if (v.IsValid)
                {
                    // Only damage the format ignores (padding, the end blocks' tail) may leave it valid: then every file still reads as recorded.
                    using var restored = new TempHome();
                    HomeRestore.Execute(HomeRestore.Plan(path, null, restored.P("h"), "/", false, null, CancellationToken.None), null, CancellationToken.None);
                    foreach (string file in Directory.GetFiles(home.Path, "*", SearchOption.AllDirectories))
                    {
                        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(restored.P("h"), Path.GetRelativePath(home.Path, file))));
                    }
                }
                else
                {
                    Assert.NotNull(v.ErrorId);
                }
            }, iter: 300, threads: 1, seed: "0N0XIzNsQ0O2");
        }
    
        private static byte[] WithManifestText(TempHome dir, Func<string, string> edit)
        {
            byte[] a = Encoding.UTF8.GetBytes("hello");
            var t = new RawTar();
            t.Add("home/a", a);
            t.Add("manifest.json", Encoding.UTF8.GetBytes(edit(Manifest(dir, ("a", a)))));
            return RawTar.Gzip(t.ToArray());
        }

        /// <summary>Manifest values a reader could trip on: each is a named BackupCorrupt, never another exception.</summary>
        [Theory]
        [InlineData("\"mode\": \"0600\"", "\"mode\": \"777777777777\"")]
        [InlineData("\"mode\": \"0600\"", "\"mode\": \"37777777777\"")]
        [InlineData("\"mode\": \"0600\"", "\"mode\": null")]
        [InlineData("\"kind\": \"home\"", "\"kind\": null")]
        [InlineData("\"path\": \"a\"", "\"path\": null")]
        [InlineData("\"format\": \"porterstorage-backup/1\"", "\"format\": null")]
        public void ManifestValues_Malformed_BackupCorrupt(string from, string to)
        {
            using var dir = new TempHome();
            PorterBackupVerification v = Validate(dir, WithManifestText(dir, m =>
            {
                Assert.Contains(from, m);
                return m.Replace(from, to);
            }));
            Assert.False(v.IsValid);
            Assert.Equal(ErrorIds.BackupCorrupt, v.ErrorId);
        }

        [Fact]
        public void Restore_SetsPermissionBitsOnly_NeverSetuidSetgidOrSticky()
        {
            using var dir = new TempHome();
            Validate(dir, WithManifestText(dir, m => m.Replace("\"mode\": \"0600\"", "\"mode\": \"7777\"")));
            HomeRestore.Execute(HomeRestore.Plan(dir.P("t.tar.gz"), null, dir.P("dest"), "/", false, null, CancellationToken.None), null, CancellationToken.None);
            Assert.Equal(0x1FF, UnixPermissions.TryGetMode(dir.P("dest/a")));
        }

        [Theory]
        [InlineData("relative/home")]
        [InlineData("")]
        [InlineData("/srv/../etc")]
        public void Restore_WithoutDestination_RefusesASourceThatIsNoAbsoluteHome(string source)
        {
            using var dir = new TempHome();
            Validate(dir, WithManifestText(dir, m => m.Replace("\"source\": \"" + dir.P("home") + "\"", "\"source\": \"" + source + "\"")));
            var ex = Assert.Throws<PorterStorageException>(() => HomeRestore.Plan(dir.P("t.tar.gz"), null, null, dir.Path, false, null, CancellationToken.None));
            Assert.Equal(ErrorIds.BackupCorrupt, ex.ErrorId);
            Assert.Contains("-Destination", ex.Message);
            Assert.Equal(dir.P("given"), HomeRestore.Plan(dir.P("t.tar.gz"), null, dir.P("given"), "/", false, null, CancellationToken.None).Destination);
        }
    }
}
