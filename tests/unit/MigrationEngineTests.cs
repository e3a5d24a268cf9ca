using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using Xunit;

namespace PorterStorage.Tests
{
    public class MigrationEngineTests
    {
        private const string Testdata = "porter-v0.38.9/pkg/storage/testdata/";

        private static PorterMigrationResult Run(TempHome home, Action<MigrationRequest>? configure = null) =>
            Migrations.Run(new FileSystemMigrationStore(home.Path), configure);

        private static string Mask(string text) => Regex.Replace(text, "[0-9A-HJKMNP-TV-Z]{26}", "<ULID>");

        /// <summary>Every file under a folder (except logs) with ULIDs masked: path -> content.</summary>
        private static SortedDictionary<string, string> Digest(string root, bool mask = true) =>
            new SortedDictionary<string, string>(
                Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                    .Where(f => !f.EndsWith("-migrate.log", StringComparison.Ordinal))
                    .ToDictionary(f => mask ? Mask(Path.GetRelativePath(root, f)) : Path.GetRelativePath(root, f), f => mask ? Mask(File.ReadAllText(f)) : File.ReadAllText(f)), StringComparer.Ordinal);

        private static void PortersLegacyHome(TempHome home)
        {
            home.CopyFixture(Testdata + "claims/has-name.json", "claims/has-name.json");
            home.CopyFixture(Testdata + "credentials/mybun.json", "credentials/mybun.json");
            home.CopyFixture(Testdata + "parameters/mybun.json", "parameters/mybun.json");
        }

        private sealed class Reporter : IProgress<MigrationProgress>
        {
            private readonly Action<MigrationProgress> _on;

            public Reporter(Action<MigrationProgress> on) => _on = on;

            public void Report(MigrationProgress value) => _on(value);
        }

        [Fact]
        public void Run_StoppedPartWay_SaysWhatWasCommitted_AndARerunFinishesTheRest()
        {
            using var home = new TempHome();
            for (int i = 0; i < 200; i++)
            {
                home.Write($"claims/app{i:D3}.json",
                    $"{{\"installation\":\"app{i:D3}\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-02T00:00:00Z\",\"bundle\":{{\"name\":\"app{i:D3}\"}},\"result\":{{\"action\":\"install\",\"status\":\"success\"}}}}");
            }
            using var stop = new CancellationTokenSource();
            var progress = new Reporter(p => { if (p.Done == 150) { stop.Cancel(); } });
            MigrationStoppedException stopped = Assert.Throws<MigrationStoppedException>(() => Migrations.Run(new FileSystemMigrationStore(home.Path), r => r.Progress = progress, stop.Token));
            Assert.InRange(stopped.InstallationsMigrated, 1, 150);
            Assert.Contains($"stopped after {stopped.InstallationsMigrated} installation(s)", stopped.Message);
            Assert.Contains("Run the same command again", stopped.Message);
            Assert.True(File.Exists(stopped.LogPath));
            Assert.False(File.Exists(home.P("schema.json")));

            PorterMigrationResult rerun = Run(home);
            Assert.True(rerun.Succeeded, string.Join("; ", rerun.Errors));
            Assert.Equal(200, stopped.InstallationsMigrated + rerun.Migrated);
            Assert.Equal(200, Directory.GetDirectories(home.P("claims")).Length);
        }

        [Fact]
        public void Run_PortersLegacyHome_LogIsPortersLogByteForByte()
        {
            using var home = new TempHome();
            PortersLegacyHome(home);
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            string expected = string.Join("\n", new[]
            {
                "Claims schema is out-of-date (want: cnab-claim-1.0.0-DRAFT+b5ed2f3 got: )",
                "Migrating claims data to match the CNAB Claim spec https://cdn.cnab.io/schema/cnab-claim-1.0.0-DRAFT+b5ed2f3/claim.schema.json. This is a one-way migration.",
                " - Migrating claim has-name to the new schema...",
                " - Migrating claim has-name from claim.Name to claim.Installation",
                "Migrating installation has-name (Name -> Installation) to match the CNAB Claim spec https://cnab.io/schema/cnab-claim-1.0.0-DRAFT+d7ffba8/claim.schema.json. The Name field will be preserved for compatibility with previous versions of the spec.",
                "Credentials schema is out-of-date (want: cnab-credentialsets-1.0.0-DRAFT+b6c701f got: )",
                "Migrating credential set data to match the CNAB Credential Set spec https://github.com/cnabio/cnab-spec/blob/cnab-credentialsets-1.0.0-DRAFT+b6c701f/802-credential-sets.md. This is a one-way migration.",
                " - Migrating credential set mybun to the new schema...",
                "Parameters schema is out-of-date (want: cnab-parametersets-1.0.0-DRAFT+TODO got: )",
                "Migrating parameter set data to match the CNAB Parameter Set spec TODO. This is a one-way migration.",
                " - Migrating parameter set mybun to the new schema...",
                "Wrote updated schema.json to storage",
            }) + "\n";
            Assert.Equal(expected, File.ReadAllText(r.LogPath!));
            Assert.Matches(@"/\d{14}-migrate\.log$", r.LogPath);
            Assert.Equal(0x180, UnixPermissions.TryGetMode(r.LogPath!));
        }

