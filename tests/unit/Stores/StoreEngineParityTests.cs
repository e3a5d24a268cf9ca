using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using PorterStorage.Tests.Corpus;
using Xunit;

namespace PorterStorage.Tests.Stores
{
    /// <summary>
    /// Counting and verification are engines over any store: the same documents held by a folder and by the in-memory store
    /// give the same counts and the same findings, except what only a folder can get wrong (its shape and modes). Checked over
    /// every hostile home of the corpus, before and after its migration.
    /// </summary>
    public class StoreEngineParityTests
    {
        /// <summary>Codes only a folder reports (<see cref="IPorterStore.NativeFindings"/> of the folder store, and listing failures).</summary>
        private static readonly HashSet<string> FolderOnly = new HashSet<string>(StringComparer.Ordinal)
        {
            FindingCodes.FilePermissions, ErrorIds.PathNotFolder, ErrorIds.PathNotFile, ErrorIds.AccessDenied, ErrorIds.StoreReadError, FindingCodes.YamlOnlySet,
        };

        public static IEnumerable<object[]> Cases => HostileHomeCorpus.Cases;

        [Theory]
        [MemberData(nameof(Cases))]
        public void FolderAndMemory_SameDocuments_SameCountsAndFindings(string name)
        {
            HostileHome c = HostileHomes.All.Single(h => h.Name == name);
            using var home = new TempHome();
            using var outside = new TempHome();
            HostileHomeCorpus.PlantGood(home);
            c.Build(home, outside);
            AssertParity(home);

            try
            {
                Migrations.Run(new FileSystemMigrationStore(home.Path));
            }
            catch (PorterStorageException)
            {
                // a refused home is compared as it was left
            }
            AssertParity(home);
        }

        /// <summary>The parity above is not vacuous: most hostile homes can be mirrored into memory and are compared.</summary>
        [Fact]
        public void Mirror_CoversMostOfTheCorpus()
        {
            int compared = 0;
            foreach (HostileHome c in HostileHomes.All)
            {
                using var home = new TempHome();
                using var outside = new TempHome();
                HostileHomeCorpus.PlantGood(home);
                c.Build(home, outside);
                compared += AssertParity(home) ? 1 : 0;
            }
            Assert.True(compared >= HostileHomes.All.Count * 3 / 4, $"only {compared} of {HostileHomes.All.Count} homes were compared");
        }

        private static bool AssertParity(TempHome home)
        {
            InMemoryMigrationStore memory = Mirror(home.Path, out bool complete);
            if (!complete)
            {
                return false; // a file that cannot be read or a link cannot be mirrored; the folder's own tests cover those homes
            }
            IPorterStore folder = PorterStores.OpenFolder(home.Path, FileIO.System);

            PorterItemCounts fc = StoreCounter.Count(folder, out _), mc = StoreCounter.Count(memory, out _);
            Assert.Equal(Describe(fc), Describe(mc));

            PorterStorageVerification fv = StorageVerifier.Verify(folder), mv = StorageVerifier.Verify(memory);
            Assert.Equal((fv.Installations, fv.Claims, fv.Results, fv.Outputs), (mv.Installations, mv.Claims, mv.Results, mv.Outputs));
            Assert.Equal(Findings(fv, home.Path + Path.DirectorySeparatorChar), Findings(mv, memory.Location + "/"));
            return true;
        }

        private static string Describe(PorterItemCounts c) =>
            $"{c.Installations} {c.LegacyClaims} {c.Claims} {c.InstallationFolders} {c.Results} {c.Outputs} {c.Credentials} {c.LegacyCredentials} {c.Parameters} {c.LegacyParameters}";

        private static List<string> Findings(PorterStorageVerification v, string root) =>
            v.Findings.Where(f => !FolderOnly.Contains(f.Code))
                .Select(f => $"{f.Severity} {f.Code} {Relative(f.Path, root)}")
                .OrderBy(s => s, StringComparer.Ordinal).ToList();

        private static string Relative(string path, string root) =>
            (path.StartsWith(root, StringComparison.Ordinal) ? path.Substring(root.Length) : path).Replace(Path.DirectorySeparatorChar, '/');

        /// <summary>Every regular file of the home's data folders and its schema, by home-relative path.</summary>
        private static InMemoryMigrationStore Mirror(string homePath, out bool complete)
        {
            var memory = new InMemoryMigrationStore();
            complete = true;
            var files = new List<string>();
            foreach (string folder in ItemTypes.All)
            {
                string dir = Path.Combine(homePath, folder);
                if (Directory.Exists(dir))
                {
                    files.AddRange(Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories));
                }
            }
            string schema = Path.Combine(homePath, "schema.json");
            if (File.Exists(schema))
            {
                files.Add(schema);
            }
            foreach (string path in files)
            {
                var info = new FileInfo(path);
                if ((info.Attributes & FileAttributes.ReparsePoint) != 0 || (File.Exists(path) && Path.GetFileName(path).IndexOfAny(new[] { '\\' }) >= 0))
                {
                    complete = false;
                    return memory;
                }
                if (!File.Exists(path))
                {
                    if (!Directory.EnumerateFileSystemEntries(path).Any())
                    {
                        complete = false; // an empty folder is a group a memory store cannot hold
                        return memory;
                    }
                    continue;
                }
                try
                {
                    memory.Put(path.Substring(homePath.Length + 1).Replace(Path.DirectorySeparatorChar, '/'), FileIO.System.ReadAllBytes(path));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PorterStorageException)
                {
                    complete = false;
                    return memory;
                }
            }
            return memory;
        }
    }
}
