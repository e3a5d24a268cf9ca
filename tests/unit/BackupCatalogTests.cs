using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>Remove-PorterBackup's rule: what may go, and that a home never loses its last verified backup.</summary>
    public class BackupCatalogTests
    {
        private static readonly DateTime T0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        private static PorterBackup B(string source, int minute, bool verified) =>
            new PorterBackup($"/b/{source}-{minute:D4}.tar.gz", BackupKinds.Home, "/homes/" + source, T0.AddMinutes(minute), 1, 1, 1, "x", false, verified,
                TimeSpan.Zero, Array.Empty<BackupSkippedItem>());

        [Fact]
        public void KeepLast_KeepsTheNewestOfEachHome()
        {
            var all = new List<PorterBackup> { B("a", 1, true), B("a", 2, true), B("a", 3, true), B("b", 1, true) };
            List<BackupRemoval> plan = BackupCatalog.Plan(all, all, 2);
            Assert.Equal(new[] { "/b/a-0001.tar.gz" }, plan.Where(p => p.Remove).Select(p => p.Backup.Path));
        }

        [Fact]
        public void KeepLast_NeverLeavesAHomeWithoutAVerifiedBackup()
        {
            var all = new List<PorterBackup> { B("a", 1, true), B("a", 2, true), B("a", 3, false) };
            List<BackupRemoval> plan = BackupCatalog.Plan(all, all, 1);
            // the newest verified one (minute 2) stays; the older one goes
            Assert.Equal(new[] { "/b/a-0001.tar.gz" }, plan.Where(p => p.Remove).Select(p => p.Backup.Path));
            Assert.Contains(plan, p => !p.Remove && p.Backup.Path == "/b/a-0002.tar.gz" && p.Reason.Contains("only verified"));
        }

        [Fact]
        public void Named_OnlyThoseAsked_AndNotTheLastVerified()
        {
            var all = new List<PorterBackup> { B("a", 1, true), B("a", 2, false) };
            List<BackupRemoval> plan = BackupCatalog.Plan(all, all, null);
            Assert.Equal(new[] { "/b/a-0002.tar.gz" }, plan.Where(p => p.Remove).Select(p => p.Backup.Path));
            Assert.Empty(BackupCatalog.Plan(all, new List<PorterBackup>(), null));
        }

        /// <summary>The same archive file under another name (a hard link, or a second path to its folder): one file key.</summary>
        private static PorterBackup Alias(PorterBackup b, int n) =>
            new PorterBackup(b.Path.Replace(".tar.gz", $"-alias{n}.tar.gz"), b.Kind, b.Source, b.Created, 1, 1, 1, "x", false, b.Verified, TimeSpan.Zero,
                Array.Empty<BackupSkippedItem>()) { FileKey = BackupCatalog.Key(b) };

        [Fact]
        public void Plan_OneArchiveUnderTwoNames_IsOneBackup_AndTheOnlyOneStays()
        {
            PorterBackup only = B("a", 1, true);
            only.FileKey = "1:42";
            var all = new List<PorterBackup> { only, Alias(only, 1), Alias(only, 2) };
            List<BackupRemoval> plan = BackupCatalog.Plan(all, all, 1);
            Assert.DoesNotContain(plan, p => p.Remove);
            Assert.Single(plan);
        }

        [Fact]
        public void Property_RemovesOnlyWhatWasAsked_AndKeepsAVerifiedBackupOfEveryHomeThatHadOne()
        {
            // Some backups are listed again under other names (hard links, a folder reached twice): the rule holds per file.
            Gen<(List<PorterBackup> All, List<PorterBackup> Asked, int? Keep)> cases =
                Gen.Select(Gen.Int[0, 2], Gen.Int[0, 40], Gen.Bool, Gen.Int[0, 2]).Array[1, 12]
                    .Select(Gen.Int[0, 4], Gen.Bool.Array[12], (items, keep, pick) =>
                    {
                        var all = items.Select(i => B("h" + i.Item1, i.Item2, i.Item3)).GroupBy(b => b.Path).Select(g => g.First()).ToList();
                        foreach (PorterBackup b in all)
                        {
                            b.FileKey = "key:" + b.Path;
                        }
                        var aliases = all.SelectMany((b, n) => Enumerable.Range(1, items[n % items.Length].Item4).Select(k => Alias(b, k))).ToList();
                        all.AddRange(aliases);
                        var asked = all.Where((b, n) => pick[n % pick.Length]).ToList();
                        return (all, asked, keep == 0 ? (int?)null : keep);
                    });
            cases.Sample(c =>
            {
                List<BackupRemoval> plan = BackupCatalog.Plan(c.All, c.Asked, c.Keep);
                var removed = new HashSet<string>(plan.Where(p => p.Remove).Select(p => BackupCatalog.Key(p.Backup)));
                bool onlyAsked = removed.All(r => c.Asked.Any(a => BackupCatalog.Key(a) == r));
                bool verifiedKept = c.All.GroupBy(b => b.Source).All(g => !g.Any(b => b.Verified) || g.Any(b => b.Verified && !removed.Contains(BackupCatalog.Key(b))));
                bool newestKept = !c.Keep.HasValue || c.All.GroupBy(b => b.Source)
                    .All(g => g.GroupBy(BackupCatalog.Key).Select(k => k.First()).OrderByDescending(b => b.Created).Take(c.Keep.Value).All(b => !removed.Contains(BackupCatalog.Key(b))));
                bool eachFileOnce = plan.GroupBy(p => BackupCatalog.Key(p.Backup)).All(g => g.Count() == 1);
                return onlyAsked && verifiedKept && newestKept && eachFileOnce;
            }, iter: 3000, seed: "0N0XIzNsQ0O2");
        }

        // ---- the catalogue over a real folder: links, loops, hard links, FIFOs ----

        [DllImport("libc", SetLastError = true)]
        private static extern int mkfifo(string path, uint mode);

        [DllImport("libc", SetLastError = true)]
        private static extern int link(string existing, string newPath);

        private static readonly Lazy<(string A1, string A2, string B1)> Archives = new Lazy<(string, string, string)>(() =>
        {
            string folder = Path.Combine(Path.GetTempPath(), "porterstorage-tests", "catalog-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            string Make(string name, string home, int minute)
            {
                var h = new TempHome();
                h.Write("claims/a.json", "{\"name\":\"" + home + "\"}");
                h.Write("schema.json", "{}");
                string archive = Path.Combine(folder, name);
                HomeBackup.Create(h.Path, archive, false, false, null, null, CancellationToken.None);
                return archive;
            }
            return (Make("a1.tar.gz", "a", 1), Make("a2.tar.gz", "a", 2), Make("b1.tar.gz", "b", 3));
        });

        private static T Within<T>(Func<T> action)
        {
            Task<T> task = Task.Run(action);
            Assert.True(task.Wait(TimeSpan.FromSeconds(30)), "the catalogue hung (a FIFO or a loop)");
            return task.Result;
        }

        private static bool Unix => UnixFiles.Supported;

        /// <summary>backups/: a home's only backup, a hard link to it, a link named like it, a FIFO named like a backup, loop -> ., latest -> h1, h1/ holding another home's only backup.</summary>
        private static (TempHome Root, string Only, string Other) Arranged()
        {
            var root = new TempHome();
            string only = root.P("backups/a1.tar.gz");
            string other = root.P("backups/h1/b1.tar.gz");
            Directory.CreateDirectory(Path.GetDirectoryName(other)!);
            File.Copy(Archives.Value.A1, only);
            File.Copy(Archives.Value.B1, other);
            Assert.Equal(0, link(only, root.P("backups/z-hard.tar.gz")));
            File.CreateSymbolicLink(root.P("backups/link.tar.gz"), only);
            Assert.Equal(0, mkfifo(root.P("backups/pipe.tar.gz"), 0x1A4));
            Directory.CreateSymbolicLink(root.P("backups/loop"), ".");
            Directory.CreateSymbolicLink(root.P("backups/latest"), "h1");
            return (root, only, other);
        }

        [Fact]
        public void Locate_LoopLatestHardLinkLinkAndFifo_EachArchiveOnce_NothingOpened()
        {
            if (!Unix)
            {
                return;
            }
            (TempHome root, string only, string other) = Arranged();
            using (root)
            {
                var passed = new List<string>();
                List<string> found = Within(() => BackupCatalog.Locate(new[] { root.P("backups") }, true, (f, _) => passed.Add(Path.GetFileName(f)), null, CancellationToken.None));
                Assert.Equal(new[] { only, other }, found);
                Assert.Equal(new[] { "link.tar.gz", "pipe.tar.gz" }, passed.OrderBy(p => p, StringComparer.Ordinal));
                List<PorterBackup> backups = Within(() => BackupCatalog.Read(found, null, CancellationToken.None));
                Assert.Equal(2, backups.Count);
                Assert.All(backups, b => Assert.True(b.Verified));

                // the link named as the folder is what was asked for (find -H); the archive behind it is still one
                List<string> both = BackupCatalog.Locate(new[] { root.P("backups/latest"), root.P("backups/h1") }, false, null, null, CancellationToken.None);
                Assert.Single(both);
            }
        }

        [Fact]
        public void PlanRemoval_KeepLastOne_Recurse_RemovesNeitherOnlyBackup()
        {
            if (!Unix)
            {
                return;
            }
            (TempHome root, string only, string other) = Arranged();
            using (root)
            {
                List<string> asked = BackupCatalog.Locate(new[] { root.P("backups") }, true, null, null, CancellationToken.None);
                List<BackupRemoval> plan = Within(() => BackupCatalog.PlanRemoval(asked, 1, null, CancellationToken.None));
                Assert.DoesNotContain(plan, p => p.Remove);
                // naming the hard link, or the link, asks about the one archive: still the only one, kept
                plan = Within(() => BackupCatalog.PlanRemoval(new[] { root.P("backups/z-hard.tar.gz"), root.P("backups/link.tar.gz"), root.P("backups/pipe.tar.gz") }, null, null,
                    CancellationToken.None));
                Assert.DoesNotContain(plan, p => p.Remove);
                Assert.True(File.Exists(only) && File.Exists(other) && File.Exists(root.P("backups/z-hard.tar.gz")));
            }
        }

        /// <summary>
        /// Another user drops a newer archive claiming the same home into a shared backups folder: it vouches for nothing, so
        /// -KeepLast 1 keeps the home's real backup, and the foreign one is neither counted nor removed.
        /// </summary>
        [Fact]
        public void PlanRemoval_ANewerArchiveAnotherUserOwns_NeitherCountedNorRemoved_TheRealOneKept()
        {
            if (!UnixFiles.MayChangeOwners)
            {
                return; // giving the archive to another user needs root; the test command runs as root
            }
            using var home = new TempHome();
            home.Write("claims/a.json", "{\"name\":\"a\"}");
            using var backups = new TempHome();
            string real = HomeBackup.Create(home.Path, backups.P("real.tar.gz"), false, false, null, null, CancellationToken.None).Path;
            Thread.Sleep(20);
            string forged = HomeBackup.Create(home.Path, backups.P("forged.tar.gz"), false, false, null, null, CancellationToken.None).Path;
            Assert.True(UnixFiles.TryChangeOwner(forged, 1000, 1000));

            List<string> asked = BackupCatalog.Locate(new[] { backups.Path }, false, null, null, CancellationToken.None);
            List<BackupRemoval> plan = BackupCatalog.PlanRemoval(asked, 1, null, CancellationToken.None);

            Assert.DoesNotContain(plan, p => p.Remove);
            Assert.Contains(plan, p => p.Backup.Path == forged && p.Reason.Contains("uid 1000", StringComparison.Ordinal));
        }

        [Fact]
        public void Verify_Fifo_RefusedAtOnce()
        {
            if (!Unix)
            {
                return;
            }
            using var root = new TempHome();
            string fifo = root.P("pipe.tar.gz");
            Assert.Equal(0, mkfifo(fifo, 0x1A4));
            Exception ex = Within(() => Record.Exception(() => BackupVerifier.Verify(fifo, null, null, CancellationToken.None))!);
            Assert.True(IOErrors.IsIOFailure(ex), ex.ToString());
            Assert.Contains("not a regular file", ex.Message);
            Within(() => Record.Exception(() => BackupVerifier.ReadManifest(fifo)));
        }

        [Fact]
        public void Delete_AfterTheFileWasReplacedByALink_LeavesIt()
        {
            if (!Unix)
            {
                return;
            }
            using var root = new TempHome();
            string archive = root.P("a1.tar.gz");
            File.Copy(Archives.Value.A1, archive);
            PorterBackup b = Assert.Single(BackupCatalog.Read(new[] { archive }, null, CancellationToken.None));
            File.Move(archive, root.P("kept.tar.gz"));
            File.CreateSymbolicLink(archive, root.P("kept.tar.gz"));
            Assert.ThrowsAny<IOException>(() => BackupCatalog.Delete(b));
            Assert.True(File.Exists(root.P("kept.tar.gz")));
        }

        /// <summary>
        /// Generated folders of backups: copies, hard links, links to files and folders, loops and FIFOs at any depth. Removing
        /// what -KeepLast -Recurse decides never leaves a home without a verified backup, lists each file once, and ends.
        /// </summary>
        [Fact]
        public void Property_GeneratedFolders_KeepLastRecurse_NeverLosesAHomesLastBackup()
        {
            if (!Unix)
            {
                return;
            }
            string[] sources = { Archives.Value.A1, Archives.Value.A2, Archives.Value.B1 };
            string[] folders = { "", "d1/", "d1/d2/", "e/" };
            // each step: what (0 copy, 1 hard link of an earlier placement, 2 link to a file, 3 link to a folder, 4 FIFO), which archive, where
            Gen<(int What, int Which, int Where)[]> steps = Gen.Select(Gen.Int[0, 4], Gen.Int[0, 2], Gen.Int[0, 3]).Array[1, 10];
            Gen.Select(steps, Gen.Int[1, 2]).Sample(c =>
            {
                using var root = new TempHome();
                foreach (string f in folders)
                {
                    Directory.CreateDirectory(root.P("b/" + f));
                }
                var placed = new List<string>();
                int n = 0;
                foreach ((int what, int which, int where) in c.Item1)
                {
                    string path = root.P($"b/{folders[where]}x{n++}.tar.gz");
                    switch (what)
                    {
                        case 0:
                            File.Copy(sources[which], path);
                            placed.Add(path);
                            break;
                        case 1 when placed.Count > 0:
                            link(placed[which % placed.Count], path);
                            break;
                        case 2 when placed.Count > 0:
                            File.CreateSymbolicLink(path, placed[which % placed.Count]);
                            break;
                        case 3:
                            Directory.CreateSymbolicLink(root.P($"b/{folders[where]}l{n}"), which == 0 ? "." : root.P("b/" + folders[(where + 1) % folders.Length]));
                            break;
                        case 4:
                            mkfifo(path, 0x1A4);
                            break;
                    }
                }
                var before = BackupCatalog.Read(BackupCatalog.Locate(new[] { root.P("b") }, true, null, null, CancellationToken.None), null, CancellationToken.None);
                List<string> asked = Within(() => BackupCatalog.Locate(new[] { root.P("b") }, true, null, null, CancellationToken.None));
                bool eachOnce = asked.Select(p => UnixFiles.Lstat(p)!.Value).Select(i => (i.Device, i.Inode)).Distinct().Count() == asked.Count;
                foreach (BackupRemoval r in Within(() => BackupCatalog.PlanRemoval(asked, c.Item2, null, CancellationToken.None)).Where(r => r.Remove))
                {
                    BackupCatalog.Delete(r.Backup);
                }
                var after = BackupCatalog.Read(BackupCatalog.Locate(new[] { root.P("b") }, true, null, null, CancellationToken.None), null, CancellationToken.None);
                bool homesKept = before.Where(b => b.Verified).Select(b => b.Source).Distinct().All(s => after.Any(b => b.Verified && b.Source == s));
                return eachOnce && homesKept;
            }, iter: 40, threads: 1, seed: "0N0XIzNsQ0O2");
        }
    }
}
