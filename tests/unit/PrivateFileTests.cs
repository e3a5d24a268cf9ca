using System;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The one writer of whole files (backups, the schema, Porter's config, reports, fetched archives): the path holds the old file
    /// or the complete new one, 0600, and no temporary file is left in the folder whatever step fails.
    /// </summary>
    public class PrivateFileTests
    {
        private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

        private static void OnlyFiles(TempHome folder, params string[] names) =>
            Assert.Equal(names.OrderBy(n => n, StringComparer.Ordinal),
                Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));

        [Fact]
        public void Write_PutsTheWholeFileInPlace_Private_WithNothingBeside()
        {
            using var folder = new TempHome();
            string path = folder.P("a.json");
            PrivateFile.Write(path, replace: false, B("{\"a\":1}"));
            Assert.Equal("{\"a\":1}", File.ReadAllText(path));
            if (UnixPermissions.IsUnix)
            {
                Assert.Equal(0x180, UnixPermissions.TryGetMode(path));
            }
            OnlyFiles(folder, "a.json");
        }

        [Fact]
        public void Write_WithoutReplace_RefusesAnExistingFile_AndLeavesItAsItWas()
        {
            using var folder = new TempHome();
            string path = folder.Write("a.json", "old");
            IOException refused = Assert.ThrowsAny<IOException>(() => PrivateFile.Write(path, replace: false, B("new")));
            Assert.Contains("already exists", refused.Message);
            Assert.Equal("old", File.ReadAllText(path));
            OnlyFiles(folder, "a.json");
        }

        [Fact]
        public void Write_FailingWhileWriting_OrRefusedByItsCheck_LeavesTheOldFile()
        {
            using var folder = new TempHome();
            string path = folder.Write("a.json", "old");
            Assert.Throws<InvalidOperationException>(() => PrivateFile.Write(FileIO.System, path, true, s =>
            {
                s.Write(B("half"), 0, 4);
                throw new InvalidOperationException("the writer failed");
#pragma warning disable CS0162
                return 0;
#pragma warning restore CS0162
            }));
            Assert.Equal("old", File.ReadAllText(path));
            OnlyFiles(folder, "a.json");

            string? checkedFile = null;
            Assert.Throws<InvalidDataException>(() => PrivateFile.Write(FileIO.System, path, true, s =>
            {
                s.Write(B("new"), 0, 3);
                return 3;
            }, (temp, written) =>
            {
                checkedFile = temp;
                Assert.Equal(3, written);
                Assert.Equal("new", File.ReadAllText(temp));
                throw new InvalidDataException("the check refused it");
            }));
            Assert.Equal("old", File.ReadAllText(path));
            Assert.Equal(folder.Path, Path.GetDirectoryName(checkedFile));
            Assert.StartsWith(".", Path.GetFileName(checkedFile));
            OnlyFiles(folder, "a.json");
        }

        [Fact]
        public void Write_ReplacingALink_ReplacesTheLink_NeverWritesWhereItPoints()
        {
            if (!UnixPermissions.IsUnix)
            {
                return;
            }
            using var folder = new TempHome();
            using var outside = new TempHome();
            string target = outside.Write("victim", "untouched");
            string path = folder.P("report.html");
            File.CreateSymbolicLink(path, target);
            PrivateFile.Write(path, replace: true, B("report"));
            Assert.Equal("untouched", File.ReadAllText(target));
            Assert.Null(new FileInfo(path).LinkTarget);
            Assert.Equal("report", File.ReadAllText(path));
            OnlyFiles(folder, "report.html");

            // A dangling link is something there too: refused without replace, replaced as itself with it, never created through.
            string dangling = folder.P("dangling.html");
            string nowhere = outside.P("created-through-link");
            File.CreateSymbolicLink(dangling, nowhere);
            Assert.Throws<LinkRefusedException>(() => PrivateFile.Write(dangling, replace: false, B("report")));
            Assert.NotNull(new FileInfo(dangling).LinkTarget);
            PrivateFile.Write(dangling, replace: true, B("report"));
            Assert.Null(new FileInfo(dangling).LinkTarget);
            Assert.False(File.Exists(nowhere));
            OnlyFiles(folder, "dangling.html", "report.html");
        }

        [Fact]
        public void MoveFile_AMissingSource_IsNamed_NotTheDestination()
        {
            using var folder = new TempHome();
            var missing = Assert.Throws<FileNotFoundException>(() => FileSystemExtras.MoveFile(folder.P("gone"), folder.P("target"), overwrite: true));
            Assert.Equal(folder.P("gone"), missing.FileName);
        }
    }
}
