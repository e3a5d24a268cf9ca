using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using CsCheck;
using PorterStorage.Tests.Corpus;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// A home a less trusted user arranged, migrated by root: a link planted at any path the module creates or writes through
    /// changes nothing outside the home, and everything the migration writes belongs to the home's owner. The test command
    /// runs as root (CI); as another user the owner checks have nothing to check and the link checks still hold.
    /// </summary>
    public class HostileHomeWriteTests
    {
        private static TempHome LegacyHome()
        {
            var home = new TempHome();
            home.Write("claims/c0.json", HostileHomes.Claim("inst0", outputs: "{\"o\":\"v\"}"));
            home.Write("claims/c1.json", HostileHomes.Claim("inst1"));
            home.Write("parameters/p.json", "{\"name\":\"p\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"parameters\":[]}");
            return home;
        }

        /// <summary>Every path a migration creates or writes through in a home, as a planted link pointing outside it.</summary>
        public static IEnumerable<object[]> PlantedLinks() => Planted.Select(p => new object[] { p });

        private static readonly string[] Planted =
        {
            ".porterstorage", ".porterstorage/lock", ".porterstorage/journal.log", ".porterstorage/staging", ".porterstorage/aside",
            "{log}", "claims/inst0", "claims/inst1", "results", "outputs", "installations", "schema.json", ".schema.json",
        };

        [Theory]
        [MemberData(nameof(PlantedLinks))]
        public void Migration_LinkPlantedWhereItWrites_NothingOutsideTheHomeChanges(string planted) => PlantAndMigrate(new[] { (planted, 0) });

        /// <summary>Several links at once, each to a file, a folder or nowhere, over generated combinations of the paths above.</summary>
        [Fact]
        public void Migration_GeneratedSetsOfPlantedLinks_NothingOutsideTheHomeChanges()
        {
            (from path in Gen.Int[0, Planted.Length - 1] from kind in Gen.Int[0, 2] select (path, kind)).Array[1, 4]
                .Sample(links => PlantAndMigrate(links.GroupBy(l => l.Item1).Select(g => (Planted[g.Key], g.First().Item2)).ToList()),
                    iter: 40, threads: 1, seed: "0pl4nt3dL1nk");
        }

        /// <summary>Plants each link (kind 0: what the path would be, a file or a folder; 1: the other; 2: nowhere), migrates as this process, checks.</summary>
        private static void PlantAndMigrate(IReadOnlyList<(string Path, int Kind)> plants)
        {
            using var home = LegacyHome();
            using var outside = new TempHome();
            outside.Write("victim", "precious\n", 0x1A4);
            outside.Mkdir("folder");
            outside.Write("folder/victim", "precious too\n", 0x1A4);
            var links = new List<string>();
            foreach ((string planted, int kind) in plants.OrderBy(p => p.Path.Length))
            {
                bool folderLike = planted.IndexOf('.') < 0 || planted == ".porterstorage" || planted.EndsWith("staging", StringComparison.Ordinal) || planted.EndsWith("aside", StringComparison.Ordinal);
                bool folder = kind == 1 ? !folderLike : folderLike;
                string target = kind == 2 ? outside.P("nowhere/made") : folder ? outside.P("folder") : outside.P("victim");
                var here = new List<string>();
                if (planted == "{log}")
                {
                    // The log of each of the next seconds.
                    for (int s = 0; s < 8; s++)
                    {
                        here.Add(home.P(DateTime.Now.AddSeconds(s).ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-migrate.log"));
                    }
                }
                else
                {
                    string? parent = Path.GetDirectoryName(home.P(planted));
                    if (UnixFiles.Lstat(parent!) is FileIdentity p && p.IsLink)
                    {
                        continue; // beneath a link planted already
                    }
                    Directory.CreateDirectory(parent!);
                    here.Add(home.P(planted));
                }
                foreach (string link in here)
                {
                    FileSystemExtras.CreateSymbolicLink(link, target, folder);
                    links.Add(link);
                }
            }
            string what = string.Join(", ", plants);
            Dictionary<string, string> before = Snapshot(outside.Path);

            PorterMigrationResult? result = null;
            try
            {
                result = MigrationSession.Run(new MigrationRequest(new FileSystemMigrationStore(home.Path)) { SkipBackupCheck = true, Approve = (_, _) => true });
            }
            catch (PorterStorageException ex)
            {
                // A link read as a document (schema.json) is judged by what it leads to; nothing is written through it.
                Assert.True(new[] { ErrorIds.UnsafeLink, ErrorIds.DataFolderIsLink, ErrorIds.PathNotFolder, ErrorIds.PathNotFile, ErrorIds.SchemaParseError, ErrorIds.SchemaReadError }.Contains(ex.ErrorId),
                    $"{what}: {ex.ErrorId}: {ex.Message}");
            }

            Assert.Equal(before, Snapshot(outside.Path));
            Assert.False(Directory.Exists(outside.P("nowhere")), what);
            if (result != null)
            {
                foreach (MigrationError e in result.Errors)
                {
                    Assert.True(new[] { ErrorIds.UnsafeLink, ErrorIds.DataFolderIsLink, ErrorIds.DataFileIsLink, ErrorIds.FileWriteFailed, ErrorIds.MigrationWriteError }.Contains(e.ErrorId),
                        $"{what}: {e.ErrorId}: {e.Message}");
                }
            }
            // A rerun after the links are gone finishes the work.
            foreach (string link in links)
            {
                File.Delete(link);
            }
            PorterMigrationResult again = MigrationSession.Run(new MigrationRequest(new FileSystemMigrationStore(home.Path)) { SkipBackupCheck = true, Approve = (_, _) => true })!;
            Assert.True(again.Succeeded, what + ": " + string.Join("; ", again.Errors));
            Assert.False(File.Exists(home.P("claims/c0.json")));
            Assert.Equal(before, Snapshot(outside.Path));
        }

        /// <summary>
        /// Hard links planted at the module's own files (the lock, the journal, the next seconds' logs, the schema) and at data files
        /// (a claim, a file whose mode the run would repair) to files outside the home: nothing outside changes (bytes, mode, owner,
        /// time), no file of the home ends up holding an outside file's bytes, and the rerun without them finishes.
        /// </summary>
        [Theory]
        [InlineData(".porterstorage/lock")]
        [InlineData(".porterstorage/journal.log")]
        [InlineData("{log}")]
        [InlineData("schema.json")]
        [InlineData("claims/c0.json")]
        [InlineData("credentials/notes.txt")]
        public void Migration_HardLinkWhereItWritesOrReads_NothingOutsideChanges(string planted)
        {
            using var home = LegacyHome();
            using var outside = new TempHome();
            string victim = outside.Write("victim", planted == "claims/c0.json" ? HostileHomes.Claim("rootonly") : "OUTSIDE-SECRET precious\n", 0x1A4);
            var links = new List<string>();
            if (planted == "{log}")
            {
                for (int s = 0; s < 8; s++)
                {
                    links.Add(home.P(DateTime.Now.AddSeconds(s).ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-migrate.log"));
                }
            }
            else
            {
                links.Add(home.P(planted));
            }
            foreach (string link in links)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(link)!);
                if (File.Exists(link))
                {
                    File.Delete(link);
                }
                Assert.Equal(0, Link(victim, link));
            }
            Dictionary<string, string> before = Snapshot(outside.Path);

            try
            {
                PorterMigrationResult result = MigrationSession.Run(new MigrationRequest(new FileSystemMigrationStore(home.Path)) { SkipBackupCheck = true, Approve = (_, _) => true })!;
                foreach (MigrationError e in result.Errors)
                {
                    Assert.Equal(ErrorIds.UnsafeLink, e.ErrorId);
                }
            }
            catch (PorterStorageException ex)
            {
                Assert.Equal(ErrorIds.UnsafeLink, ex.ErrorId);
            }

            Assert.Equal(before, Snapshot(outside.Path));
            foreach (string file in Directory.EnumerateFiles(home.Path, "*", SearchOption.AllDirectories).Where(f => !links.Contains(f)))
            {
                Assert.DoesNotContain("rootonly", File.ReadAllText(file), StringComparison.Ordinal);
                Assert.DoesNotContain("OUTSIDE-SECRET", File.ReadAllText(file), StringComparison.Ordinal);
            }
            foreach (string link in links)
            {
                File.Delete(link);
            }
            PorterMigrationResult again = MigrationSession.Run(new MigrationRequest(new FileSystemMigrationStore(home.Path)) { SkipBackupCheck = true, Approve = (_, _) => true })!;
            Assert.True(again.Succeeded, planted + ": " + string.Join("; ", again.Errors));
            Assert.Equal(before, Snapshot(outside.Path));
        }

        /// <summary>
        /// Another writer creates a target the run committed to create (the installation's index) before the run puts it in place: the
        /// run never replaces it, reports ItemChangedDuringMigration, and its roll back leaves the other writer's file as it made it.
        /// </summary>
        [Fact]
        public void Migration_AnotherWriterCreatesATargetFirst_ItsFileIsKept()
        {
            using var home = LegacyHome();
            bool done = false;
            void CreateFirst()
            {
                if (!done && File.Exists(home.P(".porterstorage/journal.log")) && !File.Exists(home.P("installations/inst0")) && Directory.Exists(home.P(".porterstorage/staging")))
                {
                    done = true;
                    Directory.CreateDirectory(home.P("installations"));
                    File.WriteAllText(home.P("installations/inst0"), "theirs");
                }
            }
            var io = new Properties.ConcurrentWriterProperties.HookedIO(FileSystemMigrationStore.HomeIO(home.Path), CreateFirst);

            PorterMigrationResult result = MigrationSession.Run(new MigrationRequest(new FileSystemMigrationStore(home.Path, io)) { SkipBackupCheck = true, Approve = (_, _) => true })!;

            Assert.True(done);
            Assert.Contains(result.Errors, e => e.ErrorId == ErrorIds.ItemChangedDuringMigration && e.Target.EndsWith("installations/inst0", StringComparison.Ordinal));
            Assert.Equal("theirs", File.ReadAllText(home.P("installations/inst0")));
            Assert.True(File.Exists(home.P("claims/c0.json")), "the legacy claim stays: its change was rolled back");
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
        private static extern int Link(string existing, string newPath);

        /// <summary>
        /// A home whose folder root owns but whose data another user owns (a shared mount, a home made by an installer): what the run
        /// writes is the data's owner's, so Porter, running as that user, reads and writes it afterwards.
        /// </summary>
        [Fact]
        public void Migration_RootOwnedHomeOfAUsersData_EveryNewFileIsTheDataOwners()
        {
            if (!UnixFiles.MayChangeOwners)
            {
                return; // only root may give files to another owner; the test command runs as root
            }
            using var home = LegacyHome();
            ChangeOwner(home.Path, 1000, 1000);
            Assert.True(UnixFiles.TryChangeOwner(home.Path, 0, 0));

            PorterMigrationResult result = MigrationSession.Run(new MigrationRequest(new FileSystemMigrationStore(home.Path)) { SkipBackupCheck = true, Approve = (_, _) => true })!;

            Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            foreach (string path in Directory.EnumerateFileSystemEntries(home.Path, "*", SearchOption.AllDirectories))
            {
                FileIdentity id = UnixFiles.Lstat(path)!.Value;
                Assert.True(id.Owner == 1000 && id.Group == 1000, $"'{path}' is owned by {id.Owner}:{id.Group}");
            }
        }

        [Fact]
        public void Migration_RootOnAUsersHome_EveryFileStaysTheUsers()
        {
            if (!UnixFiles.MayChangeOwners)
            {
                return; // only root may give files to another owner; the test command runs as root
            }
            using var home = LegacyHome();
            ChangeOwner(home.Path, 1000, 1000);

            PorterMigrationResult result = MigrationSession.Run(new MigrationRequest(new FileSystemMigrationStore(home.Path)) { SkipBackupCheck = true, Approve = (_, _) => true })!;

            Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            Assert.DoesNotContain(result.Warnings, w => w.Contains("could not be given", StringComparison.Ordinal));
            var paths = Directory.EnumerateFileSystemEntries(home.Path, "*", SearchOption.AllDirectories).ToList();
            Assert.Contains(paths, p => p.EndsWith("schema.json", StringComparison.Ordinal));
            Assert.Contains(paths, p => p.EndsWith("-migrate.log", StringComparison.Ordinal));
            foreach (string path in paths.Append(home.Path))
            {
                FileIdentity id = UnixFiles.Lstat(path)!.Value;
                Assert.True(id.Owner == 1000 && id.Group == 1000, $"'{path}' is owned by {id.Owner}:{id.Group}");
            }
        }

        /// <summary>
        /// The user who may write the destination's parent swaps the restore's scratch folder for a link to a folder of theirs choosing
        /// (holding the same names) before each step of a restore in turn: no step writes, chmods, chowns or touches anything there.
        /// </summary>
        [Fact]
        public void Restore_ScratchFolderSwappedForALinkBeforeAnyStep_NothingOutsideChanges()
        {
            using var home = new TempHome();
            home.Write("claims/c0.json", HostileHomes.Claim("inst0"));
            home.Write("authorized_keys", "ssh-ed25519 AAAA user\n");
            using var backups = new TempHome();
            PorterBackup backup = HomeBackup.Create(home.Path, backups.P("h.tar.gz"), false, false, null, null, System.Threading.CancellationToken.None);
            using var outside = new TempHome();
            outside.Write("claims/c0.json", "precious\n", 0x1A4);
            outside.Write("authorized_keys", "root's own\n", 0x1A4);
            Dictionary<string, string> before = Snapshot(outside.Path);

            int calls = 0;
            using (var parent = new TempHome())
            {
                var counting = new Properties.ConcurrentWriterProperties.HookedIO(new ConfinedFileIO(parent.Path), () => calls++);
                HomeRestore.Execute(Plan(backup, parent.P("restored")), null, counting, System.Threading.CancellationToken.None);
            }
            Assert.True(calls > 4, $"only {calls} steps");
            for (int n = 1; n <= calls; n++)
            {
                using var parent = new TempHome();
                int step = 0;
                void Swap()
                {
                    if (++step != n)
                    {
                        return;
                    }
                    foreach (string scratch in Directory.GetDirectories(parent.Path, "restored.restoring-*"))
                    {
                        Directory.Move(scratch, scratch + ".moved");
                        Directory.CreateSymbolicLink(scratch, outside.Path);
                    }
                }
                var io = new Properties.ConcurrentWriterProperties.HookedIO(new ConfinedFileIO(parent.Path), Swap);
                try
                {
                    HomeRestore.Execute(Plan(backup, parent.P("restored")), null, io, System.Threading.CancellationToken.None);
                }
                catch (PorterStorageException ex)
                {
                    Assert.True(ex.ErrorId == ErrorIds.UnsafeLink || ex.ErrorId == ErrorIds.RestoreFailed, $"step {n}: {ex.ErrorId}: {ex.Message}");
                }
                Assert.Equal(before, Snapshot(outside.Path));
            }
        }

        /// <summary>
        /// A file of the home swapped for a link to a file the user may not read (root's) after the backup listed it: the backup never
        /// reads through the link, so the archive never holds the other file's bytes (the file is reported and the backup not verified).
        /// </summary>
        [Fact]
        public void Backup_FileSwappedForALinkAfterTheListing_NeverReadThroughIt()
        {
            using var home = new TempHome();
            home.Write("claims/c0.json", HostileHomes.Claim("inst0"));
            using var outside = new TempHome();
            string secret = outside.Write("shadow", "root:SECRET-HASH:19000::::::\n", 0x180);
            using var backups = new TempHome();
            var errors = new List<PorterStorageException>();
            PorterBackup backup = HomeBackup.Create(home.Path, backups.P("h.tar.gz"), false, false, null, errors.Add, path =>
            {
                if (path.EndsWith("c0.json", StringComparison.Ordinal))
                {
                    File.Delete(path);
                    File.CreateSymbolicLink(path, secret);
                }
                return HomeBackup.ReadFile(path);
            }, System.Threading.CancellationToken.None);

            Assert.False(backup.Verified);
            Assert.Contains(errors, e => e.Target != null && e.Target.EndsWith("c0.json", StringComparison.Ordinal));
            using (ArchiveReader reader = ArchiveReader.OpenFile(backup.Path))
            {
                foreach (ArchiveItem item in reader.Items())
                {
                    using Stream data = item.Open();
                    using var text = new StreamReader(data);
                    Assert.DoesNotContain("SECRET-HASH", text.ReadToEnd(), StringComparison.Ordinal);
                }
            }
        }

        /// <summary>The module's own new files (backups' temporary files, logs, reports) are never created or appended through a link.</summary>
        [Fact]
        public void PrivateFiles_ALinkInTheirPlace_RefusedNeverFollowed()
        {
            using var dir = new TempHome();
            string victim = dir.Write("victim", "precious", 0x1A4);
            File.CreateSymbolicLink(dir.P("dangling"), dir.P("made-through-link"));
            File.CreateSymbolicLink(dir.P("linked"), victim);
            Assert.Throws<LinkRefusedException>(() => FileSystemExtras.CreateNewPrivate(dir.P("dangling")));
            Assert.Throws<LinkRefusedException>(() => FileSystemExtras.CreateNewPrivate(dir.P("linked")));
            Assert.Throws<LinkRefusedException>(() => FileSystemExtras.OpenPrivateAppend(dir.P("linked")));
            Assert.Throws<LinkRefusedException>(() => FileSystemExtras.OpenPrivateAppend(dir.P("dangling")));
            Assert.Equal(ErrorIds.UnsafeLink, IOErrors.Map(new LinkRefusedException(dir.P("linked")), dir.P("linked"), IOOperation.Write).ErrorId);
            Assert.False(File.Exists(dir.P("made-through-link")));
            Assert.Equal("precious", File.ReadAllText(victim));
            Assert.Equal(0x1A4, UnixPermissions.TryGetMode(victim));
        }

        /// <summary>
        /// The user who may write the destination's parent swaps a folder inside the scratch folder (theirs once owners are given) for a
        /// link to a folder of root's, and the restore fails at that step: the clean-up of the scratch folder removes the link, never
        /// what it leads to. Before each step in turn, as root.
        /// </summary>
        [Fact]
        public void Restore_FailsAfterAFolderInsideTheScratchFolderBecameALink_TheCleanUpRemovesNothingOutside()
        {
            using var home = new TempHome();
            home.Write("claims/c0.json", HostileHomes.Claim("inst0"));
            home.Write("claims/c1.json", HostileHomes.Claim("inst1"));
            using var backups = new TempHome();
            PorterBackup backup = HomeBackup.Create(home.Path, backups.P("h.tar.gz"), false, false, null, null, System.Threading.CancellationToken.None);
            using var outside = new TempHome();
            for (int i = 0; i < 5; i++)
            {
                outside.Write("precious/f" + i, "root's own\n", 0x1A4);
            }
            Dictionary<string, string> before = Snapshot(outside.Path);
            int calls = 0;
            using (var parent = new TempHome())
            {
                HomeRestore.Execute(Plan(backup, parent.P("restored")), null, new Properties.ConcurrentWriterProperties.HookedIO(new ConfinedFileIO(parent.Path), () => calls++),
                    System.Threading.CancellationToken.None);
            }
            for (int n = 1; n <= calls; n++)
            {
                using var parent = new TempHome();
                int step = 0;
                void SwapAndFail()
                {
                    if (++step != n)
                    {
                        return;
                    }
                    foreach (string scratch in Directory.GetDirectories(parent.Path, "restored.restoring-*"))
                    {
                        string claims = Path.Combine(scratch, "claims");
                        if (Directory.Exists(claims) && UnixFiles.Lstat(claims) is FileIdentity id && !id.IsLink)
                        {
                            Directory.Move(claims, Path.Combine(parent.Path, "moved-claims"));
                            Directory.CreateSymbolicLink(claims, outside.P("precious"));
                        }
                    }
                    throw new IOException("refused (injected)");
                }
                var io = new Properties.ConcurrentWriterProperties.HookedIO(new ConfinedFileIO(parent.Path), SwapAndFail);
                try
                {
                    HomeRestore.Execute(Plan(backup, parent.P("restored")), null, io, System.Threading.CancellationToken.None);
                }
                catch (PorterStorageException)
                {
                    // refused: what matters is what is left outside
                }
                Assert.Equal(before, Snapshot(outside.Path));
                Assert.Empty(Directory.GetDirectories(parent.Path, "restored.restoring-*"));
            }
        }

        /// <summary>
        /// An archive another user wrote (a forged manifest naming a root folder as its home, owners of its choosing) is not restored by
        /// root, and vouches for no migration.
        /// </summary>
        [Fact]
        public void Restore_AnArchiveAnotherUserOwns_BackupNotTrusted_NothingWritten()
        {
            if (!UnixFiles.MayChangeOwners)
            {
                return; // giving the archive to another user needs root; the test command runs as root
            }
            using var home = LegacyHome();
            using var backups = new TempHome();
            PorterBackup backup = HomeBackup.Create(home.Path, backups.P("h.tar.gz"), false, false, null, null, System.Threading.CancellationToken.None);
            Assert.True(UnixFiles.TryChangeOwner(backup.Path, 1000, 1000));
            using var parent = new TempHome();

            var ex = Assert.Throws<PorterStorageException>(() => HomeRestore.Plan(backup.Path, null, parent.P("restored"), "/", false, null, System.Threading.CancellationToken.None));

            Assert.Equal(ErrorIds.BackupNotTrusted, ex.ErrorId);
            Assert.Contains("uid 1000", ex.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(parent.P("restored")));
            var evidence = Assert.Throws<PorterStorageException>(() => BackupVerifier.RequireBackupOf(backup, Path.GetFullPath(home.Path), BackupKinds.Home, System.Threading.CancellationToken.None));
            Assert.Equal(ErrorIds.BackupRequired, evidence.ErrorId);
        }

        /// <summary>
        /// An archive swapped or rewritten after a restore verified it: each entry is checked against the verified manifest as it is
        /// read, so none of the new content is used (BackupCorrupt), for the container and table restores that read it again.
        /// </summary>
        [Fact]
        public void Restore_ArchiveReplacedAfterItWasVerified_ItsContentIsNeverUsed()
        {
            using var home = LegacyHome();
            using var backups = new TempHome();
            PorterBackup backup = HomeBackup.Create(home.Path, backups.P("h.tar.gz"), false, false, null, null, System.Threading.CancellationToken.None);
            BackupManifest manifest = BackupVerifier.Verify(backup.Path, backup.Sha256, null, System.Threading.CancellationToken.None).Manifest!;
            home.Write("claims/c0.json", HostileHomes.Claim("INJECTED"));
            HomeBackup.Create(home.Path, backups.P("other.tar.gz"), false, false, null, null, System.Threading.CancellationToken.None);
            File.Move(backups.P("other.tar.gz"), backup.Path, overwrite: true);

            var ex = Assert.Throws<PorterStorageException>(() =>
            {
                using ArchiveReader reader = ArchiveReader.OpenFile(backup.Path);
                foreach ((ArchiveItem item, BackupEntry entry) in reader.Files(manifest, backup.Path))
                {
                    Assert.DoesNotContain("INJECTED", System.Text.Encoding.UTF8.GetString(ArchiveReader.ReadChecked(item, entry, backup.Path)), StringComparison.Ordinal);
                }
            });
            Assert.Equal(ErrorIds.BackupCorrupt, ex.ErrorId);
            Assert.Contains("changed since the archive was verified", ex.Message, StringComparison.Ordinal);
        }

        /// <summary>A link another user owns on the way to a restore's destination (theirs to point anywhere) is refused before anything is written.</summary>
        [Fact]
        public void Restore_ALinkAnotherUserOwnsAboveTheDestination_UnsafeLink_NothingWritten()
        {
            if (!UnixFiles.MayChangeOwners)
            {
                return; // a link of another user's needs root to make; the test command runs as root
            }
            using var home = LegacyHome();
            using var backups = new TempHome();
            PorterBackup backup = HomeBackup.Create(home.Path, backups.P("h.tar.gz"), false, false, null, null, System.Threading.CancellationToken.None);
            using var outside = new TempHome();
            outside.Mkdir("rootcfg");
            Dictionary<string, string> before = Snapshot(outside.Path);
            using var users = new TempHome();
            Directory.CreateSymbolicLink(users.P("cfg"), outside.P("rootcfg"));
            Assert.True(UnixFiles.TryChangeOwner(users.P("cfg"), 1000, 1000));

            var ex = Assert.Throws<PorterStorageException>(() => HomeRestore.Execute(Plan(backup, users.P("cfg/.porter")), null, System.Threading.CancellationToken.None));

            Assert.Equal(ErrorIds.UnsafeLink, ex.ErrorId);
            Assert.Equal(before, Snapshot(outside.Path));
        }

        private static RestorePlan Plan(PorterBackup backup, string destination) =>
            HomeRestore.Plan(backup.Path, backup.Sha256, destination, "/", false, null, System.Threading.CancellationToken.None);

        private static void ChangeOwner(string root, uint uid, uint gid)
        {
            foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Append(root))
            {
                Assert.True(UnixFiles.TryChangeOwner(path, uid, gid));
            }
        }

        private static Dictionary<string, string> Snapshot(string root) =>
            Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).ToDictionary(
                p => Path.GetRelativePath(root, p),
                p =>
                {
                    FileIdentity id = UnixFiles.Lstat(p)!.Value;
                    string content = id.IsRegularFile ? Convert.ToBase64String(File.ReadAllBytes(p)) : string.Empty;
                    return $"{id.Mode}:{id.Owner}:{id.Group}:{id.Size}:{id.ModifiedNanoseconds}:{content}";
                },
                StringComparer.Ordinal);
    }
}
