using System;
using System.IO;
using System.Text;

namespace PorterStorage.Tests
{
    /// <summary>A throw-away Porter home folder for one test.</summary>
    public sealed class TempHome : IDisposable
    {
        public TempHome()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "porterstorage-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public static string FixturesRoot => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures");

        public static string Fixture(string relative) => System.IO.Path.Combine(FixturesRoot, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

        public string P(string relative) => System.IO.Path.Combine(Path, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

        public string Write(string relative, string content, int mode = 0x180)
        {
            string full = P(relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content, new UTF8Encoding(false));
            UnixPermissions.SetModeIfSupported(full, mode);
            return full;
        }

        public string WriteBytes(string relative, byte[] content, int mode = 0x180)
        {
            string full = P(relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
            UnixPermissions.SetModeIfSupported(full, mode);
            return full;
        }

        public string CopyFixture(string fixture, string relative, int mode = 0x180) =>
            WriteBytes(relative, File.ReadAllBytes(Fixture(fixture)), mode);

        public string Mkdir(string relative)
        {
            string full = P(relative);
            Directory.CreateDirectory(full);
            return full;
        }

        /// <summary>Copies a whole fixture folder into the home.</summary>
        public void CopyTree(string fixtureFolder, int mode = 0x180)
        {
            string source = Fixture(fixtureFolder);
            foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                string rel = System.IO.Path.GetRelativePath(source, file);
                if (rel == "README.md")
                {
                    continue;
                }
                WriteBytes(rel, File.ReadAllBytes(file), mode);
            }
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
