using System.IO;
using System.Linq;
using System.Threading;
using PorterStorage.Core.Backup;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Migration;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>A backup vouches only for the bytes it holds: what was added or changed after it is never deleted or overwritten.</summary>
    public class BackupEvidenceTests
    {
        private static string Claim(string installation) => Corpus.HostileHomes.Claim(installation);

        private static PorterMigrationResult RunWithEvidence(TempHome home, PorterBackup backup) =>
            MigrationEngine.Run(new FileSystemMigrationStore(home.Path), new MigrationOptions
            {
                Backup = backup,
                Evidence = BackupVerifier.RequireBackupOf(backup, Path.GetFullPath(home.Path).TrimEnd('/'), "Home", CancellationToken.None),
            });

        private static PorterBackup Backup(TempHome home, TempHome backups) =>
            HomeBackup.Create(home.Path, backups.P("home.zip"), false, false, null, null, CancellationToken.None);

        [Fact]
        public void Run_ClaimAddedAfterTheBackup_BackupRequiredNamingIt_KeptByteForByte_OthersMigrated()
        {
            using var home = new TempHome();
            using var backups = new TempHome();
            home.Write("claims/good.json", Claim("good"));
            PorterBackup backup = Backup(home, backups);
            Assert.True(backup.Verified);
            string late = home.Write("claims/late.json", Claim("late"));
            byte[] lateBytes = File.ReadAllBytes(late);

            PorterMigrationResult r = RunWithEvidence(home, backup);

            MigrationError refusal = Assert.Single(r.Errors, e => e.ErrorId == ErrorIds.BackupRequired);
            Assert.Contains("late.json", refusal.Target);
            Assert.Contains("added after the backup", refusal.Message);
            Assert.Equal(lateBytes, File.ReadAllBytes(late));
            Assert.False(Directory.Exists(home.P("claims/late")));
            Assert.False(File.Exists(home.P("claims/good.json")));
            Assert.True(File.Exists(home.P("installations/good")));
            Assert.False(File.Exists(home.P("schema.json")));
        }

        [Fact]
        public void Run_ParameterSetChangedAfterTheBackup_NotOverwritten()
        {
            using var home = new TempHome();
            using var backups = new TempHome();
            string set = home.Write("parameters/p.json", "{\"name\":\"p\",\"parameters\":[]}");
            PorterBackup backup = Backup(home, backups);
            File.WriteAllText(set, "{\"name\":\"p\",\"parameters\":[{\"name\":\"x\",\"source\":{\"value\":\"changed\"}}]}");
            byte[] changed = File.ReadAllBytes(set);

            PorterMigrationResult r = RunWithEvidence(home, backup);

            MigrationError refusal = Assert.Single(r.Errors);
            Assert.Equal(ErrorIds.BackupRequired, refusal.ErrorId);
            Assert.Contains("changed since the backup", refusal.Message);
            Assert.Equal(changed, File.ReadAllBytes(set));
        }

        [Fact]
        public void Run_EverythingInTheBackup_Migrates()
        {
            using var home = new TempHome();
            using var backups = new TempHome();
            home.Write("claims/good.json", Claim("good"));
            home.Write("parameters/p.json", "{\"name\":\"p\",\"parameters\":[]}");
            home.Write("credentials/c.yaml", "name: c\ncredentials:\n- name: a\n  source:\n    env: A\n");
            PorterBackup backup = Backup(home, backups);

            PorterMigrationResult r = RunWithEvidence(home, backup);

            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Assert.True(File.Exists(home.P("credentials/c.yaml.migrated")));
        }

        [Fact]
        public void Verify_ManifestUnreadable_BackupCorruptSaidOnce()
        {
            using var dir = new TempHome();
            string archive = dir.P("bad.zip");
            using (var zip = System.IO.Compression.ZipFile.Open(archive, System.IO.Compression.ZipArchiveMode.Create))
            {
                using var w = new StreamWriter(zip.CreateEntry(BackupManifest.ManifestEntryName).Open());
                w.Write("{ not json");
            }
            PorterBackupVerification v = BackupVerifier.Verify(archive, null, null, CancellationToken.None);
            Assert.False(v.IsValid);
            PorterStorageException ex = v.ToException()!;
            Assert.Equal(ErrorIds.BackupCorrupt, ex.ErrorId);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(ex.Message, "is not intact"));
        }
    }
}
