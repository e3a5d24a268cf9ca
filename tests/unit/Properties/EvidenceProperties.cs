using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using CsCheck;
using PorterStorage.Tests.Stores;
using Xunit;

namespace PorterStorage.Tests.Properties
{
    /// <summary>
    /// A backup made just before the run vouches for everything the run touches: over generated homes (several legacy claims of
    /// one installation, sets saved under another file name), a migration through <see cref="MigrationSession"/> with a fresh
    /// backup refuses nothing a run without a backup check does, in a folder and in memory. What the run wrote itself is vouched
    /// for by the run, not by the backup.
    /// </summary>
    public class EvidenceProperties
    {
        private static int Iterations =>
            int.TryParse(Environment.GetEnvironmentVariable("PORTERSTORAGE_PROPERTY_ITER"), out int n) && n > 0 ? Math.Max(1, n / 4) : 60;

        /// <summary>A home's files, by store path.</summary>
        private static readonly Gen<SortedDictionary<string, string>> Homes =
            from claims in LegacyGen.LegacyClaimOf(Gen.OneOf("alpha", "beta", "alpha")).Array[1, 4]
            from parameterSets in LegacyGen.ParameterSet.Array[0, 2]
            from credentialSets in LegacyGen.CredentialSet.Array[0, 2]
            from renamed in Gen.Bool.Array[2]
            select MakeHome(claims, parameterSets, credentialSets, renamed);

        private static SortedDictionary<string, string> MakeHome(LegacyGen.Claim[] claims, string[] parameterSets, string[] credentialSets, bool[] renamed)
        {
            var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < claims.Length; i++)
            {
                files[$"claims/claim{i}.json"] = claims[i].Text;
            }
            foreach (string set in parameterSets)
            {
                files[$"parameters/{Name(set)}.json"] = set;
            }
            for (int i = 0; i < credentialSets.Length; i++)
            {
                // A credential set saved under another file name is saved under its name, the old file removed.
                files[$"credentials/{(renamed[i] ? "file" + i : Name(credentialSets[i]))}.json"] = credentialSets[i];
            }
            return files;
        }

        private static string Name(string setText) => System.Text.RegularExpressions.Regex.Match(setText, "\"name\":\"([^\"]*)\"").Groups[1].Value;

        [Fact]
        public void Session_FreshBackup_RefusesNothingARunWithoutTheBackupCheckDoes()
        {
            Homes.Sample(CheckHome, iter: Iterations, threads: 1, seed: MigrationInvariantProperties.Seed);
        }

        private static void CheckHome(SortedDictionary<string, string> files)
        {
            using var plain = new TempHome();
            using var home = new TempHome();
            using var backups = new TempHome();
            foreach (KeyValuePair<string, string> f in files)
            {
                plain.Write(f.Key, f.Value);
                home.Write(f.Key, f.Value);
            }
            PorterBackup backup = HomeBackup.Create(home.Path, backups.P("home.zip"), false, false, null, null, CancellationToken.None);
            Assert.True(backup.Verified);
            var memory = new InMemoryMigrationStore(Path.GetFullPath(home.Path).TrimEnd('/'));
            foreach (KeyValuePair<string, string> f in files)
            {
                memory.Put(f.Key, Encoding.UTF8.GetBytes(f.Value));
            }

            PorterMigrationResult expected = Migrations.Run(new FileSystemMigrationStore(plain.Path));
            foreach (IMigrationStore store in new IMigrationStore[] { new FileSystemMigrationStore(home.Path), memory })
            {
                PorterMigrationResult r = MigrationSession.Run(new MigrationRequest(store) { Backup = backup })!;
                Assert.DoesNotContain(r.Errors, e => e.ErrorId == ErrorIds.BackupRequired);
                Assert.Equal(Ids(expected), Ids(r));
                Assert.Equal(expected.SchemaWritten, r.SchemaWritten);
                Assert.Equal(expected.Migrated, r.Migrated);
            }
        }

        private static IEnumerable<string> Ids(PorterMigrationResult r) => r.Errors.Select(e => e.ErrorId).OrderBy(x => x, StringComparer.Ordinal).ToList();
    }
}