        [Fact]
        public void Run_OnlyAClaim_LogHasAllThreeSectionsAndTheSchemaLine()
        {
            using var home = new TempHome();
            home.CopyFixture(Testdata + "claims/has-installation.json", "claims/example-exec-outputs.json");
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Assert.Equal(string.Join("\n", new[]
            {
                "Claims schema is out-of-date (want: cnab-claim-1.0.0-DRAFT+b5ed2f3 got: )",
                MigrationLogText.ClaimsSpecLine,
                " - Migrating claim example-exec-outputs to the new schema...",
                "Credentials schema is out-of-date (want: cnab-credentialsets-1.0.0-DRAFT+b6c701f got: )",
                MigrationLogText.CredentialsSpecLine,
                "Parameters schema is out-of-date (want: cnab-parametersets-1.0.0-DRAFT+TODO got: )",
                MigrationLogText.ParametersSpecLine,
                "Wrote updated schema.json to storage",
            }) + "\n", File.ReadAllText(r.LogPath!));
        }

        [Fact]
        public void Run_AlreadyCurrent_NoLogFile_PortersUpToDateLinesStillTold_SchemaLeftByteIdentical()
        {
            using var home = new TempHome();
            PortersLegacyHome(home);
            PorterMigrationResult first = Run(home);
            Assert.True(first.Succeeded);
            File.Delete(first.LogPath!); // a second run within the same second would append to the same log
            byte[] schema = File.ReadAllBytes(home.P("schema.json"));
            var told = new List<string>();
            PorterMigrationResult again = Run(home, r => { r.OnLog = told.Add; });
            Assert.True(again.Succeeded);
            Assert.False(again.SchemaWritten);
            Assert.Null(again.LogPath);
            Assert.Empty(Directory.GetFiles(home.Path, "*-migrate.log"));
            Assert.Equal(new[] { "Claims schema is up-to-date", "Credentials schema is up-to-date", "Parameters schema is up-to-date", "Wrote updated schema.json to storage" }, told);
            Assert.Equal(schema, File.ReadAllBytes(home.P("schema.json")));
        }

        [Fact]
        public void Run_AlreadyCurrentButOneItemFails_LogWritten()
        {
            using var home = new TempHome();
            PortersLegacyHome(home);
            Assert.True(Run(home).Succeeded);
            foreach (string log in Directory.GetFiles(home.Path, "*-migrate.log"))
            {
                File.Delete(log);
            }
            home.Write("credentials/broken.json", "{ not json");
            PorterMigrationResult again = Run(home);
            Assert.NotEmpty(again.Errors);
            Assert.NotNull(again.LogPath);
            Assert.Contains("broken", File.ReadAllText(again.LogPath!));
        }

        /// <summary>
        /// Porter writes a current schema.json into an empty home as it loads the schema (format §3, §4 step 1), so its migration
        /// logs all three sections as up-to-date, then rewrites the schema. An empty home is one without schema.json whose claims,
        /// credentials and parameters folders hold no JSON document and no folder (a YAML set, a stray file do not count).
        /// </summary>
        [Theory]
        [InlineData("")]
        [InlineData("claims/ credentials/ parameters/")]
        [InlineData("credentials/notes.txt parameters/readme")]
        public void Run_EmptyHome_LogIsPortersUpToDateLog_SchemaWritten(string files)
        {
            using var home = new TempHome();
            foreach (string f in files.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (f.EndsWith("/", StringComparison.Ordinal))
                {
                    home.Mkdir(f);
                }
                else
                {
                    home.Write(f, "x");
                }
            }
            Assert.Equal(PorterSchemaState.EmptyHome, PorterHomeService.TestSchema(home.Path).State);

            PorterMigrationResult r = Run(home);

            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Assert.True(r.SchemaWritten);
            Assert.Equal("Claims schema is up-to-date\nCredentials schema is up-to-date\nParameters schema is up-to-date\nWrote updated schema.json to storage\n",
                File.ReadAllText(r.LogPath!));
        }

        [Fact]
        public void Run_EmptyHomeInMemory_LogIsPortersUpToDateLog()
        {
            var store = new Stores.InMemoryMigrationStore();

            PorterMigrationResult r = MigrationSession.Run(new MigrationRequest(store) { SkipBackupCheck = true })!;

            Assert.True(r.SchemaWritten);
            Assert.Equal(new[] { "Claims schema is up-to-date", "Credentials schema is up-to-date", "Parameters schema is up-to-date", "Wrote updated schema.json to storage" },
                store.LogLines);
        }

