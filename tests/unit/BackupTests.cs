using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using CsCheck;
using Xunit;

namespace PorterStorage.Tests
{
    public class BackupTests
    {
        private static readonly DateTime Now = new DateTime(2026, 1, 2, 3, 4, 5);

        private static void Sample(TempHome home)
        {
            home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/claims/upgraded.json", "claims/mybun.json", 0x1A4);
            home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/credentials/mybun.json", "credentials/mybun.json");
            home.Write("config.toml", "default-storage-plugin = \"filesystem\"\n", 0x180);
            home.Write("plugins/azure/azure", "binary", 0x1ED);
            home.Write("20200825143015-migrate.log", "log", 0x180);
            home.Mkdir("cache/empty");
        }

        private static PorterBackup Backup(TempHome home, TempHome outDir, bool dataOnly = false, List<PorterStorageException>? errors = null,
            Func<string, byte[]>? reader = null, string ext = ".tar.gz")
        {
            string archive = HomeBackup.PlanArchivePath(home.Path, outDir.P("backup" + ext), outDir.Path, false, Now);
            return HomeBackup.Create(home.Path, archive, dataOnly, false, null, e => errors?.Add(e), reader ?? File.ReadAllBytes, CancellationToken.None);
        }

        [Fact]
        public void PlanArchivePath_Folder_DefaultName()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            string stem = BackupPaths.HomeStem(home.Path);
            Assert.StartsWith("porter-home-", stem);
            Assert.Equal(Path.Combine(outDir.Path, stem + "-20260102-030405.tar.gz"), HomeBackup.PlanArchivePath(home.Path, outDir.Path, "/", false, Now));
        }

        [Theory]
        [InlineData("/root/.porter", "porter-home-porter")]
        [InlineData("/srv/porter/c[1]", "porter-home-c-1")]
        [InlineData("/srv/porter/team a/", "porter-home-team-a")]
        [InlineData("/srv/porter/prod_eu-2", "porter-home-prod_eu-2")]
        [InlineData("/srv/porter/..", "porter-home")]
        [InlineData("/srv/porter/домашний", "porter-home")]
        [InlineData("/", "porter-home")]
        public void HomeStem_NamesTheHomeInPlainCharacters(string home, string expected)
        {
            Assert.Equal(expected, BackupPaths.HomeStem(home));
        }

        [Fact]
        public void HomeStem_IsAlwaysAPlainBoundedFileName()
        {
            Gen.String.Sample(leaf =>
            {
                string stem = BackupPaths.HomeStem("/srv/" + leaf);
                return stem.StartsWith("porter-home", StringComparison.Ordinal) && stem.Length <= "porter-home-".Length + 64
                    && stem.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_' || c == '.') && !stem.EndsWith("-", StringComparison.Ordinal);
            }, iter: 2000, seed: "0N0XIzNsQ0O2");
        }

