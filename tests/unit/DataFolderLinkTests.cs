using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>A data folder that is a symbolic link: the migration refuses the home before any write; a backup of it is never verified.</summary>
    public class DataFolderLinkTests
    {
        private const string Testdata = "porter-v0.38.9/pkg/storage/testdata/";

        public static IEnumerable<object[]> Folders() => ItemTypes.DataFolders.Select(f => new object[] { f });

        /// <summary>A legacy home whose <paramref name="folder"/> is a link to a folder outside it holding the real data.</summary>
        private static void LinkedHome(TempHome home, TempHome outside, string folder)
        {
            home.CopyFixture(Testdata + "claims/has-name.json", "claims/has-name.json");
            home.CopyFixture(Testdata + "credentials/mybun.json", "credentials/mybun.json");
            home.CopyFixture(Testdata + "parameters/mybun.json", "parameters/mybun.json");
            string inside = home.P(folder);
            if (Directory.Exists(inside))
            {
                Directory.Move(inside, outside.P(folder));
            }
            else
            {
                outside.Mkdir(folder);
            }
            Directory.CreateSymbolicLink(inside, outside.P(folder));
        }

        private static Dictionary<string, byte[]> Snapshot(string root) =>
            Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        [Theory]
        [MemberData(nameof(Folders))]
        public void Run_LinkedDataFolder_DataFolderIsLinkBeforeAnyWrite(string folder)
        {
            using var home = new TempHome();
            using var outside = new TempHome();
            LinkedHome(home, outside, folder);
            Dictionary<string, byte[]> before = Snapshot(outside.Path);
            string[] homeBefore = Directory.EnumerateFileSystemEntries(home.Path, "*", SearchOption.TopDirectoryOnly).OrderBy(p => p).ToArray();

            var ex = Assert.Throws<PorterStorageException>(() => Migrations.Run(new FileSystemMigrationStore(home.Path)));
            Assert.Equal(ErrorIds.DataFolderIsLink, ex.ErrorId);
            Assert.Equal(home.P(folder), ex.Target);
            Assert.Contains(folder, ex.Message);

            Assert.Equal(homeBefore, Directory.EnumerateFileSystemEntries(home.Path, "*", SearchOption.TopDirectoryOnly).OrderBy(p => p).ToArray());
            Dictionary<string, byte[]> after = Snapshot(outside.Path);
            Assert.Equal(before.Keys.OrderBy(k => k), after.Keys.OrderBy(k => k));
            Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
            Assert.False(Directory.Exists(home.P(FileSystemMigrationStore.WorkFolderName)));
        }

        [Fact]
        public void Plan_LinkedClaims_DataFolderIsLink()
        {
            using var home = new TempHome();
            using var outside = new TempHome();
            LinkedHome(home, outside, ItemTypes.Claims);
            Assert.Equal(ErrorIds.DataFolderIsLink,
                Assert.Throws<PorterStorageException>(() => MigrationEngine.Plan(new FileSystemMigrationStore(home.Path))).ErrorId);
        }

        [Fact]
        public void Run_DanglingLinkedFolder_DataFolderIsLink()
        {
            using var home = new TempHome();
            home.CopyFixture(Testdata + "claims/has-name.json", "claims/has-name.json");
            Directory.CreateSymbolicLink(home.P("outputs"), home.P("../nowhere-" + Guid.NewGuid().ToString("N")));
            Assert.Equal(ErrorIds.DataFolderIsLink,
                Assert.Throws<PorterStorageException>(() => Migrations.Run(new FileSystemMigrationStore(home.Path))).ErrorId);
            Assert.True(File.Exists(home.P("claims/has-name.json")));
        }

        [Fact]
        public void Run_HomeRootIsALink_Migrates()
        {
            using var real = new TempHome();
            using var links = new TempHome();
            real.CopyFixture(Testdata + "claims/has-name.json", "claims/has-name.json");
            string linked = links.P("home");
            Directory.CreateSymbolicLink(linked, real.Path);
            PorterMigrationResult r = Migrations.Run(new FileSystemMigrationStore(linked));
            Assert.Empty(r.Errors);
            Assert.False(File.Exists(real.P("claims/has-name.json")));
            Assert.NotEmpty(Directory.EnumerateDirectories(real.P("claims")));
            Assert.Empty(DataFolderLinks.Find(linked));
        }

        [Theory]
        [MemberData(nameof(Folders))]
        public void Backup_LinkedDataFolder_NotVerifiedNamedAndNoEvidence(string folder)
        {
            using var home = new TempHome();
            using var outside = new TempHome();
            using var outDir = new TempHome();
            LinkedHome(home, outside, folder);
            var errors = new List<PorterStorageException>();
            string archive = HomeBackup.PlanArchivePath(home.Path, outDir.Path, outDir.Path, false, DateTime.Now);
            PorterBackup b = HomeBackup.Create(home.Path, archive, false, false, null, errors.Add, CancellationToken.None);

            Assert.False(b.Verified);
            Assert.Contains(b.Skipped, s => s.Path == folder && s.ErrorId == ErrorIds.DataFolderIsLink);
            Assert.Contains(errors, e => e.ErrorId == ErrorIds.DataFolderIsLink && e.Target == home.P(folder));
            PorterBackupVerification v = BackupVerifier.Verify(b.Path, b.Sha256, null, CancellationToken.None);
            Assert.False(v.IsValid);
            var ex = Assert.Throws<PorterStorageException>(() =>
                BackupVerifier.RequireBackupOf(b, Path.GetFullPath(home.Path).TrimEnd('/'), "Home", CancellationToken.None));
            Assert.Equal(ErrorIds.BackupRequired, ex.ErrorId);
        }

        [Fact]
        public void Backup_HomeRootIsALink_Verified()
        {
            using var real = new TempHome();
            using var links = new TempHome();
            using var outDir = new TempHome();
            real.CopyFixture(Testdata + "claims/has-name.json", "claims/has-name.json");
            string linked = links.P("home");
            Directory.CreateSymbolicLink(linked, real.Path);
            string archive = HomeBackup.PlanArchivePath(linked, outDir.Path, outDir.Path, false, DateTime.Now);
            PorterBackup b = HomeBackup.Create(linked, archive, false, false, null, null, CancellationToken.None);
            Assert.True(b.Verified);
            Assert.Equal(1, b.FileCount);
        }

        [Fact]
        public void Inspect_LinkedCredentials_ProblemNamed()
        {
            using var home = new TempHome();
            using var outside = new TempHome();
            LinkedHome(home, outside, ItemTypes.Credentials);
            PorterHome h = PorterHomeService.Inspect(home.Path, "Parameter", CancellationToken.None);
            Assert.Contains(h.Problems, p => p.Code == ProblemCodes.DataFolderIsLink && p.Path == home.P("credentials"));
        }
    }
}
