using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>A backup vouches only for the bytes it holds: what was added or changed after it is never deleted or overwritten.</summary>
    public class BackupEvidenceTests
    {
        private static string Claim(string installation) => Corpus.HostileHomes.Claim(installation);

        private static PorterMigrationResult RunWithEvidence(TempHome home, PorterBackup backup) =>
            Migrations.Run(new FileSystemMigrationStore(home.Path), r =>
            {
                r.SkipBackupCheck = false;
                r.Backup = backup;
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

        /// <summary>Two legacy files naming one installation: the newer upgrade and an older second install of it.</summary>
        private static readonly (string Path, string Text)[] TwoClaimsOfOneInstallation =
        {
            ("claims/alpha.json", Claim("alpha")),
            ("claims/alpha-old.json", Corpus.HostileHomes.Claim("alpha", action: "install").Replace("2019-11-0", "2019-10-0")),
        };

        private static MigrationRequest Request(IMigrationStore store, PorterBackup backup, System.Action<string>? onLog = null) =>
            new MigrationRequest(store) { Backup = backup, OnLog = onLog };

        /// <summary>The folder store, or a store in memory holding the same documents and known by the home's path (so the backup is its own).</summary>
        public static TheoryData<bool> BothStores => new TheoryData<bool> { false, true };

        /// <summary>A home holding <paramref name="files"/>, its fresh backup, and the store to migrate.</summary>
        private static IMigrationStore BackedUpStore(TempHome home, TempHome backups, bool inMemory, (string Path, string Text)[] files, out PorterBackup backup)
        {
            foreach ((string path, string text) in files)
            {
                home.Write(path, text);
            }
            backup = Backup(home, backups);
            return StoreOf(home, inMemory);
        }

        private static IMigrationStore StoreOf(TempHome home, bool inMemory)
        {
            if (!inMemory)
            {
                return new FileSystemMigrationStore(home.Path);
            }
            var store = new Stores.InMemoryMigrationStore(Path.GetFullPath(home.Path).TrimEnd('/'));
            foreach (string file in Directory.EnumerateFiles(home.Path, "*", SearchOption.AllDirectories))
            {
                store.Put(Path.GetRelativePath(home.Path, file).Replace('\\', '/'), File.ReadAllBytes(file));
            }
            return store;
        }

        [Theory]
        [MemberData(nameof(BothStores))]
        public void Session_TwoLegacyClaimsOfOneInstallation_TheIndexThisRunWroteIsVouchedForByTheRun(bool inMemory)
        {
            using var home = new TempHome();
            using var backups = new TempHome();
            IMigrationStore store = BackedUpStore(home, backups, inMemory, TwoClaimsOfOneInstallation, out PorterBackup backup);

            PorterMigrationResult r = MigrationSession.Run(Request(store, backup))!;

            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Assert.True(r.SchemaWritten);
            Assert.False(store.Exists("claims/alpha.json") || store.Exists("claims/alpha-old.json"));
            Assert.True(store.Exists("installations/alpha"));
            Assert.Equal(2, r.Installations.Count(i => i.Outcome == MigrationOutcome.Migrated));
        }

        [Theory]
        [MemberData(nameof(BothStores))]
        public void Session_WhatThisRunWroteChangedBySomeoneElse_BackupRequiredNamingIt_LegacyKept(bool inMemory)
        {
            using var home = new TempHome();
            using var backups = new TempHome();
            IMigrationStore store = BackedUpStore(home, backups, inMemory, TwoClaimsOfOneInstallation, out PorterBackup backup);
            byte[] newer = System.Text.Encoding.UTF8.GetBytes(TwoClaimsOfOneInstallation[0].Text);
            // Someone else writes the index the run has just written, before the run's second claim of it overwrites it.
            void OnLog(string line)
            {
                if (line == " - Migrating claim alpha to the new schema...")
                {
                    if (store is Stores.InMemoryMigrationStore memory)
                    {
                        memory.Put("installations/alpha", "someone else");
                    }
                    else
                    {
                        File.WriteAllText(home.P("installations/alpha"), "someone else");
                    }
                }
            }

            PorterMigrationResult r = MigrationSession.Run(Request(store, backup, OnLog))!;

            MigrationError refusal = Assert.Single(r.Errors);
            Assert.Equal(ErrorIds.BackupRequired, refusal.ErrorId);
            Assert.EndsWith("installations/alpha", refusal.Target);
            Assert.Contains("changed since", refusal.Message);
            Assert.False(r.SchemaWritten);
            Assert.False(store.Exists("claims/alpha-old.json"));
            Assert.Equal(newer, store.ReadFile("claims/alpha.json"));
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