        [Fact]
        public void Run_FailingClaim_PortersMigratingLineComesFirst()
        {
            using var home = new TempHome();
            home.Write("claims/broken.json", "{\"installation\":\"broken\"}");
            home.Write("claims/notjson.json", "{");
            PorterMigrationResult r = Run(home);
            string[] log = File.ReadAllLines(r.LogPath!);
            foreach (string name in new[] { "broken", "notjson" })
            {
                int error = Array.FindIndex(log, l => l.StartsWith($"Error migrating installation {name}.", StringComparison.Ordinal));
                Assert.True(error > 0, string.Join("\n", log));
                Assert.Equal($" - Migrating claim {name} to the new schema...", log[error - 1]);
            }
            Assert.Equal("Credentials schema is out-of-date (want: cnab-credentialsets-1.0.0-DRAFT+b6c701f got: )", log[log.Length - 5]);
            Assert.StartsWith("schema.json was not updated", log[log.Length - 1]);
        }

        [Fact]
        public void Run_YamlOnlyHomeWithABrokenSet_StaysUsableForPorter()
        {
            using var home = new TempHome();
            home.CopyFixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.yaml", "credentials/mybuns.yaml");
            string broken = home.Write("credentials/broken.yaml", "name: broken\ncredentials:\n  - name: a\n    source: {env: A}\n    extra: planted-secret\n");
            byte[] brokenBytes = File.ReadAllBytes(broken);
            Assert.False(PorterHomeService.TestSchema(home.Path).MigrationRequired);
            PorterMigrationResult r = Run(home);
            Assert.Equal(ErrorIds.YamlUnsupported, Assert.Single(r.Errors).ErrorId);
            Assert.True(r.SchemaWritten, "schema.json must be written: Porter never reads the YAML that failed");
            Assert.True(r.SchemaAfter.IsCurrent);
            Assert.False(PorterHomeService.TestSchema(home.Path).MigrationRequired);
            Assert.Equal(brokenBytes, File.ReadAllBytes(broken));
            Assert.False(File.Exists(home.P("credentials/broken.json")));
            Assert.True(File.Exists(home.P("credentials/azure.json")));
            Assert.DoesNotContain("planted-secret", File.ReadAllText(r.LogPath!));
            Assert.Contains("schema.json is current", r.Summary);

            // The schema is current, yet Porter will not see the set that stayed YAML: the run and Test-PorterStorage say so.
            StorageFinding left = Assert.Single(r.Verification!.Findings, f => f.Code == FindingCodes.YamlOnlySet);
            Assert.Equal(broken, left.Path);
            Assert.Equal(FindingSeverity.Warning, left.Severity);
            Assert.Contains(r.Warnings, w => w.Contains(FindingCodes.YamlOnlySet) && w.Contains(broken));
            PorterStorageVerification v = StorageVerifier.Verify(PorterStores.OpenFolder(home.Path, FileIO.System));
            Assert.True(v.IsValid);
            Assert.Equal(new[] { broken }, v.Findings.Where(f => f.Code == FindingCodes.YamlOnlySet).Select(f => f.Path));
            Assert.DoesNotContain("planted-secret", string.Join("\n", v.Findings.Select(f => f.Message)));
        }

        [Fact]
        public void Verify_EveryYamlOnlySet_WarnedNamingEachFile_TheHomeStillValid()
        {
            using var home = new TempHome();
            home.Write("schema.json", SchemaVersions.CurrentSchemaJson);
            string[] yamlOnly =
            {
                home.Write("credentials/a.yaml", "name: a\n"),
                home.Write("credentials/b.yml", "name: b\n"),
                home.Write("parameters/p.yaml", "name: p\n"),
                home.Write("parameters/q.yml", "name: q\n"),
            };
            home.Write("credentials/c.yaml", "name: c\n");
            home.Write("credentials/c.json", Properties.YamlOnlySetProperties.SetJson("credentials/c.json"));
            home.Write("credentials/d.yaml.migrated", "name: d\n");
            home.Write("credentials/d.json", Properties.YamlOnlySetProperties.SetJson("credentials/d.json"));
            home.Write("parameters/r.yml", "name: r\n");
            home.Write("parameters/r.json", Properties.YamlOnlySetProperties.SetJson("parameters/r.json"));

            PorterStorageVerification v = StorageVerifier.Verify(PorterStores.OpenFolder(home.Path, FileIO.System));

            Assert.True(v.IsValid, string.Join("; ", v.Findings));
            StorageFinding[] warned = v.Findings.Where(f => f.Code == FindingCodes.YamlOnlySet).ToArray();
            Assert.Equal(yamlOnly.OrderBy(f => f, StringComparer.Ordinal), warned.Select(f => f.Path).OrderBy(f => f, StringComparer.Ordinal));
            Assert.All(warned, f => Assert.Equal(FindingSeverity.Warning, f.Severity));
            Assert.All(warned, f => Assert.Contains(f.Path, f.Message));
            Assert.Contains("parameter set", warned.Single(f => f.Path.EndsWith("q.yml", StringComparison.Ordinal)).Message);
        }

