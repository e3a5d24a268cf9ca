using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>Every "format §N" the code cites names a section of docs/porter-storage-format.md, and nothing cites the spec that is not in the repository.</summary>
    public class FormatCitationTests
    {
        /// <summary>The repository's root folder (the one holding PorterStorage.psd1), above the test binaries.</summary>
        internal static string RepoRoot()
        {
            for (DirectoryInfo? d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "PorterStorage.psd1")))
                {
                    return d.FullName;
                }
            }
            throw new InvalidOperationException("The repository root was not found above " + AppContext.BaseDirectory);
        }

        [Fact]
        public void Sources_CiteOnlySectionsTheFormatPageHas()
        {
            string root = RepoRoot();
            string page = File.ReadAllText(Path.Combine(root, "docs", "porter-storage-format.md"));
            var sections = Regex.Matches(page, @"^#+ (A?§[0-9]+(?:\.[0-9]+)?)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            var errata = Regex.Matches(page, @"^\| (E[0-9]+[a-z]?(?:, E[0-9]+[a-z]?)*|E[0-9]+–E[0-9]+) \|", RegexOptions.Multiline).Count;
            Assert.True(errata > 10, "the page lists Porter's known problems");
            foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar)))
            {
                string text = File.ReadAllText(file);
                Assert.False(Regex.IsMatch(text, @"\bspec (azure )?§"), $"{file} cites the research spec, which is not in the repository; cite docs/porter-storage-format.md");
                foreach (Match m in Regex.Matches(text, @"format (A?§[0-9]+(?:\.[0-9]+)?)"))
                {
                    Assert.True(sections.Contains(m.Groups[1].Value), $"{file} cites {m.Value}, which docs/porter-storage-format.md does not have");
                }
            }
        }
    }
}