        [Fact]
        public void PlanArchivePath_ZipName_UsedAsFile()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            string file = Path.Combine(outDir.Path, "new", "b.zip");
            Assert.Equal(file, HomeBackup.PlanArchivePath(home.Path, file, "/", false, Now));
        }

        [Fact]
        public void PlanArchivePath_InsideHome_DestinationInsideHome()
        {
            using var home = new TempHome();
            var ex = Assert.Throws<PorterStorageException>(() => HomeBackup.PlanArchivePath(home.Path, home.P("backups"), "/", false, Now));
            Assert.Equal(ErrorIds.DestinationInsideHome, ex.ErrorId);
            Assert.Equal(ErrorIds.DestinationInsideHome,
                Assert.Throws<PorterStorageException>(() => HomeBackup.PlanArchivePath(home.Path, null, home.Path, false, Now)).ErrorId);
        }

        [Fact]
        public void PlanArchivePath_ThroughALinkIntoTheHome_DestinationInsideHome()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            home.Mkdir("cache");
            Directory.CreateSymbolicLink(outDir.P("into-home"), home.P("cache"));
            var ex = Assert.Throws<PorterStorageException>(() => HomeBackup.PlanArchivePath(home.Path, outDir.P("into-home/deeper"), "/", false, Now));
            Assert.Equal(ErrorIds.DestinationInsideHome, ex.ErrorId);
        }

        [Fact]
        public void PlanArchivePath_BindMountOfTheHome_DestinationInsideHome()
        {
            if (UnixFiles.EffectiveUser != 0)
            {
                return; // mount --bind needs root
            }
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            string mount = outDir.Mkdir("mnt");
            Assert.Equal(0, Run("mount", "--bind", home.Path, mount));
            try
            {
                foreach (string destination in new[] { mount, Path.Combine(mount, "cache"), Path.Combine(mount, "new/folder") })
                {
                    var ex = Assert.Throws<PorterStorageException>(() => HomeBackup.PlanArchivePath(home.Path, destination, "/", false, Now));
                    Assert.Equal(ErrorIds.DestinationInsideHome, ex.ErrorId);
                }
                // and the other way round: the home named by its mount, the destination by its own path
                Assert.Equal(ErrorIds.DestinationInsideHome,
                    Assert.Throws<PorterStorageException>(() => HomeBackup.PlanArchivePath(mount, home.P("cache"), "/", false, Now)).ErrorId);
                Assert.False(Directory.Exists(home.P("new")));
            }
            finally
            {
                Run("umount", mount);
            }
        }

        private static int Run(string file, params string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }
            using var p = System.Diagnostics.Process.Start(psi)!;
            p.WaitForExit();
            return p.ExitCode;
        }

        [Fact]
        public void PlanArchivePath_SiblingWithCommonPrefix_Allowed()
        {
            using var home = new TempHome();
            string sibling = home.Path + "-backups";
            Assert.StartsWith(sibling, HomeBackup.PlanArchivePath(home.Path, sibling, "/", false, Now));
        }

        [Fact]
        public void PlanArchivePath_Existing_BackupExistsUnlessForce()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            string file = outDir.Write("a.zip", "x");
            Assert.Equal(ErrorIds.BackupExists, Assert.Throws<PorterStorageException>(() => HomeBackup.PlanArchivePath(home.Path, file, "/", false, Now)).ErrorId);
            Assert.Equal(file, HomeBackup.PlanArchivePath(home.Path, file, "/", true, Now));
        }

        [Fact]
        public void PlanArchivePath_DefaultNameTaken_NumberedNotOverwritten()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            string stem = BackupPaths.HomeStem(home.Path);
            outDir.Write(stem + "-20260102-030405.tar.gz", "x");
            outDir.Write(stem + "-20260102-030405-2.tar.gz", "x");
            Assert.Equal(outDir.P(stem + "-20260102-030405-3.tar.gz"), HomeBackup.PlanArchivePath(home.Path, outDir.Path, "/", false, Now));
        }

        [Theory]
        [InlineData("b.tar.gz", ArchiveFormat.TarGzip)]
        [InlineData("b.TGZ", ArchiveFormat.TarGzip)]
        [InlineData("b.zip", ArchiveFormat.Zip)]
        public void PlanArchivePath_ArchiveName_UsedAsFile_InTheFormatItNames(string name, ArchiveFormat format)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            string file = Path.Combine(outDir.Path, "new", name);
            Assert.Equal(file, HomeBackup.PlanArchivePath(home.Path, file, "/", false, Now));
            Assert.Equal(format, ArchiveFormats.ForName(file));
            Sample(home);
            PorterBackup b = HomeBackup.Create(home.Path, file, false, false, null, null, CancellationToken.None);
            Assert.True(b.Verified);
            byte[] head = File.ReadAllBytes(file).Take(2).ToArray();
            Assert.Equal(format == ArchiveFormat.Zip ? new byte[] { (byte)'P', (byte)'K' } : new byte[] { 0x1F, 0x8B }, head);
        }

        [Fact]
        public void PlanArchivePath_MissingHome_HomeNotFound()
        {
            Assert.Equal(ErrorIds.HomeNotFound,
                Assert.Throws<PorterStorageException>(() => HomeBackup.PlanArchivePath("/nonexistent/h", "/tmp", "/", false, Now)).ErrorId);
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Create_ManifestRecordsEveryFileWithHashModeAndTime(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            File.SetLastWriteTimeUtc(home.P("claims/mybun.json"), new DateTime(2019, 11, 7, 12, 1, 44, 719, DateTimeKind.Utc).AddTicks(1234));
            PorterBackup b = Backup(home, outDir, ext: ext);
            Assert.True(b.Verified);
            Assert.Equal(5, b.FileCount);
            BackupManifest m = BackupVerifier.ReadManifest(b.Path);
            Assert.Equal(home.Path, m.Source);
            BackupEntry claim = m.Entries.Single(e => e.Path == "claims/mybun.json");
            byte[] content = File.ReadAllBytes(home.P("claims/mybun.json"));
            Assert.Equal(content.Length, claim.Size);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(), claim.Sha256);
            Assert.Equal(0x1A4, claim.Mode);
            Assert.Equal(new DateTime(2019, 11, 7, 12, 1, 44, 719, DateTimeKind.Utc).AddTicks(1234), claim.ModifiedUtc);
            Assert.Contains(m.Entries, e => e.Path == "cache/empty" && e.Type == BackupEntryType.Directory);
            Assert.Equal(0x1ED, m.Entries.Single(e => e.Path == "plugins/azure/azure").Mode);
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Create_ArchiveIs0600AndShaMatchesFile(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            PorterBackup b = Backup(home, outDir, ext: ext);
            Assert.Equal(0x180, UnixPermissions.TryGetMode(b.Path));
            Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(b.Path))).ToLowerInvariant(), b.Sha256);
            Assert.Equal(new FileInfo(b.Path).Length, b.ArchiveBytes);
            Assert.Single(Directory.GetFiles(outDir.Path));
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Create_DataOnly_KeepsDataFoldersConfigSchemaAndLogs(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            home.Write("schema.json", "{}");
            PorterBackup b = Backup(home, outDir, ext: ext, dataOnly: true);
            var paths = BackupVerifier.ReadManifest(b.Path).Entries.Where(e => e.Type == BackupEntryType.File).Select(e => e.Path).OrderBy(p => p, StringComparer.Ordinal);
            Assert.Equal(new[] { "20200825143015-migrate.log", "claims/mybun.json", "config.toml", "credentials/mybun.json", "schema.json" }, paths);
            Assert.True(b.DataOnly);
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Create_SymbolicLink_RecordedNotFollowed(string ext)
        {
            using var home = new TempHome();
            using var outside = new TempHome();
            using var outDir = new TempHome();
            outside.Write("secret/data.txt", "outside");
            home.Write("claims/a.json", "{}");
            File.CreateSymbolicLink(home.P("escape"), outside.P("secret"));
            File.CreateSymbolicLink(home.P("claims/b.json"), "a.json");
            PorterBackup b = Backup(home, outDir, ext: ext);
            BackupManifest m = BackupVerifier.ReadManifest(b.Path);
            Assert.Equal(outside.P("secret"), m.Entries.Single(e => e.Path == "escape").LinkTarget);
            Assert.Equal(BackupEntryType.SymbolicLink, m.Entries.Single(e => e.Path == "claims/b.json").Type);
            Assert.DoesNotContain(m.Entries, e => e.Path.StartsWith("escape/", StringComparison.Ordinal));
            Assert.Equal(1, b.FileCount);
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Create_UnreadableFile_ReportedNamedAndNotVerified(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            string victim = home.P("credentials/mybun.json");
            var errors = new List<PorterStorageException>();
            PorterBackup b = Backup(home, outDir, ext: ext, errors: errors, reader: p => p == victim ? throw new UnauthorizedAccessException("denied") : File.ReadAllBytes(p));
            Assert.False(b.Verified);
            PorterStorageException e = Assert.Single(errors);
            Assert.Equal(ErrorIds.AccessDenied, e.ErrorId); // the cause is named (issue 11, class 5)
            Assert.Equal(victim, e.Target);
            Assert.Equal("credentials/mybun.json", Assert.Single(b.Skipped).Path);
            Assert.False(BackupVerifier.Verify(b.Path, null, null, CancellationToken.None).IsValid);
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Create_FileChangingOnEveryRead_FileChangedDuringBackup(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            string victim = home.P("claims/mybun.json");
            var errors = new List<PorterStorageException>();
            int stamp = 0;
            PorterBackup b = Backup(home, outDir, ext: ext, errors: errors, reader: p =>
            {
                byte[] bytes = File.ReadAllBytes(p);
                if (p == victim)
                {
                    File.SetLastWriteTimeUtc(p, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(++stamp));
                }
                return bytes;
            });
            Assert.Equal(ErrorIds.FileChangedDuringBackup, Assert.Single(errors).ErrorId);
            Assert.False(b.Verified);
            Assert.Equal(3, stamp);
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Create_FileChangingOnce_ReadAgainAndRecordedAsItNowIs(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            string victim = home.Write("claims/a.json", "old");
            bool changed = false;
            PorterBackup b = Backup(home, outDir, ext: ext, reader: p =>
            {
                byte[] bytes = File.ReadAllBytes(p);
                if (!changed)
                {
                    changed = true;
                    File.WriteAllText(p, "newer");
                    File.SetLastWriteTimeUtc(p, DateTime.UtcNow.AddMinutes(1));
                }
                return bytes;
            });
            Assert.True(b.Verified);
            Assert.Equal(5, BackupVerifier.ReadManifest(b.Path).Entries.Single(e => e.Path == "claims/a.json").Size);
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Create_LargeFileStreamed_RoundTrips(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            using var restored = new TempHome();
            var data = new byte[HomeBackup.StableReadLimit + 12345];
            new Random(7).NextBytes(data);
            home.WriteBytes("outputs/r/r-big", data);
            PorterBackup b = Backup(home, outDir, ext: ext);
            Assert.True(b.Verified);
            RestorePlan plan = HomeRestore.Plan(b.Path, b.Sha256, restored.P("h"), "/", false, null, CancellationToken.None);
            HomeRestore.Execute(plan, null, CancellationToken.None);
            Assert.Equal(data, File.ReadAllBytes(restored.P("h/outputs/r/r-big")));
        }

        [Fact]
        public void Create_Cancelled_LeavesNoFile()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            var cts = new CancellationTokenSource();
            cts.Cancel();
            string archive = HomeBackup.PlanArchivePath(home.Path, outDir.Path, "/", false, Now);
            Assert.ThrowsAny<OperationCanceledException>(() => HomeBackup.Create(home.Path, archive, false, false, null, null, cts.Token));
            Assert.Empty(Directory.GetFileSystemEntries(outDir.Path));
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Restore_RoundTrip_SameBytesModesAndTimes(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            using var target = new TempHome();
            Sample(home);
            File.CreateSymbolicLink(home.P("claims/link.json"), "mybun.json");
            DateTime t = new DateTime(2019, 11, 7, 12, 1, 44, DateTimeKind.Utc).AddTicks(7);
            File.SetLastWriteTimeUtc(home.P("claims/mybun.json"), t);
            PorterBackup b = Backup(home, outDir, ext: ext);
            string dest = target.P("restored");
            PorterRestoreResult r = HomeRestore.Execute(HomeRestore.Plan(b.Path, b.Sha256, dest, "/", false, null, CancellationToken.None), null, CancellationToken.None);
            Assert.Equal(dest, r.Destination);
            foreach (string file in Directory.GetFiles(home.Path, "*", SearchOption.AllDirectories))
            {
                string rel = Path.GetRelativePath(home.Path, file);
                string copy = Path.Combine(dest, rel);
                Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(copy));
                Assert.Equal(UnixPermissions.TryGetMode(file), UnixPermissions.TryGetMode(copy));
            }
            Assert.Equal(t, File.GetLastWriteTimeUtc(Path.Combine(dest, "claims/mybun.json")));
            Assert.Equal("mybun.json", new FileInfo(Path.Combine(dest, "claims/link.json")).LinkTarget);
            Assert.True(Directory.Exists(Path.Combine(dest, "cache/empty")));
            Assert.Empty(Directory.GetDirectories(target.Path, "*.restoring-*"));
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Restore_DefaultDestination_IsRecordedHome(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            PorterBackup b = Backup(home, outDir, ext: ext);
            Directory.Delete(home.Path, true);
            RestorePlan plan = HomeRestore.Plan(b.Path, null, null, "/", false, null, CancellationToken.None);
            Assert.Equal(home.Path, plan.Destination);
            Assert.False(plan.MoveAside);
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Restore_NonEmptyDestination_RefusedThenMovedAsideWithForce(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            PorterBackup b = Backup(home, outDir, ext: ext);
            home.Write("claims/added-later.json", "{}");
            Assert.Equal(ErrorIds.DestinationNotEmpty,
                Assert.Throws<PorterStorageException>(() => HomeRestore.Plan(b.Path, null, null, "/", false, null, CancellationToken.None)).ErrorId);
            PorterRestoreResult r = HomeRestore.Execute(HomeRestore.Plan(b.Path, null, null, "/", true, null, CancellationToken.None), null, CancellationToken.None);
            Assert.NotNull(r.MovedAside);
            Assert.StartsWith(home.Path + ".before-restore-", r.MovedAside);
            Assert.True(File.Exists(Path.Combine(r.MovedAside!, "claims/added-later.json")));
            Assert.False(File.Exists(home.P("claims/added-later.json")));
            Directory.Delete(r.MovedAside!, true);
        }

        [Theory]
        [InlineData(".tar.gz")]
        [InlineData(".zip")]
        public void Verify_FlippedByte_Mismatch(string ext)
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            PorterBackup b = Backup(home, outDir, ext: ext);
            byte[] bytes = File.ReadAllBytes(b.Path);
            byte[] name = Encoding.UTF8.GetBytes("home/claims/mybun.json");
            // inside the entry's compressed content (a zip names it in the clear; a tar.gz is one stream)
            int at = ext == ".zip" ? bytes.AsSpan().IndexOf(name) + name.Length + 40 : bytes.Length / 2;
            bytes[at] ^= 0x01;
            File.WriteAllBytes(b.Path, bytes);
            PorterBackupVerification v = BackupVerifier.Verify(b.Path, null, null, CancellationToken.None);
            Assert.False(v.IsValid);
            Assert.True(v.Mismatched.Count + v.Missing.Count > 0 || v.Problem != null);
            PorterBackupVerification withRecord = BackupVerifier.Verify(b.Path, b.Sha256, null, CancellationToken.None);
            Assert.Contains("SHA-256", withRecord.Problem);
            Assert.Equal(ErrorIds.BackupCorrupt,
                Assert.Throws<PorterStorageException>(() => HomeRestore.Plan(b.Path, null, outDir.P("r"), "/", false, null, CancellationToken.None)).ErrorId);
            Assert.False(Directory.Exists(outDir.P("r")));
        }

        [Fact]
        public void Verify_MissingAndExtraEntries_Named()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            PorterBackup b = Backup(home, outDir, ext: ".zip");
            using (ZipArchive zip = ZipFile.Open(b.Path, ZipArchiveMode.Update))
            {
                zip.GetEntry("home/config.toml")!.Delete();
                using var s = zip.CreateEntry("home/intruder").Open();
                s.WriteByte(1);
            }
            PorterBackupVerification v = BackupVerifier.Verify(b.Path, null, null, CancellationToken.None);
            Assert.Equal(new[] { "config.toml" }, v.Missing);
            Assert.Equal(new[] { "home/intruder" }, v.Extra);
        }

        [Fact]
        public void Verify_NotAZip_ProblemNotException()
        {
            using var outDir = new TempHome();
            string file = outDir.Write("x.zip", "not a zip");
            PorterBackupVerification v = BackupVerifier.Verify(file, null, null, CancellationToken.None);
            Assert.False(v.IsValid);
            Assert.NotNull(v.Problem);
        }

        [Fact]
        public void Verify_MissingFile_BackupNotFound()
        {
            Assert.Equal(ErrorIds.BackupNotFound,
                Assert.Throws<PorterStorageException>(() => BackupVerifier.Verify("/nonexistent/x.zip", null, null, CancellationToken.None)).ErrorId);
        }

        public static IEnumerable<object[]> UnsafeManifests() => new[]
        {
            new object[] { "../evil", "file", null! },
            new object[] { "/etc/evil", "file", null! },
            new object[] { "a/../../evil", "file", null! },
            new object[] { "a\\..\\evil", "file", null! },
            new object[] { "C:/evil", "file", null! },
        };

        [Theory]
        [InlineData("link", "/etc")]
        [InlineData("a/link", "../../etc")]
        public void Restore_LinkPointingOutside_RestoredAsALinkNothingWrittenThroughIt(string path, string target)
        {
            using var outDir = new TempHome();
            string archive = CraftArchive(outDir, new[] { (path, "symlink", (string?)target), ("keep.txt", "file", (string?)null) });
            RestorePlan plan = HomeRestore.Plan(archive, null, outDir.P("dest"), "/", false, null, CancellationToken.None);
            HomeRestore.Execute(plan, null, CancellationToken.None);
            Assert.Equal(target, new FileInfo(outDir.P("dest/" + path)).LinkTarget);
            Assert.True(File.Exists(outDir.P("dest/keep.txt")));
        }

        [Theory]
        [MemberData(nameof(UnsafeManifests))]
        public void Restore_EntryEscapingDestination_UnsafeArchiveEntryAndNothingWritten(string path, string type, string? target)
        {
            using var outDir = new TempHome();
            string archive = CraftArchive(outDir, new[] { (path, type, target) });
            var ex = Assert.Throws<PorterStorageException>(() => HomeRestore.Plan(archive, null, outDir.P("dest"), "/", false, null, CancellationToken.None));
            Assert.Equal(ErrorIds.UnsafeArchiveEntry, ex.ErrorId);
            Assert.Equal(path, ex.Target);
            Assert.False(Directory.Exists(outDir.P("dest")));
        }

        [Fact]
        public void Restore_FileBehindLink_UnsafeArchiveEntry()
        {
            using var outDir = new TempHome();
            string archive = CraftArchive(outDir, new[] { ("dir", "symlink", "other"), ("dir/file", "file", (string?)null) });
            Assert.Equal(ErrorIds.UnsafeArchiveEntry,
                Assert.Throws<PorterStorageException>(() => HomeRestore.Plan(archive, null, outDir.P("dest"), "/", false, null, CancellationToken.None)).ErrorId);
        }

        [Theory]
        [InlineData("a/b/link", "../c", true)]
        [InlineData("a/b/link", "../../c", true)]
        [InlineData("a/b/link", "../../../c", false)]
        [InlineData("link", "./x/../y", true)]
        [InlineData("link", "x/../../y", false)]
        public void IsSafeLinkTarget_CountsDepth(string link, string target, bool safe)
        {
            Assert.Equal(safe, ArchivePaths.IsSafeLinkTarget(link, target));
        }

        /// <summary>A well-formed archive (valid manifest and hashes) whose entries are hostile.</summary>
        [Fact]
        public void Create_WhileAMigrationHoldsTheLock_MigrationInProgress_NothingWritten()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            home.Mkdir(".porterstorage");
            using (new FileStream(home.P(".porterstorage/lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            {
                Assert.True(FileSystemMigrationStore.IsMigrating(home.Path));
                var ex = Assert.Throws<PorterStorageException>(() => Backup(home, outDir));
                Assert.Equal(ErrorIds.MigrationInProgress, ex.ErrorId);
                Assert.Equal(home.Path, ex.Target);
            }
            Assert.Empty(Directory.EnumerateFileSystemEntries(outDir.Path));
            Assert.True(Backup(home, outDir).Verified);
        }

        [Fact]
        public void Create_AMigrationRanMeanwhile_MigrationInProgress_NothingWritten()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            home.Write(".porterstorage/journal.log", "");
            bool once = false;
            // a migration commits (its journal grows) while the backup reads the home's files
            byte[] Reader(string path)
            {
                if (!once)
                {
                    once = true;
                    File.AppendAllText(home.P(".porterstorage/journal.log"), "{\"op\":\"commit\"}\n");
                }
                return File.ReadAllBytes(path);
            }
            var ex = Assert.Throws<PorterStorageException>(() => Backup(home, outDir, reader: Reader));
            Assert.Equal(ErrorIds.MigrationInProgress, ex.ErrorId);
            Assert.Empty(Directory.EnumerateFileSystemEntries(outDir.Path));
        }

        private static void ChownTree(string root, uint uid, uint gid)
        {
            Assert.True(UnixFiles.TryChangeOwner(root, uid, gid));
            foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                Assert.True(UnixFiles.TryChangeOwner(path, uid, gid));
            }
        }

        private static List<(string Path, uint Owner, uint Group)> Owners(string root) =>
            new[] { root }.Concat(Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
                .Select(p => (p, UnixFiles.Lstat(p)!.Value.Owner, UnixFiles.Lstat(p)!.Value.Group)).ToList();

        [Fact]
        public void Restore_AsRoot_GivesEveryItemTheOwnerTheBackupRecorded_NeverThroughALink()
        {
            if (!UnixFiles.MayChangeOwners)
            {
                return;
            }
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            string outside = outDir.Write("outside.txt", "not the home's");
            File.CreateSymbolicLink(home.P("cache/escape"), outside);
            ChownTree(home.Path, 1000, 1001);
            PorterBackup b = Backup(home, outDir);
            Assert.True(b.Verified);
            BackupManifest manifest = BackupVerifier.ReadManifest(b.Path);
            Assert.All(manifest.Entries, e => Assert.True(e.Owner == 1000 && e.Group == 1001, e.Path));
            Assert.Equal((1000u, 1001u), manifest.RootOwner);

            string dest = outDir.P("restored");
            RestorePlan plan = HomeRestore.Plan(b.Path, b.Sha256, dest, "/", false, null, CancellationToken.None);
            PorterRestoreResult r = HomeRestore.Execute(plan, null, CancellationToken.None);
            Assert.Empty(r.OwnersNotSet);
            Assert.All(Owners(dest), o => Assert.True(o.Owner == 1000 && o.Group == 1001, o.Path));
            Assert.Equal(outside, new FileInfo(Path.Combine(dest, "cache/escape")).LinkTarget);
            Assert.Equal(0u, UnixFiles.Lstat(outside)!.Value.Owner);

            // the tar headers carry the numeric owner too (GNU tar restores it as root)
            var psi = new System.Diagnostics.ProcessStartInfo("tar", $"--numeric-owner -tvzf {b.Path}") { RedirectStandardOutput = true };
            using var tar = System.Diagnostics.Process.Start(psi)!;
            string listing = tar.StandardOutput.ReadToEnd();
            tar.WaitForExit();
            Assert.Contains("1000/1001", listing);
        }

        [Fact]
        public void Restore_AsRoot_ArchiveWithoutOwners_ItemsTakeTheOwnerOfTheDestinationsParent()
        {
            if (!UnixFiles.MayChangeOwners)
            {
                return;
            }
            using var dir = new TempHome();
            string archive = CraftArchive(dir, new (string, string, string?)[] { ("claims/a.json", "file", null), ("claims/link", "symlink", "a.json") });
            string parent = dir.Mkdir("users-homes");
            Assert.True(UnixFiles.TryChangeOwner(parent, 1000, 1000));
            string dest = Path.Combine(parent, "porter");
            PorterRestoreResult r = HomeRestore.Execute(HomeRestore.Plan(archive, null, dest, "/", false, null, CancellationToken.None), null, CancellationToken.None);
            Assert.Empty(r.OwnersNotSet);
            Assert.All(Owners(dest), o => Assert.True(o.Owner == 1000 && o.Group == 1000, o.Path));
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int open(byte[] path, int flags, int mode);

        [DllImport("libc", SetLastError = true)]
        private static extern int close(int fd);

        /// <summary>Creates a file whose name holds the byte 0xFF (no UTF-8), by its bytes.</summary>
        private static void CreateRawName(string folder, byte[] name)
        {
            byte[] path = Encoding.UTF8.GetBytes(folder + "/").Concat(name).Concat(new byte[] { 0 }).ToArray();
            int fd = open(path, 0x41 /* O_WRONLY | O_CREAT */, 0x180);
            Assert.True(fd >= 0);
            close(fd);
        }

        [Fact]
        public void Backup_NameNotUtf8_FileNameNotUtf8_NeverALink_AndThePlanSaysSo()
        {
            if (!UnixFiles.Supported)
            {
                return;
            }
            using var home = new TempHome();
            using var outDir = new TempHome();
            Sample(home);
            CreateRawName(home.P("claims"), new byte[] { 0xFF, (byte)'.', (byte)'j', (byte)'s', (byte)'o', (byte)'n' });
            var errors = new List<PorterStorageException>();
            PorterBackup b = Backup(home, outDir, errors: errors);
            Assert.False(b.Verified);
            PorterStorageException e = Assert.Single(errors);
            Assert.Equal(ErrorIds.FileNameNotUtf8, e.ErrorId);
            Assert.Equal(ErrorIds.FileNameNotUtf8, Assert.Single(b.Skipped).ErrorId);
            var plan = MigrationEngine.Plan(new FileSystemMigrationStore(home.Path));
            Assert.DoesNotContain(plan.Items, i => i.ErrorId == ErrorIds.DataFileIsLink);
            Assert.Contains(plan.Items, i => i.ErrorId == ErrorIds.FileNameNotUtf8);
            Run("rm", "-rf", home.Path); // .NET cannot remove a name it cannot spell
        }

        private static string CraftArchive(TempHome dir, IEnumerable<(string Path, string Type, string? Target)> items)
        {
            string archive = dir.P("crafted.zip");
            var entries = new List<BackupEntry>();
            using (ZipArchive zip = ZipFile.Open(archive, ZipArchiveMode.Create))
            {
                foreach (var (path, type, target) in items)
                {
                    if (type == "file")
                    {
                        byte[] content = Encoding.UTF8.GetBytes("x");
                        using (Stream s = zip.CreateEntry(BackupManifest.ArchiveName(path)).Open())
                        {
                            s.Write(content);
                        }
                        entries.Add(new BackupEntry(path, BackupEntryType.File, 1, Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(), 0x180, DateTime.UtcNow, null));
                    }
                    else
                    {
                        entries.Add(new BackupEntry(path, BackupEntryType.SymbolicLink, 0, null, null, DateTime.UtcNow, target));
                    }
                }
                var manifest = new BackupManifest("home", DateTime.UtcNow, "/tmp/h", false, "test", entries, Array.Empty<BackupSkippedItem>());
                using Stream ms = zip.CreateEntry(BackupManifest.ManifestEntryName).Open();
                manifest.WriteTo(ms);
            }
            return archive;
        }
    }
}