        [Fact]
        public void Run_YamlWithMergeKeys_ConvertedWithTheMergedValues_RefusedYamlLeftAlone()
        {
            using var home = new TempHome();
            home.Write("credentials/merged.yaml", "name: merged\ncredentials:\n  - &a\n    name: one\n    source: {env: ONE}\n  - <<: *a\n    name: two\n");
            string refused = home.Write("credentials/dup.yaml", "name: dup\nname: dup2\n");
            byte[] refusedBytes = File.ReadAllBytes(refused);
            PorterMigrationResult r = Run(home);
            Assert.Equal(ErrorIds.YamlUnsupported, Assert.Single(r.Errors).ErrorId);
            string json = File.ReadAllText(home.P("credentials/merged.json"));
            Assert.Contains("\"name\": \"two\",\n      \"source\": {\n        \"env\": \"ONE\"", json);
            Assert.Equal(refusedBytes, File.ReadAllBytes(refused));
            Assert.False(File.Exists(home.P("credentials/dup.json")) || File.Exists(home.P("credentials/dup2.json")));
        }

        [Fact]
        public void Run_HasInstallation_EqualsPortersMigratedHomeModuloIds()
        {
            using var home = new TempHome();
            home.CopyFixture(Testdata + "claims/has-installation.json", "claims/example-exec-outputs.json");
            home.CopyFixture(Testdata + "credentials/mybun.json", "credentials/mybun.json");
            home.CopyFixture(Testdata + "parameters/mybun.json", "parameters/mybun.json");
            Assert.True(Run(home).Succeeded);
            SortedDictionary<string, string> actual = Digest(home.Path);
            SortedDictionary<string, string> expected = Digest(TempHome.Fixture(Testdata + "migrated"));
            // Porter's fixture has a hand-formatted schema.json and parameter set; Porter itself writes them compactly (format §3, §8).
            expected["schema.json"] = SchemaVersions.CurrentSchemaJson;
            expected["parameters/mybun.json"] = "{\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"name\":\"mybun\",\"parameters\":[{\"name\":\"verbose\",\"source\":{\"value\":\"6\"}},{\"name\":\"db-password\",\"source\":{\"secret\":\"mysql-password\"}}],\"schemaVersion\":\"1.0.0-DRAFT+TODO\"}";
            Assert.Equal(expected.Keys, actual.Keys);
            foreach (string key in expected.Keys)
            {
                Assert.True(expected[key] == actual[key], $"{key} differs:\n{actual[key]}");
            }
        }

        [Fact]
        public void Run_Twice_SecondRunChangesNothing()
        {
            using var home = new TempHome();
            PortersLegacyHome(home);
            home.CopyFixture(Testdata + "claims/upgraded.json", "claims/mybun.json");
            Assert.True(Run(home).Succeeded);
            var before = Digest(home.Path, mask: false);
            PorterMigrationResult second = Run(home);
            Assert.True(second.Succeeded);
            Assert.False(second.SchemaWritten);
            Assert.Equal(before, Digest(home.Path, mask: false));
            Assert.All(second.Installations, i => Assert.Equal(MigrationOutcome.AlreadyCurrent, i.Outcome));
            Assert.False(Directory.Exists(home.P(FileSystemMigrationStore.WorkFolderName)));
        }

        [Fact]
        public void Run_CurrentLayoutWithoutSchema_E1_OnlyWritesSchema()
        {
            using var home = new TempHome();
            home.CopyTree("porter-v1.0.0/tests/testdata/porter_home/v0");
            File.Delete(home.P("schema.json"));
            var before = Digest(home.Path, mask: false);
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded);
            Assert.True(r.SchemaWritten);
            before["schema.json"] = SchemaVersions.CurrentSchemaJson;
            Assert.Equal(before, Digest(home.Path, mask: false));
        }

