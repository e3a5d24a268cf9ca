using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using Xunit;

namespace PorterStorage.Tests.Corpus
{
    /// <summary>
    /// Hostile homes, one class of trouble each, beside a good installation and good sets that hold a planted secret.
    /// For every home: the named error is reported, the good items migrate (unless the home as a whole is refused),
    /// the hostile originals stay byte-identical, Test-PorterStorage's engine agrees with the run, a rerun changes
    /// nothing more, and the secret appears in no log line, error, warning, log file or backup manifest.
    /// </summary>
    public class HostileHomeCorpus
    {
        /// <summary>A planted secret: a parameter value and a credential value in every home.</summary>
        public const string Secret = "S3cr3t-Planted-Value-7f1c";

        /// <summary>Every case the corpus knows.</summary>
        public static IEnumerable<object[]> Cases => HostileHomes.All.Select(c => new object[] { c.Name });

        [Theory]
        [MemberData(nameof(Cases))]
        public void Migration_HostileHome_FailsSafeWithNamedError(string name)
        {
            HostileHome c = HostileHomes.All.Single(h => h.Name == name);
            using var home = new TempHome();
            using var outside = new TempHome();
            PlantGood(home);
            c.Build(home, outside);
            Dictionary<string, byte[]> before = Snapshot(home.Path);
            Dictionary<string, byte[]> outsideBefore = Snapshot(outside.Path);

            // A backup must hold what a migration could delete, and never a secret in its manifest.
            using var backups = new TempHome();
            var backupErrors = new List<PorterStorageException>();
            PorterBackup? backup = null;
            try
            {
                backup = HomeBackup.Create(home.Path, backups.P("home.zip"), false, false, null, backupErrors.Add, CancellationToken.None);
            }
            catch (PorterStorageException e)
            {
                backupErrors.Add(e);
            }
            if (backup != null)
            {
                using ZipArchive zip = ZipFile.OpenRead(backup.Path);
                using var reader = new StreamReader(zip.GetEntry(BackupManifest.ManifestEntryName)!.Open());
                Assert.DoesNotContain(Secret, reader.ReadToEnd());
            }

            var lines = new List<string>();
            var errors = new List<MigrationError>();
            PorterMigrationResult? result = null;
            PorterStorageException? refused = null;
            try
            {
                result = Migrations.Run(new FileSystemMigrationStore(home.Path), r => { r.OnLog = lines.Add; r.OnError = errors.Add; });
            }
            catch (PorterStorageException e)
            {
                refused = e;
            }

            var ids = new List<string>();
            if (refused != null)
            {
                ids.Add(refused.ErrorId);
                Assert.DoesNotContain(Secret, refused.Message);
            }
            if (result != null)
            {
                ids.AddRange(result.Errors.Select(e => e.ErrorId));
                ids.AddRange(result.Installations.Where(i => i.ErrorId != null).Select(i => i.ErrorId!));
                ids.AddRange(result.CredentialSets.Concat(result.ParameterSets).Where(s => s.ErrorId != null).Select(s => s.ErrorId!));
                AssertNoSecret(string.Join("\n", result.Warnings), "warnings");
                AssertNoSecret(string.Join("\n", result.Errors.Select(e => e.Message + " " + e.Target)), "errors");
                AssertNoSecret(result.Summary, "summary");
                if (result.LogPath != null && File.Exists(result.LogPath))
                {
                    AssertNoSecret(File.ReadAllText(result.LogPath), "log file");
                }
            }
            AssertNoSecret(string.Join("\n", lines), "log lines");
            AssertNoSecret(string.Join("\n", errors.Select(e => e.Message + " " + e.Target)), "error stream");

            if (c.ExpectedId != null)
            {
                Assert.True(ids.Contains(c.ExpectedId), $"expected {c.ExpectedId}; reported: {string.Join(", ", ids.DefaultIfEmpty("nothing"))}");
            }
            else
            {
                Assert.True(ids.Count == 0, $"expected a clean run; reported: {string.Join(", ", ids)}");
            }

            // The hostile originals, and everything outside the home, are byte-identical.
            foreach (string kept in c.Kept)
            {
                Assert.True(before.ContainsKey(kept), $"case lists {kept} but it was not planted");
                Assert.True(File.Exists(home.P(kept)), $"{kept} was deleted");
                Assert.Equal(before[kept], File.ReadAllBytes(home.P(kept)));
            }
            Assert.Equal(outsideBefore.Keys.OrderBy(k => k, StringComparer.Ordinal), Snapshot(outside.Path).Keys.OrderBy(k => k, StringComparer.Ordinal));
            foreach (KeyValuePair<string, byte[]> kv in outsideBefore)
            {
                Assert.Equal(kv.Value, File.ReadAllBytes(outside.P(kv.Key)));
            }

            c.Check?.Invoke(home);

            bool wholeHomeRefused = refused != null || (result != null && result.Installations.Count == 0 && result.CredentialSets.Count == 0 && ids.Count > 0);
            if (c.HomeRefused || wholeHomeRefused)
            {
                // Refused before the first write: the home is as it was.
                if (c.HomeRefused)
                {
                    Assert.Equal(DataFiles(before), DataFiles(Snapshot(home.Path)));
                }
                return;
            }

            // The good installation and sets migrated beside the hostile ones.
            Assert.False(File.Exists(home.P("claims/good.json")), "the good claim was not migrated");
            Assert.True(File.Exists(home.P("installations/good")), "the good installation was not written");
            Assert.Contains("1.0.0-DRAFT+TODO", File.ReadAllText(home.P("parameters/good-params.json")));

            // Test-PorterStorage's engine agrees: a clean run verifies, a run with refusals does not pass silently.
            var verification = StorageVerifier.Verify(PorterStores.OpenFolder(home.Path, FileIO.System));
            if (c.VerifierValid != null)
            {
                Assert.True(verification.IsValid == c.VerifierValid, string.Join("; ", verification.Findings.DefaultIfEmpty()));
            }
            else if (ids.Count == 0)
            {
                Assert.True(verification.IsValid, string.Join("; ", verification.Findings));
            }
            else
            {
                Assert.True(!verification.IsValid || verification.Findings.Any(), "the verifier saw nothing of what the run refused");
            }

            // A rerun converges: nothing more changes and it does not block.
            Dictionary<string, byte[]> after = Snapshot(home.Path);
            PorterMigrationResult again = Migrations.Run(new FileSystemMigrationStore(home.Path));
            Assert.Equal(0, again.Migrated);
            Dictionary<string, byte[]> afterAgain = Snapshot(home.Path);
            Assert.Equal(DataFiles(after), DataFiles(afterAgain));
        }

