using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>A FIFO in a home must never hang a read: each operation finishes and names it.</summary>
    public class SpecialFileTests
    {
        [DllImport("libc", SetLastError = true)]
        private static extern int mkfifo(string path, uint mode);

        private static string Fifo(TempHome home, string relative)
        {
            string path = home.P(relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Assert.Equal(0, mkfifo(path, 0x1A4));
            return path;
        }

        private static T Within<T>(Func<T> action)
        {
            Task<T> task = Task.Run(action);
            Assert.True(task.Wait(TimeSpan.FromSeconds(20)), "the operation hung on a FIFO");
            return task.Result;
        }

        [Fact]
        public void Backup_FifoInHome_NamedAndUnverified()
        {
            using var home = new TempHome();
            using var outDir = new TempHome();
            home.Write("claims/a.json", "{}");
            string fifo = Fifo(home, "cache/pipe");
            var errors = new List<PorterStorageException>();
            string archive = HomeBackup.PlanArchivePath(home.Path, outDir.Path, "/", false, DateTime.Now);
            PorterBackup b = Within(() => HomeBackup.Create(home.Path, archive, false, false, null, errors.Add, CancellationToken.None));
            Assert.False(b.Verified);
            Assert.Equal(fifo, Assert.Single(errors).Target);
        }

        [Fact]
        public void Inspect_And_Migrate_FifoAsDataFile_NamedErrors()
        {
            using var home = new TempHome();
            home.CopyFixture("porter-v0.38.9/pkg/storage/testdata/claims/upgraded.json", "claims/mybun.json");
            string claim = Fifo(home, "claims/pipe.json");
            Fifo(home, "credentials/pipe.json");
            PorterHome inspected = Within(() => PorterHomeService.Inspect(home.Path));
            Assert.Contains(inspected.Problems, p => p.Code == ProblemCodes.UnreadableDocument);
            PorterMigrationResult r = Within(() => Migrations.Run(new FileSystemMigrationStore(home.Path)));
            Assert.Contains(r.Errors, e => e.ErrorId == ErrorIds.FileUnreadable && e.Target == claim);
            Assert.Equal(2, Directory.GetFiles(home.P("claims/mybun")).Length);
        }

        [Fact]
        public void CopyHome_Fifo_MigrationWriteErrorNotHang()
        {
            using var home = new TempHome();
            using var dest = new TempHome();
            Fifo(home, "pipe");
            var ex = Within(() => Assert.Throws<PorterStorageException>(() => HomeCopy.Copy(home.Path, dest.P("copy"))));
            Assert.Equal(ErrorIds.MigrationWriteError, ex.ErrorId);
        }
    }
}
