using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// Hostile archives: the validator, Test-PorterBackup's engine, the restores and the migration's evidence check
    /// must all give the same verdict and error id for each.
    /// </summary>
    public class ArchiveValidatorTests
    {
        private const string Azurite = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1";

        /// <summary>One item of a crafted archive: a manifest record, a zip entry, or both.</summary>
        public sealed class Item
        {
            public string Path = "";
            public string Type = "file";
            public byte[] Content = Encoding.UTF8.GetBytes("x");
            public long? RecordedSize;
            public string? RecordedSha;
            public string? Target;
            public bool InManifest = true;
            public bool InZip = true;
            public string? ZipName;
            public int? UnixMode;
        }

        private static Item F(string path, string content = "x") => new Item { Path = path, Content = Encoding.UTF8.GetBytes(content) };

        private static string Sha(byte[] b) => Convert.ToHexString(SHA256.HashData(b)).ToLowerInvariant();

        /// <summary>
        /// Writes a zip (a name ending in .zip) or a tar.gz with a manifest of <paramref name="kind"/>; every hash is right
        /// unless an item says otherwise. A Unix mode of a link, folder or special file becomes that tar entry type.
        /// </summary>
        private static string Craft(TempHome dir, string kind, IEnumerable<Item> items, string name = "crafted.zip", int manifests = 1)
        {
            if (!name.EndsWith(".zip", StringComparison.Ordinal))
            {
                return CraftTar(dir, kind, items, name, manifests);
            }
            string prefix = kind == BackupManifest.ContainerKind ? BackupManifest.ContainerPrefix : BackupManifest.HomePrefix;
            string archive = dir.P(name);
            var entries = new List<BackupEntry>();
            using (ZipArchive zip = ZipFile.Open(archive, ZipArchiveMode.Create))
            {
                foreach (Item i in items)
                {
                    if (i.Type == "file" && i.InZip)
                    {
                        ZipArchiveEntry z = zip.CreateEntry(i.ZipName ?? prefix + i.Path);
                        if (i.UnixMode.HasValue)
                        {
                            z.ExternalAttributes = i.UnixMode.Value << 16;
                        }
                        using Stream s = z.Open();
                        s.Write(i.Content);
                    }
                    if (i.InManifest)
                    {
                        entries.Add(i.Type == "file"
                            ? new BackupEntry(i.Path, BackupEntryType.File, i.RecordedSize ?? i.Content.Length, i.RecordedSha ?? Sha(i.Content), 0x180, DateTime.UtcNow, null)
                            : i.Type == "dir"
                                ? new BackupEntry(i.Path, BackupEntryType.Directory, 0, null, 0x1C0, DateTime.UtcNow, null)
                                : new BackupEntry(i.Path, BackupEntryType.SymbolicLink, 0, null, null, DateTime.UtcNow, i.Target));
                    }
                }
                for (int m = 0; m < manifests; m++)
                {
                    var manifest = new BackupManifest(kind, DateTime.UtcNow, kind == BackupManifest.ContainerKind ? "http://127.0.0.1:1/devstoreaccount1/c" : dir.P("home"),
                        false, "test", entries, Array.Empty<BackupSkippedItem>());
                    using Stream ms = zip.CreateEntry(BackupManifest.ManifestEntryName).Open();
                    manifest.WriteTo(ms);
                }
            }
            return archive;
        }

        private static BackupEntry Record(Item i) =>
            i.Type == "file"
                ? new BackupEntry(i.Path, BackupEntryType.File, i.RecordedSize ?? i.Content.Length, i.RecordedSha ?? Sha(i.Content), 0x180, DateTime.UtcNow, null)
                : i.Type == "dir"
                    ? new BackupEntry(i.Path, BackupEntryType.Directory, 0, null, 0x1C0, DateTime.UtcNow, null)
                    : new BackupEntry(i.Path, BackupEntryType.SymbolicLink, 0, null, null, DateTime.UtcNow, i.Target);

        private static string CraftTar(TempHome dir, string kind, IEnumerable<Item> items, string name, int manifests)
        {
            string prefix = kind == BackupManifest.ContainerKind ? BackupManifest.ContainerPrefix : BackupManifest.HomePrefix;
            var entries = new List<BackupEntry>();
            var tar = new RawTar();
            foreach (Item i in items)
            {
                if (i.Type == "file" && i.InZip)
                {
                    int type = (i.UnixMode ?? 0x8000) & 0xF000;
                    char flag = type == 0xA000 ? '2' : type == 0x1000 ? '6' : type == 0x2000 ? '3' : type == 0x6000 ? '4' : type == 0x4000 ? '5' : '0';
                    tar.Add(i.ZipName ?? prefix + i.Path, flag == '0' ? i.Content : Array.Empty<byte>(), flag, flag == '2' ? Encoding.UTF8.GetString(i.Content) : null);
                }
                if (i.InManifest)
                {
                    entries.Add(Record(i));
                }
            }
            for (int m = 0; m < manifests; m++)
            {
                var manifest = new BackupManifest(kind, DateTime.UtcNow, kind == BackupManifest.ContainerKind ? "http://127.0.0.1:1/devstoreaccount1/c" : dir.P("home"),
                    false, "test", entries, Array.Empty<BackupSkippedItem>());
                var ms = new MemoryStream();
                manifest.WriteTo(ms);
                tar.Add(BackupManifest.ManifestEntryName, ms.ToArray());
            }
            string archive = dir.P(name);
            File.WriteAllBytes(archive, RawTar.Gzip(tar.ToArray()));
            return archive;
        }

        /// <summary>Sets the uncompressed size the zip's central directory declares for <paramref name="entry"/>.</summary>
        private static void LieAboutSize(string archive, string entry, uint declared)
        {
            byte[] bytes = File.ReadAllBytes(archive);
            byte[] name = Encoding.UTF8.GetBytes(entry);
            for (int at = 0; at + 46 < bytes.Length; at++)
            {
                if (bytes[at] == 0x50 && bytes[at + 1] == 0x4B && bytes[at + 2] == 1 && bytes[at + 3] == 2
                    && BitConverter.ToUInt16(bytes, at + 28) == name.Length && bytes.AsSpan(at + 46, name.Length).SequenceEqual(name))
                {
                    BitConverter.GetBytes(declared).CopyTo(bytes, at + 24);
                    File.WriteAllBytes(archive, bytes);
                    return;
                }
            }
            throw new InvalidOperationException("entry not found");
        }

        public static IEnumerable<object[]> Hostile() => new[]
        {
            new object[] { "dotdot", "home", new[] { F("../x") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "absolute", "home", new[] { F("/abs") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "climb", "home", new[] { F("a/../../b") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "backslash", "home", new[] { F("..\\x") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "drive", "home", new[] { F("C:/x") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "empty segment", "home", new[] { F("a//b") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "dot segment", "home", new[] { F("a/./b") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "NUL in name", "home", new[] { F("a\0b") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "newline in name", "home", new[] { F("a\nb") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "recorded twice", "home", new[] { F("a"), new Item { Path = "a", InZip = false } }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "zip entry twice", "home", new[] { F("a"), new Item { Path = "a", InManifest = false } }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "file beneath a file", "home", new[] { F("a"), F("a/b") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "file through a link", "home", new[] { new Item { Path = "d", Type = "link", Target = "e" }, F("d/f") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "file through an outward link", "home", new[] { new Item { Path = "l", Type = "link", Target = "/etc" }, F("l/passwd") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "name longer than a file system holds", "home", new[] { F("claims/" + new string('a', 300) + ".json") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "zip symlink entry", "home", new[] { new Item { Path = "l", Content = Encoding.UTF8.GetBytes("/etc/passwd"), UnixMode = 0xA1FF } }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "zip FIFO entry", "home", new[] { new Item { Path = "p", UnixMode = 0x11A4 } }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "extra entry outside the prefix", "home", new[] { F("a"), new Item { Path = "x", InManifest = false, ZipName = "../x" } }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "size lie (manifest)", "home", new[] { new Item { Path = "a", RecordedSize = 5 } }, ErrorIds.BackupCorrupt },
            new object[] { "content differs", "home", new[] { new Item { Path = "a", RecordedSha = new string('0', 64) } }, ErrorIds.BackupCorrupt },
            new object[] { "no hash recorded", "home", new[] { new Item { Path = "a", RecordedSha = "abc" } }, ErrorIds.BackupCorrupt },
            new object[] { "extra entry", "home", new[] { F("a"), new Item { Path = "intruder", InManifest = false } }, ErrorIds.BackupCorrupt },
            new object[] { "missing entry", "home", new[] { F("a"), new Item { Path = "gone", InZip = false } }, ErrorIds.BackupCorrupt },
            new object[] { "container link", "container", new[] { new Item { Path = "l", Type = "link", Target = "x" } }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "container folder", "container", new[] { new Item { Path = "d", Type = "dir" } }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "container dotdot", "container", new[] { F("claims/../schema") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "container absolute", "container", new[] { F("/schema") }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "container recorded twice", "container", new[] { F("schema"), new Item { Path = "schema", InZip = false } }, ErrorIds.UnsafeArchiveEntry },
            new object[] { "container size lie", "container", new[] { new Item { Path = "schema", RecordedSize = 9 } }, ErrorIds.BackupCorrupt },
            new object[] { "container missing", "container", new[] { F("a"), new Item { Path = "b", InZip = false } }, ErrorIds.BackupCorrupt },
            new object[] { "unknown kind", "table?", new[] { F("a") }, ErrorIds.BackupCorrupt },
        };

        public static IEnumerable<object[]> HostileInBothFormats() =>
            Hostile().SelectMany(c => new[] { c.Append(".zip").ToArray(), c.Append(".tar.gz").ToArray() });

        [Theory]
        [MemberData(nameof(HostileInBothFormats))]
        public void Hostile_EveryDoorRefusesWithTheSameId(string label, string kind, Item[] items, string errorId, string ext)
        {
            using var dir = new TempHome();
            string archive = Craft(dir, kind, items, "crafted" + ext);
            AssertAllAgree(dir, archive, kind, errorId, label + " " + ext);
        }

        [Fact]
        public void DeclaredSizeLie_EveryDoorRefusesWithBackupCorrupt()
        {
            using var dir = new TempHome();
            string archive = Craft(dir, "home", new[] { F("a", "hello") });
            LieAboutSize(archive, "home/a", 1);
            AssertAllAgree(dir, archive, "home", ErrorIds.BackupCorrupt, "declared size lie");
            PorterBackupVerification v = ArchiveValidator.Validate(archive, null, null, CancellationToken.None);
            Assert.Contains(v.Mismatched, m => m.Path == "a");
        }

        [Theory]
        [InlineData(".zip")]
        [InlineData(".tar.gz")]
        public void TwoManifests_EveryDoorRefusesWithBackupCorrupt(string ext)
        {
            using var dir = new TempHome();
            string archive = Craft(dir, "home", new[] { F("a") }, "crafted" + ext, manifests: 2);
            AssertAllAgree(dir, archive, "home", ErrorIds.BackupCorrupt, "two manifests");
        }

        [Theory]
        [InlineData("home", ".zip")]
        [InlineData("container", ".zip")]
        [InlineData("home", ".tar.gz")]
        [InlineData("container", ".tar.gz")]
        public void WellFormed_EveryDoorAccepts(string kind, string ext)
        {
            using var dir = new TempHome();
            var items = new List<Item> { F("claims/a.json"), F("schema", "{}") };
            if (kind == "home")
            {
                items.Add(new Item { Path = "claims", Type = "dir" });
                items.Add(new Item { Path = "claims/b.json", Type = "link", Target = "a.json" });
                // A home's binary or mixin linked from elsewhere: restored as a link, never written through.
                items.Add(new Item { Path = "porter", Type = "link", Target = "/usr/local/bin/porter" });
                items.Add(new Item { Path = "mixins", Type = "link", Target = "../shared/mixins" });
                // A name longer than ustar's 100 bytes, and one that is not ASCII: pax headers in a tar.
                items.Add(F("claims/" + new string('n', 150) + ".json"));
                items.Add(F("claims/ünïcødé-ß.json"));
            }
            string archive = Craft(dir, kind, items, "crafted" + ext);
            PorterBackupVerification v = ArchiveValidator.Validate(archive, null, null, CancellationToken.None);
            Assert.True(v.IsValid, v.Reason);
            Assert.Null(v.ErrorId);
            Assert.Null(v.ToException());
            BackupVerifier.RequireBackupOf(Evidence(archive, kind, dir), Identity(kind, dir), kind == "home" ? "Home" : "Container", CancellationToken.None);
            if (kind == "home")
            {
                RestorePlan plan = HomeRestore.Plan(archive, null, dir.P("dest"), "/", false, null, CancellationToken.None);
                Assert.Equal(dir.P("dest"), plan.Destination);
            }
        }

        [Fact]
        public void CaseFoldingDuplicates_RefusedWhereNamesFoldCase_AllowedForBlobs()
        {
            using var dir = new TempHome();
            string archive = Craft(dir, "home", new[] { F("claims/A.json"), F("claims/a.json") });
            PorterBackupVerification v = ArchiveValidator.Validate(archive, null, null, CancellationToken.None);
            Assert.Equal(ArchiveKindRules.Home.NamesFoldCase, !v.IsValid);
            if (!v.IsValid)
            {
                Assert.Equal(ErrorIds.UnsafeArchiveEntry, v.ErrorId);
                Assert.Contains("case", v.Refused[0].Reason);
            }
            string blobs = Craft(dir, "container", new[] { F("claims/A"), F("claims/a") }, "blobs.zip");
            Assert.True(ArchiveValidator.Validate(blobs, null, null, CancellationToken.None).IsValid);
            Assert.False(ArchiveKindRules.Container.NamesFoldCase);
            Assert.Equal(StringComparer.OrdinalIgnoreCase, new ArchiveKindRules("t", "t/", "a table", false, false, true, 10).NameComparer);
        }

        [Fact]
        public void Refusal_NamesTheEntryPrintably()
        {
            using var dir = new TempHome();
            string archive = Craft(dir, "home", new[] { F("a\0b") });
            PorterStorageException ex = ArchiveValidator.Validate(archive, null, null, CancellationToken.None).ToException()!;
            Assert.Equal("a\0b", ex.Target);
            Assert.True(ex.Message.IndexOf('\0') < 0, ex.Message.Replace("\0", "<NUL>"));
            Assert.Contains("a\\u0000b", ex.Message);
        }

        [Fact]
        public void EveryKindTheModuleWrites_HasRules()
        {
            Assert.NotNull(ArchiveKindRules.For(BackupManifest.HomeKind));
            Assert.NotNull(ArchiveKindRules.For(BackupManifest.ContainerKind));
            Assert.Null(ArchiveKindRules.For("nope"));
            Assert.Equal(ArchiveKindRules.All.Count, ArchiveKindRules.All.Select(r => r.EntryPrefix).Distinct().Count());
        }

        private static string Identity(string kind, TempHome dir) => kind == "container" ? "http://127.0.0.1:1/devstoreaccount1/c" : dir.P("home");

        private static PorterBackup Evidence(string archive, string kind, TempHome dir)
        {
            string sha = Sha(File.ReadAllBytes(archive));
            return new PorterBackup(archive, kind == "container" ? "Container" : "Home", Identity(kind, dir), DateTime.UtcNow, 1, 1, new FileInfo(archive).Length,
                sha, false, true, TimeSpan.Zero, Array.Empty<BackupSkippedItem>());
        }

        private static void AssertAllAgree(TempHome dir, string archive, string kind, string errorId, string label)
        {
            // The validator.
            PorterBackupVerification v = ArchiveValidator.Validate(archive, null, null, CancellationToken.None);
            Assert.False(v.IsValid, label);
            Assert.Equal(errorId, v.ErrorId);
            Assert.False(string.IsNullOrEmpty(v.Reason));

            // Test-PorterBackup's engine.
            PorterBackupVerification t = BackupVerifier.Verify(archive, null, null, CancellationToken.None);
            Assert.False(t.IsValid, label);
            Assert.Equal(errorId, t.ErrorId);

            // The restores: the same id, nothing written.
            if (kind == "container")
            {
                PorterAzureContainer storage = AzureStorageFactory.FromConnectionString(Azurite, "never-reached", "test");
                var rex = Assert.Throws<PorterStorageException>(() =>
                    ContainerRestore.Restore(archive, null, storage, false, (_, _) => throw new InvalidOperationException("must not be asked"), null, CancellationToken.None));
                Assert.Equal(errorId, rex.ErrorId);
            }
            else
            {
                var rex = Assert.Throws<PorterStorageException>(() => HomeRestore.Plan(archive, null, dir.P("dest"), "/", false, null, CancellationToken.None));
                Assert.Equal(errorId, rex.ErrorId);
                Assert.False(Directory.Exists(dir.P("dest")));
            }

            // The migration's evidence check: BackupRequired, caused by the same refusal.
            string rk = kind == "container" ? "Container" : "Home";
            var eex = Assert.Throws<PorterStorageException>(() =>
                BackupVerifier.RequireBackupOf(Evidence(archive, kind, dir), Identity(kind, dir), rk, CancellationToken.None));
            Assert.Equal(ErrorIds.BackupRequired, eex.ErrorId);
            Assert.Equal(errorId, Assert.IsType<PorterStorageException>(eex.InnerException).ErrorId);
            Assert.Contains(errorId, eex.Message);
        }
    }
}