        [Fact]
        public void Run_PartlyMigrated_E2_MigratesTheRest()
        {
            using var home = new TempHome();
            home.CopyTree(Testdata + "migrated");
            File.Delete(home.P("schema.json"));
            home.CopyFixture(Testdata + "claims/upgraded.json", "claims/mybun.json");
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded);
            Assert.Equal(2, Directory.GetFiles(home.P("claims/mybun")).Length);
            Assert.Single(Directory.GetFiles(home.P("claims/example-exec-outputs")));
            Assert.Contains(r.Installations, i => i.Installation == "example-exec-outputs" && i.Outcome == MigrationOutcome.AlreadyCurrent);
            Assert.True(r.Verification!.IsValid, string.Join("; ", r.Verification.Findings));
        }

        [Fact]
        public void Run_LegacyClaimPortersPartialRunAlreadyWrote_E3_NotDuplicated()
        {
            using var home = new TempHome();
            home.CopyFixture(Testdata + "claims/has-installation.json", "claims/example-exec-outputs.json");
            Run(home);
            File.Delete(home.P("schema.json"));
            home.CopyFixture(Testdata + "claims/has-installation.json", "claims/example-exec-outputs.json");
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded);
            Assert.Single(Directory.GetFiles(home.P("claims/example-exec-outputs")));
            Assert.Single(r.Installations, i => i.Outcome == MigrationOutcome.RemovedDuplicate);
            Assert.False(File.Exists(home.P("claims/example-exec-outputs.json")));
        }

        [Fact]
        public void Run_BadClaimAmongGood_RestMigratedBadLeftNamedSchemaNotWritten()
        {
            using var home = new TempHome();
            home.CopyFixture(Testdata + "claims/upgraded.json", "claims/mybun.json");
            string bad = home.Write("claims/broken.json", "{\"installation\":\"broken\",\"parameters\":{\"password\":\"hunter2-secret\"}}");
            var seen = new List<MigrationError>();
            PorterMigrationResult r = Run(home, r => { r.OnError = seen.Add; });
            Assert.False(r.Succeeded);
            Assert.False(r.SchemaWritten);
            Assert.False(File.Exists(home.P("schema.json")));
            Assert.True(File.Exists(bad));
            Assert.Equal(2, Directory.GetFiles(home.P("claims/mybun")).Length);
            MigrationError e = Assert.Single(seen);
            Assert.Equal(ErrorIds.ClaimBundleMissing, e.ErrorId);
            Assert.Equal(bad, e.Target);
            string log = File.ReadAllText(r.LogPath!);
            Assert.Contains("Error migrating installation broken. Skipping: ClaimBundleMissing:", log);
            Assert.DoesNotContain("hunter2", log);
            Assert.Contains("schema.json was not updated", log);
            Assert.Contains("not updated", r.Summary);
        }

        [Fact]
        public void Run_BadCredentialSet_DoesNotBlockTheOthers_E4()
        {
            using var home = new TempHome();
            home.CopyFixture(Testdata + "credentials/mybun.json", "credentials/mybun.json");
            home.Write("credentials/two.json", "{\"name\":\"two\",\"credentials\":[{\"name\":\"x\",\"source\":{\"env\":\"A\",\"value\":\"B\"}}]}");
            PorterMigrationResult r = Run(home);
            Assert.Equal(ErrorIds.CredentialSetParseError, Assert.Single(r.Errors).ErrorId);
            Assert.Contains("1.0.0-DRAFT+b6c701f", File.ReadAllText(home.P("credentials/mybun.json")));
        }

        [Fact]
        public void Run_CredentialFileNameDiffersFromContentName_NoStaleTwin()
        {
            using var home = new TempHome();
            home.CopyFixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.json", "credentials/mybuns.json");
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded);
            Assert.False(File.Exists(home.P("credentials/mybuns.json")));
            string azure = File.ReadAllText(home.P("credentials/azure.json"));
            Assert.StartsWith("{\n  \"schemaVersion\": \"1.0.0-DRAFT+b6c701f\",\n  \"name\": \"azure\",\n  \"created\": \"2020-01-01T00:00:00Z\"", azure);
        }

        [Fact]
        public void Run_CredentialNameTaken_ConflictBothKept()
        {
            using var home = new TempHome();
            string a = home.CopyFixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.json", "credentials/mybuns.json");
            string b = home.Write("credentials/azure.json", "{\"schemaVersion\":\"1.0.0-DRAFT+b6c701f\",\"name\":\"azure\"}");
            PorterMigrationResult r = Run(home);
            Assert.Equal(ErrorIds.CredentialSetNameConflict, Assert.Single(r.Errors).ErrorId);
            Assert.True(File.Exists(a));
            Assert.Equal("{\"schemaVersion\":\"1.0.0-DRAFT+b6c701f\",\"name\":\"azure\"}", File.ReadAllText(b));
        }

        [Fact]
        public void Run_YamlOnlyCredentialSet_ConvertedAndYamlKeptAside_E8()
        {
            using var home = new TempHome();
            string yaml = home.CopyFixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.yaml", "credentials/mybuns.yaml");
            DateTime mtime = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(yaml, mtime);
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded);
            Assert.Equal(MigrationOutcome.Converted, r.CredentialSets.Single().Outcome);
            string expected = File.ReadAllText(TempHome.Fixture(Testdata + "migrated/credentials/mybun.json")).Replace("\"mybun\"", "\"azure\"");
            Assert.Equal(expected, File.ReadAllText(home.P("credentials/azure.json")));
            Assert.True(File.Exists(yaml + ".migrated"));
            Assert.False(File.Exists(yaml));
        }

        [Fact]
        public void Run_ParameterSetWithSchemaVersionKey_EvenNull_LeftAlone()
        {
            using var home = new TempHome();
            string p = home.Write("parameters/p.json", "{\"schemaVersion\":null,\"name\":\"p\"}");
            Run(home);
            Assert.Equal("{\"schemaVersion\":null,\"name\":\"p\"}", File.ReadAllText(p));
        }

        [Fact]
        public void Run_WideModes_DataFilesAndConfigSetTo0600_E6()
        {
            using var home = new TempHome();
            home.CopyFixture(Testdata + "claims/upgraded.json", "claims/mybun.json", 0x1ED);
            string cred = home.CopyFixture(Testdata + "credentials/mybun.json", "credentials/cur.json", 0x1A4);
            File.WriteAllText(cred, "{\"schemaVersion\":\"1.0.0-DRAFT+b6c701f\",\"name\":\"cur\"}");
            string config = home.Write("config.toml", "", 0x1A4);
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded);
            foreach (string f in Directory.EnumerateFiles(home.Path, "*", SearchOption.AllDirectories))
            {
                Assert.Equal(0x180, UnixPermissions.TryGetMode(f));
            }
            foreach (string d in new[] { "claims/mybun", "results", "outputs", "installations" }.Where(d => Directory.Exists(home.P(d))))
            {
                Assert.Equal(0x1C0, UnixPermissions.TryGetMode(home.P(d)));
            }
            Assert.True(r.Verification!.IsValid, string.Join("; ", r.Verification.Findings));
        }

        [Theory]
        [InlineData("bom")]
        [InlineData("utf8")]
        [InlineData("name")]
        [InlineData("json")]
        public void Run_BadInput_NamedErrorOriginalKept(string kind)
        {
            using var home = new TempHome();
            byte[] good = Encoding.UTF8.GetBytes("{\"installation\":\"ok\",\"bundle\":{\"name\":\"b\"}}");
            byte[] content = kind switch
            {
                "bom" => new byte[] { 0xEF, 0xBB, 0xBF }.Concat(good).ToArray(),
                "utf8" => good.Select((b, i) => i == 20 ? (byte)0xC3 : b).ToArray(),
                "name" => Encoding.UTF8.GetBytes("{\"installation\":\"bad name\",\"bundle\":{}}"),
                _ => Encoding.UTF8.GetBytes("{\"installation\":"),
            };
            string file = home.WriteBytes("claims/x.json", content);
            PorterMigrationResult r = Run(home);
            MigrationError e = Assert.Single(r.Errors);
            Assert.Equal(file, e.Target);
            Assert.Equal(content, File.ReadAllBytes(file));
            Assert.False(File.Exists(home.P("schema.json")));
        }

        [Fact]
        public void Run_HugeClaimFile_DocumentTooLargeLeftInPlace()
        {
            using var home = new TempHome();
            string huge = home.Write("claims/huge.json", "");
            using (var fs = new FileStream(huge, FileMode.Open))
            {
                fs.SetLength(LegacyClaim.MaxDocumentBytes + 1L); // sparse: nothing is written
            }
            PorterMigrationResult r = Run(home);
            MigrationError e = Assert.Single(r.Errors);
            Assert.Equal(ErrorIds.DocumentTooLarge, e.ErrorId);
            Assert.Equal(huge, e.Target);
            Assert.True(File.Exists(huge));
        }

        [Fact]
        public void Run_SymlinkedClaim_NotFollowed()
        {
            using var home = new TempHome();
            using var outside = new TempHome();
            string target = outside.CopyFixture(Testdata + "claims/upgraded.json", "upgraded.json");
            File.CreateSymbolicLink(home.P("claims/linked.json").Also(p => Directory.CreateDirectory(Path.GetDirectoryName(p)!)), target);
            PorterMigrationResult r = Run(home);
            Assert.Equal(ErrorIds.DataFileIsLink, Assert.Single(r.Errors).ErrorId);
            Assert.True(File.Exists(target));
            Assert.False(Directory.Exists(home.P("claims/mybun")));
        }

        [Fact]
        public void Recover_CommittedButNotApplied_FinishedOnNextRun()
        {
            using var home = new TempHome();
            home.CopyFixture(Testdata + "claims/upgraded.json", "claims/mybun.json");
            var store = new FileSystemMigrationStore(home.Path);
            using (LegacyClaim legacy = LegacyClaim.Parse(File.ReadAllBytes(home.P("claims/mybun.json")), "x"))
            {
                new ChangeJournal(store).Commit(ClaimSplitter.Split(legacy, "claims/mybun.json", new UlidGenerator()).Changes);
            }
            // The process dies here: nothing is in place yet, the journal holds the commit.
            Assert.False(Directory.Exists(home.P("claims/mybun")));
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded);
            Assert.Equal(2, Directory.GetFiles(home.P("claims/mybun")).Length);
            Assert.False(File.Exists(home.P("claims/mybun.json")));
            Assert.True(r.Verification!.IsValid);
        }

        [Fact]
        public void Journal_CommitDoneAndTornLines_OnlyUnfinishedCommitsPending()
        {
            using var home = new TempHome();
            home.Write("claims/a.json", "{}");
            var store = new FileSystemMigrationStore(home.Path);
            var first = new ChangeSet("installation a");
            first.Writes.Add(new StoredDocument(ItemTypes.Installations, null, "a", Array.Empty<byte>()));
            first.Deletes.Add("claims/a.json");
            new ChangeJournal(store).Apply(first);
            var second = new ChangeSet("installation b");
            second.Writes.Add(new StoredDocument(ItemTypes.Installations, null, "b", Array.Empty<byte>()));
            new ChangeJournal(store).Commit(second);
            File.AppendAllText(home.P(".porterstorage/journal.log"), "{\"commit\":\"x\",\"desc");

            Assert.Equal(new[] { "installation b" }, new ChangeJournal(new FileSystemMigrationStore(home.Path)).Recover().Select(c => c.Finished ? c.Description : c.ErrorId));
            Assert.True(File.Exists(home.P("installations/a")));
            Assert.True(File.Exists(home.P("installations/b")));
            Assert.False(File.Exists(home.P("claims/a.json")));
            Assert.False(File.Exists(home.P(".porterstorage/journal.log")));
            Assert.Empty(Directory.GetFiles(home.P(".porterstorage/staging")));
        }

        [Fact]
        public void Recover_StagedButNotCommitted_Discarded()
        {
            using var home = new TempHome();
            home.CopyFixture(Testdata + "claims/upgraded.json", "claims/mybun.json");
            home.Write(".porterstorage/staging/20200101000000-abcd-0", "{}");
            home.Write(".porterstorage/staging/x/claims/mybun/01AAAAAAAAAAAAAAAAAAAAAAAA.json", "{}");
            // The run died while appending the commit record: a torn line is no commit.
            home.Write(".porterstorage/journal.log", "{\"commit\":\"20200101000000-abcd\",\"description\":\"install");
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded);
            Assert.Equal(2, Directory.GetFiles(home.P("claims/mybun")).Length);
            Assert.False(Directory.Exists(home.P(".porterstorage")));
        }

        [Fact]
        public void Lock_HeldByAnother_MigrationInProgress_LeftoverFileDoesNotBlock()
        {
            using var home = new TempHome();
            var store = new FileSystemMigrationStore(home.Path);
            using (new ChangeJournal(store).Lock())
            {
                var ex = Assert.Throws<PorterStorageException>(() => new ChangeJournal(new FileSystemMigrationStore(home.Path)).Lock());
                Assert.Equal(ErrorIds.MigrationInProgress, ex.ErrorId);
            }
            home.Write(".porterstorage/lock", "pid 999999 since long ago");
            using (new ChangeJournal(store).Lock())
            {
            }
        }

        [Fact]
        public void CopyHome_Destination_SourceUntouched()
        {
            using var home = new TempHome();
            using var dest = new TempHome();
            PortersLegacyHome(home);
            var before = Digest(home.Path);
            string target = dest.P("migrated");
            PorterMigrationResult r = Migrations.Run(new FileSystemMigrationStore(home.Path), q => { q.Destination = target; });
            Assert.True(r.Succeeded);
            Assert.Equal(home.Path, r.Source);
            Assert.Equal(target, r.Destination);
            Assert.Equal(before, Digest(home.Path));
            Assert.True(File.Exists(Path.Combine(target, "schema.json")));
            Assert.Equal(ErrorIds.DestinationNotEmpty, Assert.Throws<PorterStorageException>(() => HomeCopy.Copy(home.Path, target)).ErrorId);
            Assert.Equal(ErrorIds.DestinationInsideHome, Assert.Throws<PorterStorageException>(() => HomeCopy.Copy(home.Path, home.P("sub"))).ErrorId);
        }

        [Fact]
        public void CopyHome_DestinationReachingIntoTheHomeThroughALink_DestinationInsideHome_HomeUnchanged()
        {
            using var home = new TempHome();
            using var outside = new TempHome();
            PortersLegacyHome(home);
            var before = Digest(home.Path, mask: false);
            string link = outside.P("into-home");
            File.CreateSymbolicLink(link, home.Path);

            var ex = Assert.Throws<PorterStorageException>(() => HomeCopy.Copy(home.Path, Path.Combine(link, "newsub")));

            Assert.Equal(ErrorIds.DestinationInsideHome, ex.ErrorId);
            Assert.Equal(before, Digest(home.Path, mask: false));
            Assert.False(Directory.Exists(home.P("newsub")));
        }

        [Fact]
        public void RealPath_FollowsLinksInEveryPart_KeepsWhatDoesNotExist_StopsOnALoop()
        {
            using var root = new TempHome();
            Directory.CreateDirectory(root.P("real/inner"));
            File.CreateSymbolicLink(root.P("hop"), "real");
            File.CreateSymbolicLink(root.P("real/up"), "..");
            File.CreateSymbolicLink(root.P("a"), "b");
            File.CreateSymbolicLink(root.P("b"), "a");
            string real = FileSystemExtras.RealPath(root.Path);

            Assert.Equal(Path.Combine(real, "real", "inner", "new"), FileSystemExtras.RealPath(root.P("hop/inner/new")));
            Assert.Equal(Path.Combine(real, "real"), FileSystemExtras.RealPath(root.P("hop/up/hop")));
            Assert.StartsWith(real, FileSystemExtras.RealPath(root.P("a/x")));
        }

        [Fact]
        public void Plan_ReadOnly_ListsEveryItemAndChangesNothing()
        {
            using var home = new TempHome();
            PortersLegacyHome(home);
            home.Write("claims/bad.json", "{");
            var before = Digest(home.Path);
            PorterMigrationPlan plan = MigrationEngine.Plan(new FileSystemMigrationStore(home.Path));
            Assert.Equal(before, Digest(home.Path));
            Assert.False(Directory.Exists(home.P(".porterstorage")));
            Assert.Equal(new[] { MigrationAction.Fail, MigrationAction.Migrate, MigrationAction.Rewrite, MigrationAction.Rewrite, MigrationAction.WriteSchema },
                plan.Items.Where(i => i.Kind != MigrationItemKind.Repair).Select(i => i.Action));
            Assert.Equal(ErrorIds.ClaimParseError, plan.Items[0].ErrorId);
            Assert.Contains("outputs/<new-result-id>/<new-result-id>-config", plan.Items[1].Writes);
        }

        [Fact]
        public void Run_CorruptSchemaJson_E5_NamedAndNothingChanged()
        {
            using var home = new TempHome();
            home.CopyFixture(Testdata + "claims/upgraded.json", "claims/mybun.json");
            string schema = home.Write("schema.json", "{\"claims\":");
            var before = Digest(home.Path, mask: false);
            var ex = Assert.Throws<PorterStorageException>(() => Run(home));
            Assert.Equal(ErrorIds.SchemaParseError, ex.ErrorId);
            Assert.Equal(schema, ex.Target);
            Assert.Equal(before, Digest(home.Path, mask: false));
        }

        [Fact]
        public void Run_NoConfigFile_E7_NeverTouchesOtherModes()
        {
            using var home = new TempHome();
            UnixPermissions.SetModeIfSupported(home.Path, 0x1ED);
            home.CopyFixture(Testdata + "claims/upgraded.json", "claims/mybun.json");
            Assert.True(Run(home).Succeeded);
            Assert.Equal(0x1ED, UnixPermissions.TryGetMode(home.Path));
        }

        [Fact]
        public void Run_ErrorLines_E19_OwnLineAndPercentKept()
        {
            using var home = new TempHome();
            home.Write("claims/100%done.json", "{\"installation\":\"x%s\"}");
            home.CopyFixture(Testdata + "claims/upgraded.json", "claims/mybun.json");
            PorterMigrationResult r = Run(home);
            string[] lines = File.ReadAllText(r.LogPath!).Split('\n');
            Assert.Contains(lines, l => l.StartsWith("Error migrating installation 100%done. Skipping: ClaimBundleMissing:", StringComparison.Ordinal));
            Assert.Contains(" - Migrating claim mybun to the new schema...", lines);
        }

        [Fact]
        public void Verify_OutputNameStartingWithResultIdCharacter_E17_Warned()
        {
            using var home = new TempHome();
            home.Write("claims/a.json", "{\"installation\":\"a\",\"bundle\":{\"name\":\"b\"},\"outputs\":{\"1config\":\"v\",\"config\":\"w\"}}");
            PorterMigrationResult r = Run(home);
            Assert.True(r.Succeeded);
            StorageFinding f = Assert.Single(r.Verification!.Findings, x => x.Code == "OutputNameTrimmed");
            Assert.EndsWith("-1config", f.Path);
        }

        [Fact]
        public void Run_SecretsNeverInLogOrErrors()
        {
            using var home = new TempHome();
            const string secret = "S3cr3t-Planted-Value";
            home.Write("claims/a.json", "{\"installation\":\"a\",\"bundle\":{\"name\":\"b\"},\"parameters\":{\"pw\":\"" + secret + "\"},\"outputs\":{\"token\":\"" + secret + "\"}}");
            home.Write("claims/b.json", "{\"installation\":\"b\",\"parameters\":{\"pw\":\"" + secret + "\"},\"outputs\":{\"token\":\"" + secret + "\"}}");
            home.Write("claims/c.json", "{\"installation\":\"c\",\"parameters\":{\"pw\":\"" + secret + "\"} oops");
            home.Write("credentials/c.json", "{\"name\":\"c\",\"credentials\":[{\"name\":\"pw\",\"source\":{\"value\":\"" + secret + "\"}}]}");
            home.Write("credentials/d.json", "{\"name\":\"d\",\"credentials\":[{\"name\":\"pw\",\"source\":{\"value\":\"" + secret + "\",\"env\":\"X\"}}]}");
            home.Write("parameters/p.json", "{\"name\":\"p\",\"parameters\":[{\"name\":\"pw\",\"source\":{\"value\":\"" + secret + "\"}}]} x");
            var lines = new List<string>();
            var errors = new List<MigrationError>();
            PorterMigrationResult r = Run(home, r => { r.OnLog = lines.Add; r.OnError = errors.Add; });
            Assert.Equal(4, r.Errors.Count);
            Assert.DoesNotContain(secret, File.ReadAllText(r.LogPath!));
            Assert.DoesNotContain(lines, l => l.Contains(secret));
            Assert.DoesNotContain(errors, e => e.Message.Contains(secret));
            Assert.DoesNotContain(r.Warnings, w => w.Contains(secret));
        }
    }

    internal static class TestExtensions
    {
        public static T Also<T>(this T value, Action<T> action)
        {
            action(value);
            return value;
        }
    }
}
