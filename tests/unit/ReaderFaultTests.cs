using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// Issue 11, class 5: a folder the process may not list or a file it may not read, met by each reader of a home (scan,
    /// schema, plan, verify, config), is a named error or problem naming that exact path, never a raw exception. Tests run as
    /// root, where chmod denies nothing: the I/O seam denies instead.
    /// </summary>
    public class ReaderFaultTests
    {
        private const string Claim =
            "{\"installation\":\"mybun\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\"," +
            "\"result\":{\"action\":\"install\",\"status\":\"success\"},\"bundle\":{\"schemaVersion\":\"v1.0.0\",\"name\":\"b\",\"version\":\"0.1.0\"}}";

        /// <summary>A legacy claim beside a migrated installation, sets, results, outputs, an index, a schema and a config.</summary>
        private static TempHome MixedHome()
        {
            var home = new TempHome();
            home.Write("claims/mybun.json", Claim);
            home.Write("claims/mybun/01ARZ3NDEKTSV4RRFFQ69G5FAV.json",
                "{\"id\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"installation\":\"mybun\",\"created\":\"2020-01-01T00:00:00Z\",\"action\":\"install\"}");
            home.Write("installations/mybun", "{}");
            home.Write("results/01ARZ3NDEKTSV4RRFFQ69G5FAV/01ARZ3NDEKTSV4RRFFQ69G5FAW.json", "{\"id\":\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"claimId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\"}");
            home.Write("outputs/01ARZ3NDEKTSV4RRFFQ69G5FAW/01ARZ3NDEKTSV4RRFFQ69G5FAW-out", "v");
            home.Write("credentials/creds.json", "{\"name\":\"creds\",\"credentials\":[]}");
            home.Write("parameters/params.json", "{\"name\":\"params\",\"parameters\":[]}");
            home.Write("schema.json", "{\"claims\":\"cnab-claim-1.0.0-DRAFT+b5ed2f3\",\"credentials\":\"cnab-credentialsets-1.0.0-DRAFT\",\"parameters\":\"cnab-parametersets-1.0.0-DRAFT+TODO\"}");
            home.Write("config.toml", "default-storage-plugin = \"filesystem\"\n");
            return home;
        }

        public static IEnumerable<object[]> Folders() => new[]
        {
            new object[] { "claims" },
            new object[] { "claims/mybun" },
            new object[] { "installations" },
            new object[] { "results" },
            new object[] { "outputs" },
            new object[] { "credentials" },
            new object[] { "parameters" },
        };

        public static IEnumerable<object[]> Documents() => new[]
        {
            new object[] { "claims/mybun/01ARZ3NDEKTSV4RRFFQ69G5FAV.json" },
            new object[] { "credentials/creds.json" },
            new object[] { "parameters/params.json" },
        };

        [Theory]
        [MemberData(nameof(Folders))]
        public void Inspect_FolderNotListable_AccessDeniedProblemNamingIt(string folder)
        {
            using TempHome home = MixedHome();
            var io = new DenyingIO(home.P(folder));
            PorterHome h = PorterHomeService.Inspect(home.Path, "Parameter", io, CancellationToken.None);
            PorterHomeProblem p = Assert.Single(h.Problems, x => x.Code == ErrorIds.AccessDenied);
            Assert.Equal(home.P(folder), p.Path);
            Assert.Contains(home.P(folder), p.Message);
            Assert.True(io.Denied > 0);
        }

        [Theory]
        [MemberData(nameof(Documents))]
        public void Inspect_DocumentNotReadable_UnreadableDocumentNamingItAndTheCause(string document)
        {
            using TempHome home = MixedHome();
            var io = new DenyingIO(home.P(document));
            PorterHome h = PorterHomeService.Inspect(home.Path, "Parameter", io, CancellationToken.None);
            if (document.StartsWith("claims/", StringComparison.Ordinal))
            {
                // the scan only counts claims; the schema needs none of them
                Assert.Equal(0, io.Denied);
                return;
            }
            PorterHomeProblem p = Assert.Single(h.Problems, x => x.Code == ProblemCodes.UnreadableDocument);
            Assert.Equal(home.P(document), p.Path);
            Assert.StartsWith(ErrorIds.AccessDenied + ":", p.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("claims")]
        [InlineData("claims/mybun")]
        [InlineData("credentials")]
        [InlineData("parameters")]
        [InlineData("credentials/creds.json")]
        public void TestSchema_FolderOrDocumentNotReadable_AccessDeniedNamingIt(string denied)
        {
            using TempHome home = MixedHome();
            File.Delete(home.P("schema.json")); // the state then depends on what the folders hold
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() =>
                PorterHomeService.TestSchema(home.Path, new DenyingIO(home.P(denied)), CancellationToken.None));
            Assert.Equal(ErrorIds.AccessDenied, ex.ErrorId);
            Assert.Equal(home.P(denied), ex.Target);
        }

        [Fact]
        public void TestSchema_UnrelatedFolderNotListable_StateStillDecided()
        {
            using TempHome home = MixedHome();
            home.Write("cache/x", "1");
            PorterSchemaStatus status = PorterHomeService.TestSchema(home.Path, new DenyingIO(home.P("cache")), CancellationToken.None);
            Assert.Equal(PorterHomeService.TestSchema(home.Path).State, status.State);
        }

        [Fact]
        public void SchemaInspect_SchemaNotReadable_AccessDeniedNamingIt()
        {
            using TempHome home = MixedHome();
            var store = new FileSystemMigrationStore(home.Path, new DenyingIO(home.P("schema.json"), null));
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => SchemaInspector.ReadSchema(store, out _));
            Assert.Equal(ErrorIds.AccessDenied, ex.ErrorId);
            Assert.Equal(home.P("schema.json"), ex.Target);

            PorterHome h = PorterHomeService.Inspect(home.Path, "Parameter", new DenyingIO(home.P("schema.json")), CancellationToken.None);
            PorterHomeProblem p = Assert.Single(h.Problems, x => x.Code == ProblemCodes.SchemaUnreadable);
            Assert.Equal(home.P("schema.json"), p.Path);
            Assert.StartsWith(ErrorIds.AccessDenied + ":", p.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("claims")]
        [InlineData("credentials")]
        [InlineData("parameters")]
        public void SchemaInspect_StoreFolderNotListable_AccessDeniedNamingIt(string folder)
        {
            using TempHome home = MixedHome();
            File.Delete(home.P("schema.json"));
            var store = new FileSystemMigrationStore(home.Path, new DenyingIO(home.P(folder), null));
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => store.List(folder, null));
            Assert.Equal(ErrorIds.AccessDenied, ex.ErrorId);
            Assert.Equal(home.P(folder), ex.Target);
        }

        [Theory]
        [InlineData("claims")]
        [InlineData("claims/mybun")]
        [InlineData("credentials")]
        [InlineData("parameters")]
        [InlineData("schema.json")]
        [InlineData("claims/mybun.json")]
        public void Plan_FolderOrDocumentNotReadable_NamedErrorNamingIt(string denied)
        {
            using TempHome home = MixedHome();
            File.Delete(home.P("schema.json"));
            home.Write("schema.json", "{\"claims\":\"cnab-claim-1.0.0-DRAFT\"}");
            var io = new DenyingIO(home.P(denied));
            var store = new FileSystemMigrationStore(home.Path, io);
            try
            {
                PorterMigrationPlan plan = MigrationEngine.Plan(store);
                // a document the plan cannot read is its item's failure, named
                PorterMigrationPlanItem item = Assert.Single(plan.Items, i => i.ErrorId != null);
                Assert.Equal(ErrorIds.AccessDenied, item.ErrorId);
            }
            catch (PorterStorageException ex)
            {
                Assert.Equal(ErrorIds.AccessDenied, ex.ErrorId);
                Assert.Equal(home.P(denied), ex.Target);
            }
            Assert.True(io.Denied > 0, $"'{denied}' was never touched by the plan");
        }

        /// <summary>A legacy home: a claim, a credential set and a parameter set, no schema.</summary>
        private static TempHome LegacyHome()
        {
            var home = new TempHome();
            home.Write("claims/mybun.json", Claim);
            home.Write("credentials/creds.json", "{\"name\":\"creds\",\"credentials\":[]}");
            home.Write("parameters/params.json", "{\"name\":\"params\",\"parameters\":[]}");
            return home;
        }

        [Theory]
        [InlineData("credentials", "parameters/params.json")]
        [InlineData("parameters", "credentials/creds.json")]
        public void Migrate_SetFolderNotListable_OnlyItsSetsStop_ClaimsAndTheOtherSetsMigrate_SchemaWithheld(string denied, string otherSet)
        {
            using TempHome home = LegacyHome();
            string deniedSet = Directory.GetFiles(home.P(denied)).Single();
            byte[] deniedBytes = File.ReadAllBytes(deniedSet);
            var io = new DenyingIO(home.P(denied));

            PorterMigrationResult r = MigrationSession.Run(new MigrationRequest(new FileSystemMigrationStore(home.Path, io)) { SkipBackupCheck = true })!;

            MigrationError error = Assert.Single(r.Errors);
            Assert.Equal(ErrorIds.AccessDenied, error.ErrorId);
            Assert.Equal(home.P(denied), error.Target);
            Assert.Contains(home.P(denied), error.Message);
            Assert.False(r.Succeeded);
            Assert.False(r.SchemaWritten);
            Assert.False(File.Exists(home.P("schema.json")));
            Assert.Equal(1, r.Migrated);
            Assert.False(File.Exists(home.P("claims/mybun.json")));
            Assert.True(File.Exists(home.P("installations/mybun")));
            Assert.Contains("schemaVersion", File.ReadAllText(home.P(otherSet)));
            Assert.Equal(deniedBytes, File.ReadAllBytes(deniedSet));
            Assert.Contains(File.ReadAllLines(r.LogPath!), l => l.Contains(ErrorIds.AccessDenied) && l.Contains(home.P(denied)));
        }

        [Theory]
        [InlineData("credentials")]
        [InlineData("parameters")]
        public void Migrate_SetFolderUnreadableForAnotherReason_StoreReadErrorNamingIt_ClaimsMigrate(string denied)
        {
            using TempHome home = LegacyHome();
            var io = new DenyingIO(home.P(denied), () => new IOException("Input/output error (injected)", 5));

            PorterMigrationResult r = MigrationSession.Run(new MigrationRequest(new FileSystemMigrationStore(home.Path, io)) { SkipBackupCheck = true })!;

            MigrationError error = Assert.Single(r.Errors);
            Assert.Equal(ErrorIds.StoreReadError, error.ErrorId);
            Assert.Equal(home.P(denied), error.Target);
            Assert.Equal(1, r.Migrated);
            Assert.False(r.SchemaWritten);
        }

        [Theory]
        [MemberData(nameof(Folders))]
        public void Verify_FolderNotListable_AccessDeniedFindingNamingIt(string folder)
        {
            using TempHome home = MixedHome();
            File.Delete(home.P("claims/mybun.json"));
            PorterStorageVerification v = StorageVerifier.Verify(PorterStores.OpenFolder(home.Path, new DenyingIO(home.P(folder))));
            StorageFinding f = Assert.Single(v.Findings, x => x.Code == ErrorIds.AccessDenied);
            Assert.Equal(home.P(folder), f.Path);
            Assert.Equal(FindingSeverity.Error, f.Severity);
            Assert.False(v.IsValid);
        }

        [Theory]
        [MemberData(nameof(Documents))]
        public void Verify_DocumentNotReadable_DocumentUnreadableNamingItAndTheCause(string document)
        {
            using TempHome home = MixedHome();
            PorterStorageVerification v = StorageVerifier.Verify(PorterStores.OpenFolder(home.Path, new DenyingIO(home.P(document))));
            StorageFinding f = Assert.Single(v.Findings, x => x.Code == "DocumentUnreadable");
            Assert.Equal(home.P(document), f.Path);
            Assert.StartsWith(ErrorIds.AccessDenied + ":", f.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Verify_SchemaNotReadable_SchemaUnreadableNamingIt()
        {
            using TempHome home = MixedHome();
            PorterStorageVerification v = StorageVerifier.Verify(PorterStores.OpenFolder(home.Path, new DenyingIO(home.P("schema.json"))));
            StorageFinding f = Assert.Single(v.Findings, x => x.Code == "SchemaUnreadable");
            Assert.Equal(home.P("schema.json"), f.Path);
        }

        [Fact]
        public void ConfigRead_NotReadable_AccessDeniedNamingTheFile()
        {
            using TempHome home = MixedHome();
            string config = home.P("config.toml");
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => PorterConfigReader.Read(home.Path, new DenyingIO(config)));
            Assert.Equal(ErrorIds.AccessDenied, ex.ErrorId);
            Assert.Equal(config, ex.Target);

            PorterHome h = PorterHomeService.Inspect(home.Path, "Parameter", new DenyingIO(config), CancellationToken.None);
            PorterHomeProblem p = Assert.Single(h.Problems, x => x.Code == ProblemCodes.ConfigUnreadable);
            Assert.Equal(config, p.Path);
            Assert.StartsWith(ErrorIds.AccessDenied + ":", p.Message, StringComparison.Ordinal);

            Assert.Equal(ErrorIds.AccessDenied, Assert.Throws<PorterStorageException>(() =>
                PorterHomeService.TestSchema(home.Path, new DenyingIO(config), CancellationToken.None)).ErrorId);
        }

        [Fact]
        public void ConfigRead_OtherReadFailure_ConfigReadError()
        {
            using TempHome home = MixedHome();
            string config = home.P("config.toml");
            var io = new DenyingIO(config, () => new IOException("Input/output error (injected)", 5));
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => PorterConfigReader.Read(home.Path, io));
            Assert.Equal(ErrorIds.ConfigReadError, ex.ErrorId);
            Assert.Equal(config, ex.Target);
        }

        /// <summary>The file system, refusing every listing or read of one path as a folder without r/x bits would.</summary>
        private sealed class DenyingIO : IFileIO
        {
            private readonly string _path;
            private readonly Func<Exception> _fault;

            public DenyingIO(string path, Func<Exception>? fault = null)
            {
                _path = path;
                _fault = fault ?? (() => new UnauthorizedAccessException($"Access to the path '{path}' is denied (injected)."));
            }

            public int Denied { get; private set; }

            private void Check(string path)
            {
                if (string.Equals(path.TrimEnd(Path.DirectorySeparatorChar), _path, StringComparison.Ordinal))
                {
                    Denied++;
                    throw _fault();
                }
            }

            public Stream OpenRead(string path, int bufferSize)
            {
                Check(path);
                return FileIO.System.OpenRead(path, bufferSize);
            }

            public byte[] ReadAllBytes(string path)
            {
                Check(path);
                return FileIO.System.ReadAllBytes(path);
            }

            public Stream CreateNew(string path, int bufferSize) => FileIO.System.CreateNew(path, bufferSize);

            public Stream OpenAppend(string path) => FileIO.System.OpenAppend(path);

            public void CreateDirectory(string path) => FileIO.System.CreateDirectory(path);

            public void Move(string source, string destination, bool overwrite) => FileIO.System.Move(source, destination, overwrite);

            public void Delete(string path) => FileIO.System.Delete(path);

            public IEnumerable<FileSystemInfo> List(string folder)
            {
                Check(folder);
                return FileIO.System.List(folder);
            }

            public void MoveDirectory(string source, string destination) => FileIO.System.MoveDirectory(source, destination);

            public void DeleteEmptyDirectory(string path) => FileIO.System.DeleteEmptyDirectory(path);

            public FileStream OpenLocked(string path) => FileIO.System.OpenLocked(path);

            public void SetMode(string path, int mode) => FileIO.System.SetMode(path, mode);

            public FileIdentity? Identity(string path) => FileIO.System.Identity(path);

            public bool TrySetOwner(string path, uint owner, uint group) => FileIO.System.TrySetOwner(path, owner, group);

            public void SetModifiedTime(string path, DateTime utc) => FileIO.System.SetModifiedTime(path, utc);

            public void CreateSymbolicLink(string path, string target) => FileIO.System.CreateSymbolicLink(path, target);

            public void DeleteTree(string path) => FileIO.System.DeleteTree(path);
        }
    }
}
