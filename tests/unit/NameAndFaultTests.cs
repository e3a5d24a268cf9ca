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
    /// <summary>Issue 11, classes 3 and 5: names that cannot be files, and file system failures that are not ours.</summary>
    public class NameAndFaultTests
    {
        private static string Claim(string installation, string outputs = "{\"out\":\"v\"}") =>
            "{\"installation\":" + Quote(installation) + ",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\"," +
            "\"result\":{\"action\":\"install\",\"status\":\"success\"}," +
            "\"bundle\":{\"schemaVersion\":\"v1.0.0\",\"name\":\"b\",\"version\":\"0.1.0\"},\"parameters\":{\"password\":\"s3cr3t-value\"},\"outputs\":" + outputs + "}";

        private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

        /// <summary>Every file under a folder (except logs) as "path = content", ULIDs masked, sorted.</summary>
        private static List<string> Digest(string root) =>
            Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith("-migrate.log", StringComparison.Ordinal))
                .Select(f => Mask(Path.GetRelativePath(root, f)) + " = " + Mask(File.ReadAllText(f)))
                .OrderBy(x => x, StringComparer.Ordinal).ToList();

        private static string Mask(string text) =>
            Regex.Replace(Regex.Replace(text, "[0-9A-HJKMNP-TV-Z]{26}", "<ULID>"), "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})", "<TIME>");

        public static IEnumerable<object[]> BadNames() => new[]
        {
            new object[] { "claims/dot.json", Claim(".") },
            new object[] { "claims/dotdot.json", Claim("..") },
            new object[] { "claims/long.json", Claim(new string('a', 256)) },
            new object[] { "claims/longoutput.json", Claim("okay", "{\"" + new string('o', 229) + "\":\"v\"}") },
            new object[] { "claims/ctrloutput.json", Claim("okay2", "{\"a\\u0001b\":\"v\"}") },
            new object[] { "claims/nuloutput.json", Claim("okay3", "{\"a\\u0000b\":\"v\"}") },
            new object[] { "claims/dotoutput.json", Claim("okay4", "{\"..\":\"v\"}") },
            new object[] { "credentials/slash.json", "{\"name\":\"a/b\",\"credentials\":[]}" },
            new object[] { "credentials/backslash.json", "{\"name\":\"a\\\\b\",\"credentials\":[]}" },
            new object[] { "credentials/longname.json", "{\"name\":\"" + new string('c', 251) + "\",\"credentials\":[]}" },
            new object[] { "credentials/dotdot.json", "{\"name\":\"..\",\"credentials\":[]}" },
            new object[] { "credentials/" + new string('y', 247) + ".yaml", "name: " + new string('y', 247) + "\ncredentials: []\n" },
        };

        [Theory]
        [MemberData(nameof(BadNames))]
        public void Run_NameThatCannotBeAFile_InvalidItemNameAtPlanOriginalKeptOthersMigrated(string relative, string content)
        {
            using var home = new TempHome();
            string bad = home.Write(relative, content);
            home.Write("claims/good.json", Claim("good"));
            byte[] before = File.ReadAllBytes(bad);
            var store = new FileSystemMigrationStore(home.Path);

            PorterMigrationPlan plan = MigrationEngine.Plan(store);
            Assert.Contains(plan.Items, i => i.Source == relative && i.Action == MigrationAction.Fail && i.ErrorId == ErrorIds.InvalidItemName);

            PorterMigrationResult r = Migrations.Run(store);
            MigrationError e = Assert.Single(r.Errors, x => x.ErrorId == ErrorIds.InvalidItemName);
            Assert.Equal(home.P(relative), e.Target);
            Assert.Equal(before, File.ReadAllBytes(bad));
            Assert.Single(Directory.GetFiles(home.P("claims/good")));
            Assert.False(Directory.Exists(home.P(".porterstorage")));
            Assert.DoesNotContain(Directory.GetFiles(home.Path), f => Regex.IsMatch(Path.GetFileName(f), "^[0-9A-Z]{26}"));
            Assert.DoesNotContain("s3cr3t-value", e.Message);

            // The next run is not blocked: it reports the same refusal and nothing else.
            PorterMigrationResult again = Migrations.Run(store);
            Assert.Equal(ErrorIds.InvalidItemName, Assert.Single(again.Errors).ErrorId);
            Assert.Equal(before, File.ReadAllBytes(bad));
        }

        [Theory]
        [InlineData("", "it is empty")]
        [InlineData(".", "folder itself")]
        [InlineData("..", "folder itself")]
        [InlineData("a/b", "path separator")]
        [InlineData("a\\b", "path separator")]
        [InlineData("a\0b", "NUL")]
        [InlineData("a\tb", "control character")]
        [InlineData("a\u007fb", "control character")]
        public void NameProblem_Unstorable_Named(string name, string why)
        {
            Assert.Contains(why, ItemNames.NameProblem(name));
        }

        [Fact]
        public void NameProblem_LoneSurrogate_Named() => Assert.Contains("unpaired surrogate", ItemNames.NameProblem("a" + (char)0xD800 + "b"));

        [Theory]
        [InlineData("mybun")]
        [InlineData("a:b")]
        [InlineData("ünïcødé-😀")]
        [InlineData("...")]
        public void NameProblem_Storable_Null(string name) => Assert.Null(ItemNames.NameProblem(name));

        [Fact]
        public void PathProblem_PerStoreLimits_FolderBytesBlobChars()
        {
            string twoByte = new string('é', 128); // 256 UTF-8 bytes
            Assert.NotNull(ItemNames.PathProblem("claims/" + twoByte, StoreNameLimits.Folder));
            Assert.Null(ItemNames.PathProblem("claims/" + new string('é', 127), StoreNameLimits.Folder));
            Assert.Null(ItemNames.PathProblem("claims/" + twoByte, StoreNameLimits.Blob));
            Assert.NotNull(ItemNames.PathProblem("claims/" + new string('b', 1018), StoreNameLimits.Blob));
            Assert.Null(ItemNames.PathProblem("claims/" + new string('b', 1017), StoreNameLimits.Blob));
        }

        [Fact]
        public void Recover_StuckChangeOfAnEarlierBuild_RolledBackRunGoesOnNothingLeftInRoot()
        {
            using var home = new TempHome();
            string legacy = home.Write("claims/dotdot.json", Claim(".."));
            home.Write("claims/good.json", Claim("good"));
            byte[] before = File.ReadAllBytes(legacy);
            const string Id = "01ARZ3NDEKTSV4RRFFQ69G5FAV", Result = "01ARZ3NDEKTSV4RRFFQ69G5FAW";
            // What an earlier build committed for installation "..": the output and the claim (into the home's root!) had
            // landed, then moving the index entry onto the home itself failed, and every later run stopped on it.
            var record = new JournalRecord("20240101000000000000-abcdef01", "installation ..",
                new[] { $"outputs/{Result}/{Result}-out", $"claims/../{Id}.json", "installations/.." },
                Array.Empty<KeyValuePair<string, string>>(), new[] { "claims/dotdot.json" });
            home.Write($"outputs/{Result}/{Result}-out", "v");
            home.Write($"{Id}.json", "{\"parameters\":{\"password\":\"s3cr3t-value\"}}");
            home.Write(".porterstorage/staging/20240101000000000000-abcdef01-2", "");
            home.Write(".porterstorage/journal.log", Encoding.UTF8.GetString(record.ToJson()) + "\n");

            var store = new FileSystemMigrationStore(home.Path);
            PorterMigrationResult r = Migrations.Run(store);

            Assert.Contains(r.Warnings, w => w.StartsWith(ErrorIds.InterruptedChangeRolledBack, StringComparison.Ordinal));
            Assert.Contains(r.Installations, i => i.Outcome == MigrationOutcome.RolledBack && i.ErrorId == ErrorIds.InterruptedChangeRolledBack);
            Assert.False(File.Exists(home.P($"{Id}.json")));
            Assert.False(File.Exists(home.P($"outputs/{Result}/{Result}-out")));
            Assert.Equal(before, File.ReadAllBytes(legacy));
            Assert.Contains(r.Errors, e => e.ErrorId == ErrorIds.InvalidItemName && e.Target == legacy);
            Assert.Single(Directory.GetFiles(home.P("claims/good")));
            Assert.Empty(new ChangeJournal(store).Pending());
            Assert.False(Directory.Exists(home.P(".porterstorage")));
            string log = File.ReadAllText(r.LogPath!);
            Assert.Contains(ErrorIds.InterruptedChangeRolledBack, log);

            PorterMigrationResult again = Migrations.Run(store);
            Assert.Equal(ErrorIds.InvalidItemName, Assert.Single(again.Errors).ErrorId);
        }

        [Fact]
        public void Run_SchemaJsonIsAFolder_PathNotFileBeforeAnyWrite()
        {
            using var home = new TempHome();
            home.Write("claims/good.json", Claim("good"));
            home.Mkdir("schema.json");
            List<string> before = Digest(home.Path);
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => Migrations.Run(new FileSystemMigrationStore(home.Path)));
            Assert.Equal(ErrorIds.PathNotFile, ex.ErrorId);
            Assert.Equal(home.P("schema.json"), ex.Target);
            Assert.Equal(before, Digest(home.Path));
            Assert.False(Directory.Exists(home.P(".porterstorage")));
        }

        [Theory]
        [InlineData("claims")]
        [InlineData("credentials")]
        [InlineData("outputs")]
        public void Run_DataFolderIsAFile_PathNotFolderAndTestPorterStorageFails(string folder)
        {
            using var home = new TempHome();
            home.Write(folder, "not a folder");
            if (folder != "claims")
            {
                home.Write("claims/good.json", Claim("good"));
            }
            List<string> before = Digest(home.Path);
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => Migrations.Run(new FileSystemMigrationStore(home.Path)));
            Assert.Equal(ErrorIds.PathNotFolder, ex.ErrorId);
            Assert.Equal(home.P(folder), ex.Target);
            Assert.Equal(before, Digest(home.Path));
            PorterStorageVerification v = StorageVerifier.Verify(PorterStores.OpenFolder(home.Path, FileIO.System));
            Assert.Contains(v.Findings, f => f.Code == ErrorIds.PathNotFolder && f.Severity == FindingSeverity.Error);
        }

        public enum Fault
        {
            AccessDenied,
            DiskFull,
            ReadError,
        }

        private static void SmallLegacyHome(TempHome home)
        {
            home.Write("claims/one.json", Claim("one", "{\"a\":\"1\",\"b\":\"2\"}"));
            home.Write("claims/two.json", Claim("two"));
            home.Write("credentials/creds.json", "{\"name\":\"creds\",\"credentials\":[{\"name\":\"c\",\"source\":{\"env\":\"C\"}}]}");
            home.Write("credentials/old.yaml", "name: old\ncredentials:\n- name: k\n  source:\n    env: K\n");
            home.Write("parameters/params.json", "{\"name\":\"params\",\"parameters\":[]}");
        }

        private static readonly string[] IOIds = { ErrorIds.AccessDenied, ErrorIds.DiskFull, ErrorIds.FileWriteFailed, ErrorIds.FileUnreadable, ErrorIds.StoreReadError };

        /// <summary>A home of one legacy claim, a fault at each I/O call in turn, then a clean run: the claim is migrated, never lost (a refused journal line is no commit).</summary>
        [Theory]
        [InlineData(Fault.DiskFull)]
        [InlineData(Fault.ReadError)]
        [InlineData(Fault.AccessDenied)]
        public void OneLegacyClaim_FaultAtEveryIOCall_ThenACleanRun_MigratedNeverLost(Fault fault)
        {
            List<string> reference;
            int calls;
            using (var clean = new TempHome())
            {
                clean.Write("claims/one.json", Claim("one", "{\"a\":\"1\"}"));
                var counting = new FaultyIO(int.MaxValue, fault);
                Assert.True(Migrations.Run(new FileSystemMigrationStore(clean.Path, counting)).Succeeded);
                reference = Digest(clean.Path);
                calls = counting.Calls;
            }
            var failures = new List<string>();
            for (int n = 1; n <= calls; n++)
            {
                using var home = new TempHome();
                home.Write("claims/one.json", Claim("one", "{\"a\":\"1\"}"));
                try
                {
                    Migrations.Run(new FileSystemMigrationStore(home.Path, new FaultyIO(n, fault)));
                }
                catch (PorterStorageException)
                {
                }
                string jl = System.IO.Path.Combine(home.Path, ".porterstorage", "journal.log");
                string journalText = File.Exists(jl) ? File.ReadAllText(jl) : "(no journal)";
                bool staged = Directory.Exists(System.IO.Path.Combine(home.Path, ".porterstorage", "staging")) && Directory.EnumerateFiles(System.IO.Path.Combine(home.Path, ".porterstorage", "staging")).Any();
                PorterMigrationResult next = Migrations.Run(new FileSystemMigrationStore(home.Path));
                List<string> after = Digest(home.Path);
                if (!next.Succeeded || !after.SequenceEqual(reference))
                {
                    failures.Add($"call {n}: journal.log after the faulted run: {journalText.Length} chars, ends with newline: {journalText.EndsWith("\n")}, staged files left: {staged}; after the next run: [{string.Join(" | ", after)}] errors: {string.Join("; ", next.Errors.Select(e => e.ErrorId))}");
                }
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }

        [Theory]
        [InlineData(Fault.AccessDenied)]
        [InlineData(Fault.DiskFull)]
        [InlineData(Fault.ReadError)]
        public void Run_FaultAtEveryIOCall_NamedErrorNothingLostNextRunFinishes(Fault fault)
        {
            List<string> reference;
            int calls;
            using (var clean = new TempHome())
            {
                SmallLegacyHome(clean);
                var counting = new FaultyIO(int.MaxValue, fault);
                Assert.True(Migrations.Run(new FileSystemMigrationStore(clean.Path, counting)).Succeeded);
                reference = Digest(clean.Path);
                calls = counting.Calls;
            }
            Assert.True(calls > 20, $"only {calls} I/O calls counted");

            for (int n = 1; n <= calls; n++)
            {
                using var home = new TempHome();
                SmallLegacyHome(home);
                var io = new FaultyIO(n, fault);
                try
                {
                    PorterMigrationResult r = Migrations.Run(new FileSystemMigrationStore(home.Path, io));
                    foreach (MigrationError e in r.Errors)
                    {
                        // A fault while the confirmation's plan reads an item leaves that item unconfirmed: the run leaves it as it
                        // is (PlanOutdated), and the next run migrates it.
                        Assert.True(IOIds.Contains(e.ErrorId) || e.ErrorId == ErrorIds.PlanOutdated, $"call {n}: {e.ErrorId}: {e.Message}");
                    }
                }
                catch (PorterStorageException ex)
                {
                    Assert.True(IOIds.Contains(ex.ErrorId), $"call {n}: {ex.ErrorId}: {ex.Message}");
                    Assert.False(string.IsNullOrEmpty(ex.Target));
                }
                Assert.True(io.Fired, $"call {n} was never made");
                if (fault == Fault.DiskFull && io.FiredOnWrite)
                {
                    // a full disk is never reported as an unreadable source
                    Assert.DoesNotContain(ErrorIds.FileUnreadable, io.Seen);
                }

                // Nothing lost, and the home is usable: a clean run ends exactly where an unfaulted run does.
                PorterMigrationResult next = Migrations.Run(new FileSystemMigrationStore(home.Path));
                Assert.True(next.Succeeded, $"call {n}: " + string.Join("; ", next.Errors.Select(e => e.ErrorId + " " + e.Message)));
                Assert.Equal(reference, Digest(home.Path));
            }
        }

        [Theory]
        [InlineData(Fault.AccessDenied)]
        [InlineData(Fault.DiskFull)]
        public void Backup_FaultAtEveryWrite_WriteErrorNamesArchiveHomeUntouched(Fault fault)
        {
            int calls;
            using (var clean = new TempHome())
            using (var outDir = new TempHome())
            {
                SmallLegacyHome(clean);
                var counting = new FaultyIO(int.MaxValue, fault);
                Assert.True(HomeBackup.Create(clean.Path, Path.Combine(outDir.Path, "b.zip"), false, false, null, null, counting, CancellationToken.None).Verified);
                calls = counting.Calls;
            }
            for (int n = 1; n <= calls; n++)
            {
                using var home = new TempHome();
                using var outDir = new TempHome();
                SmallLegacyHome(home);
                List<string> before = Digest(home.Path);
                string archive = Path.Combine(outDir.Path, "b.zip");
                var io = new FaultyIO(n, fault);
                var skipped = new List<PorterStorageException>();
                try
                {
                    PorterBackup b = HomeBackup.Create(home.Path, archive, false, false, null, skipped.Add, io, CancellationToken.None);
                    // a failed read of a source leaves an unverified backup naming that file
                    Assert.True(b.Verified || skipped.Count > 0, $"call {n}");
                    Assert.All(skipped, e => Assert.StartsWith(home.Path, e.Target));
                }
                catch (PorterStorageException ex)
                {
                    string expected = fault == Fault.DiskFull ? ErrorIds.DiskFull : ErrorIds.AccessDenied;
                    Assert.True(ex.ErrorId == expected, $"call {n}: {ex.ErrorId}: {ex.Message}");
                    Assert.True(ex.Target == archive || ex.Target == outDir.Path, $"call {n}: {ex.Target}");
                    Assert.False(File.Exists(archive));
                    Assert.Empty(Directory.GetFiles(outDir.Path));
                }
                Assert.Equal(before, Digest(home.Path));
            }
        }

        [Theory]
        [InlineData(Fault.AccessDenied, true)]
        [InlineData(Fault.DiskFull, true)]
        [InlineData(Fault.ReadError, true)]
        [InlineData(Fault.AccessDenied, false)]
        [InlineData(Fault.DiskFull, false)]
        public void Restore_FaultAtEveryIOCall_NamedErrorDestinationAsItWas(Fault fault, bool occupied)
        {
            using var source = new TempHome();
            using var outDir = new TempHome();
            SmallLegacyHome(source);
            string archive = Path.Combine(outDir.Path, "b.zip");
            Assert.True(HomeBackup.Create(source.Path, archive, false, false, null, null, CancellationToken.None).Verified);

            int calls;
            using (var parent = new TempHome())
            {
                string dest = PrepareDestination(parent, occupied);
                var counting = new FaultyIO(int.MaxValue, fault);
                RestorePlan plan = HomeRestore.Plan(archive, null, dest, parent.Path, true, null, counting, CancellationToken.None);
                HomeRestore.Execute(plan, null, counting, CancellationToken.None);
                Assert.Equal(Digest(source.Path), Digest(dest));
                calls = counting.Calls;
            }
            Assert.True(calls > 10, $"only {calls} I/O calls counted");

            for (int n = 1; n <= calls; n++)
            {
                using var parent = new TempHome();
                string dest = PrepareDestination(parent, occupied);
                List<string> before = Digest(parent.Path);
                var io = new FaultyIO(n, fault);
                try
                {
                    RestorePlan plan = HomeRestore.Plan(archive, null, dest, parent.Path, true, null, io, CancellationToken.None);
                    HomeRestore.Execute(plan, null, io, CancellationToken.None);
                    Assert.Fail($"call {n}: the restore succeeded although call {n} failed");
                }
                catch (PorterStorageException ex)
                {
                    Assert.True(IOIds.Contains(ex.ErrorId), $"call {n}: {ex.ErrorId}: {ex.Message}");
                    Assert.True(ex.Target == archive || ex.Target!.StartsWith(parent.Path, StringComparison.Ordinal), $"call {n}: {ex.Target}");
                    if (fault == Fault.DiskFull && io.FiredOnWrite)
                    {
                        Assert.Equal(ErrorIds.DiskFull, ex.ErrorId);
                    }
                }
                Assert.True(io.Fired, $"call {n} was never made");
                // The destination is as it was: nothing moved aside, no scratch folder left, not one byte changed.
                Assert.Equal(before, Digest(parent.Path));
                Assert.Equal(new[] { "home" }, Directory.GetDirectories(parent.Path).Select(Path.GetFileName).ToArray());
            }
        }

        /// <summary>The restore's destination <c>home</c>: a different home (moved aside by -Force), or an empty folder.</summary>
        private static string PrepareDestination(TempHome parent, bool occupied)
        {
            string dest = parent.Mkdir("home");
            if (occupied)
            {
                parent.Write("home/claims/other.json", Claim("other"));
                parent.Write("home/config.toml", "# mine\n");
            }
            return dest;
        }

        [Fact]
        public void Map_DiskFullAndDenied_NamedIds()
        {
            Assert.Equal(ErrorIds.DiskFull, IOErrors.Map(new IOException("No space left on device", 28), "/x", IOOperation.Write).ErrorId);
            Assert.Equal(ErrorIds.DiskFull, IOErrors.Map(new IOException("full", unchecked((int)0x80070070)), "/x", IOOperation.Write).ErrorId);
            Assert.Equal(ErrorIds.FileWriteFailed, IOErrors.Map(new IOException("broken"), "/x", IOOperation.Write).ErrorId);
            Assert.Equal(ErrorIds.FileUnreadable, IOErrors.Map(new IOException("broken"), "/x", IOOperation.Read).ErrorId);
            Assert.Equal(ErrorIds.StoreReadError, IOErrors.Map(new IOException("broken"), "/x", IOOperation.List).ErrorId);
            PorterStorageException denied = IOErrors.Map(new UnauthorizedAccessException("no"), "/x/claims", IOOperation.List);
            Assert.Equal(ErrorIds.AccessDenied, denied.ErrorId);
            Assert.Equal("/x/claims", denied.Target);
        }

        /// <summary>The file system, failing the n-th call (an open, read, write, rename, delete or listing) with one fault.</summary>
        private sealed class FaultyIO : IFileIO
        {
            private readonly int _failAt;
            private readonly Fault _fault;

            public FaultyIO(int failAt, Fault fault)
            {
                _failAt = failAt;
                _fault = fault;
            }

            public int Calls { get; private set; }

            public bool Fired { get; private set; }

            public bool FiredOnWrite { get; private set; }

            public List<string> Seen { get; } = new List<string>();

            public void Tick(bool write)
            {
                if (++Calls != _failAt)
                {
                    return;
                }
                Fired = true;
                FiredOnWrite = write;
                switch (_fault)
                {
                    case Fault.AccessDenied:
                        throw new UnauthorizedAccessException("Access to the path is denied (injected).");
                    case Fault.DiskFull when write:
                        throw new IOException("No space left on device (injected)", 28);
                    default:
                        throw new IOException("Input/output error (injected)", 5);
                }
            }

            public Stream OpenRead(string path, int bufferSize)
            {
                Tick(false);
                return new FaultyStream(FileIO.System.OpenRead(path, bufferSize), this);
            }

            public byte[] ReadAllBytes(string path)
            {
                Tick(false);
                return FileIO.System.ReadAllBytes(path);
            }

            public Stream CreateNew(string path, int bufferSize)
            {
                Tick(true);
                return new FaultyStream(FileIO.System.CreateNew(path, bufferSize), this);
            }

            public Stream OpenAppend(string path)
            {
                Tick(true);
                return new FaultyStream(FileIO.System.OpenAppend(path), this);
            }

            public void CreateDirectory(string path)
            {
                Tick(true);
                FileIO.System.CreateDirectory(path);
            }

            public void Move(string source, string destination, bool overwrite)
            {
                Tick(true);
                FileIO.System.Move(source, destination, overwrite);
            }

            public void Delete(string path)
            {
                Tick(true);
                FileIO.System.Delete(path);
            }

            public IEnumerable<FileSystemInfo> List(string folder)
            {
                Tick(false);
                return FileIO.System.List(folder);
            }

            public void MoveDirectory(string source, string destination)
            {
                Tick(true);
                FileIO.System.MoveDirectory(source, destination);
            }

            public void DeleteEmptyDirectory(string path)
            {
                Tick(true);
                FileIO.System.DeleteEmptyDirectory(path);
            }

            public FileStream OpenLocked(string path)
            {
                Tick(true);
                return FileIO.System.OpenLocked(path);
            }

            public void SetMode(string path, int mode)
            {
                Tick(true);
                FileIO.System.SetMode(path, mode);
            }

            public FileIdentity? Identity(string path) => FileIO.System.Identity(path);

            public bool TrySetOwner(string path, uint owner, uint group)
            {
                Tick(true);
                return FileIO.System.TrySetOwner(path, owner, group);
            }

            public void SetModifiedTime(string path, DateTime utc)
            {
                Tick(true);
                FileIO.System.SetModifiedTime(path, utc);
            }

            public void CreateSymbolicLink(string path, string target)
            {
                Tick(true);
                FileIO.System.CreateSymbolicLink(path, target);
            }

            public void DeleteTree(string path)
            {
                Tick(true);
                FileIO.System.DeleteTree(path);
            }
        }

        private sealed class FaultyStream : DelegatingStream
        {
            private readonly FaultyIO _io;

            public FaultyStream(Stream inner, FaultyIO io)
                : base(inner)
            {
                _io = io;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                _io.Tick(false);
                return Inner.Read(buffer, offset, count);
            }

            public override void Write(byte[] buffer, int offset, int count)
            {
                _io.Tick(true);
                Inner.Write(buffer, offset, count);
            }
        }
    }
}
