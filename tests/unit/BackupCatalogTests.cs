using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using PorterStorage.Core.Backup;
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

        [Fact]
        public void Property_RemovesOnlyWhatWasAsked_AndKeepsAVerifiedBackupOfEveryHomeThatHadOne()
        {
            Gen<(List<PorterBackup> All, List<PorterBackup> Asked, int? Keep)> cases =
                Gen.Select(Gen.Int[0, 2], Gen.Int[0, 40], Gen.Bool).Array[1, 12]
                    .Select(Gen.Int[0, 4], Gen.Bool.Array[12], (items, keep, pick) =>
                    {
                        var all = items.Select(i => B("h" + i.Item1, i.Item2, i.Item3)).GroupBy(b => b.Path).Select(g => g.First()).ToList();
                        var asked = all.Where((b, n) => pick[n % pick.Length]).ToList();
                        return (all, asked, keep == 0 ? (int?)null : keep);
                    });
            cases.Sample(c =>
            {
                List<BackupRemoval> plan = BackupCatalog.Plan(c.All, c.Asked, c.Keep);
                var removed = new HashSet<string>(plan.Where(p => p.Remove).Select(p => p.Backup.Path));
                bool onlyAsked = removed.All(r => c.Asked.Any(a => a.Path == r));
                bool verifiedKept = c.All.GroupBy(b => b.Source).All(g => !g.Any(b => b.Verified) || g.Any(b => b.Verified && !removed.Contains(b.Path)));
                bool newestKept = !c.Keep.HasValue || c.All.GroupBy(b => b.Source)
                    .All(g => g.OrderByDescending(b => b.Created).Take(c.Keep.Value).All(b => !removed.Contains(b.Path)));
                return onlyAsked && verifiedKept && newestKept;
            }, iter: 3000, seed: "0N0XIzNsQ0O2");
        }
    }
}