        [Fact]
        public void Corpus_HasAtLeastSixtyHomes_EachNamedOnce()
        {
            Assert.True(HostileHomes.All.Count >= 60, $"{HostileHomes.All.Count} homes");
            Assert.Equal(HostileHomes.All.Count, HostileHomes.All.Select(h => h.Name).Distinct().Count());
        }

        private static IEnumerable<string> DataFiles(Dictionary<string, byte[]> snapshot) =>
            snapshot.Keys.Where(k => !k.EndsWith("-migrate.log", StringComparison.Ordinal) && !k.StartsWith(".porterstorage/", StringComparison.Ordinal))
                .OrderBy(k => k, StringComparer.Ordinal);

        private static void AssertNoSecret(string text, string where) =>
            Assert.False(text.Contains(Secret, StringComparison.Ordinal), $"the planted secret appeared in the {where}");

        internal static void PlantGood(TempHome home)
        {
            home.Write("claims/good.json", HostileHomes.Claim("good", parameters: "{\"db-password\":\"" + Secret + "\",\"n\":5}"));
            home.Write("parameters/good-params.json", "{\"name\":\"good-params\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"parameters\":[{\"name\":\"pw\",\"source\":{\"value\":\"" + Secret + "\"}}]}");
            home.Write("credentials/good-creds.json", "{\"name\":\"good-creds\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"credentials\":[{\"name\":\"token\",\"source\":{\"value\":\"" + Secret + "\"}}]}");
        }

        internal static Dictionary<string, byte[]> Snapshot(string root)
        {
            var d = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            if (!Directory.Exists(root))
            {
                return d;
            }
            foreach (string f in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                var info = new FileInfo(f);
                string rel = Path.GetRelativePath(root, f).Replace('\\', '/');
                if (info.LinkTarget != null || (info.Attributes & FileAttributes.Device) != 0 || IsUnderLink(root, f))
                {
                    d[rel] = Encoding.UTF8.GetBytes("link:" + info.LinkTarget);
                    continue;
                }
                if (rel.EndsWith(HostileHomes.FifoSuffix, StringComparison.Ordinal))
                {
                    // Never opened: reading a FIFO would block.
                    d[rel] = Encoding.UTF8.GetBytes("fifo");
                    continue;
                }
                d[rel] = File.ReadAllBytes(f);
            }
            return d;
        }

        private static bool IsUnderLink(string root, string file)
        {
            for (DirectoryInfo? d = new FileInfo(file).Directory; d != null && d.FullName.Length > root.Length; d = d.Parent)
            {
                if (d.LinkTarget != null)
                {
                    return true;
                }
            }
            return false;
        }
    }
}
