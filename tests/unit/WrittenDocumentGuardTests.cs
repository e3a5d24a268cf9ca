using System;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>The invariant guard: a writer bug (injected through the WriterFault seam) never deletes or overwrites an original.</summary>
    public class WrittenDocumentGuardTests
    {
        private const string Claim =
            "{\"installation\":\"x\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-02T00:00:00Z\",\"bundle\":{\"name\":\"b\",\"n\":5}," +
            "\"result\":{\"action\":\"upgrade\",\"status\":\"success\"},\"parameters\":{\"p\":\"secret-value-42\",\"n\":12},\"outputs\":{\"o\":\"out\"},\"custom\":{\"k\":[1,2]}}";

        private static PorterMigrationResult Run(TempHome home, Func<StoredDocument, byte[]> fault) =>
            Migrations.Run(new FileSystemMigrationStore(home.Path), r => { r.WriterFault = fault; });

        private static byte[] Replace(StoredDocument d, string from, string to) =>
            Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(d.Content).Replace(from, to));

        public static TheoryData<string, Func<StoredDocument, byte[]>> ClaimFaults => new TheoryData<string, Func<StoredDocument, byte[]>>
        {
            { "infinity as Go cannot read", d => d.ItemType == ItemTypes.Claims ? Replace(d, "12", "I.nfinitye+07") : d.Content },
            { "number changed", d => d.ItemType == ItemTypes.Claims ? Replace(d, "12", "13") : d.Content },
            { "parameter value lost", d => d.ItemType == ItemTypes.Claims ? Replace(d, "secret-value-42", string.Empty) : d.Content },
            { "bundle field dropped", d => d.ItemType == ItemTypes.Claims ? Replace(d, "\"n\": 5", "\"m\": 5") : d.Content },
            { "truncated result", d => d.ItemType == ItemTypes.Results ? d.Content.Take(d.Content.Length / 2).ToArray() : d.Content },
            { "NaN literal", d => d.ItemType == ItemTypes.Claims ? Replace(d, "12", "NaN") : d.Content },
            { "output altered", d => d.ItemType == ItemTypes.Outputs ? Encoding.UTF8.GetBytes("other") : d.Content },
            { "output not UTF-8", d => d.ItemType == ItemTypes.Outputs ? new byte[] { 0xC3 } : d.Content },
            { "index not empty", d => d.ItemType == ItemTypes.Installations ? new byte[] { 1 } : d.Content },
        };

        [Theory]
        [MemberData(nameof(ClaimFaults))]
        public void Run_FaultyClaimWriter_WrittenDocumentInvalidOriginalSurvives(string fault, Func<StoredDocument, byte[]> writer)
        {
            using var home = new TempHome();
            string file = home.Write("claims/x.json", Claim);
            byte[] before = File.ReadAllBytes(file);
            PorterMigrationResult r = Run(home, writer);
            MigrationError e = Assert.Single(r.Errors);
            Assert.True(e.ErrorId == ErrorIds.WrittenDocumentInvalid, fault + ": " + e.ErrorId);
            Assert.Equal(file, e.Target);
            Assert.DoesNotContain("secret-value-42", e.Message);
            Assert.Equal(before, File.ReadAllBytes(file));
            Assert.False(Directory.Exists(home.P("claims/x")));
            Assert.False(Directory.Exists(home.P("results")) && Directory.EnumerateFileSystemEntries(home.P("results")).Any());
            Assert.False(File.Exists(home.P("schema.json")));
        }

        [Fact]
        public void Run_FaithfulWriter_GuardLetsEveryKindThrough()
        {
            using var home = new TempHome();
            home.Write("claims/x.json", Claim);
            home.Write("credentials/c.json", "{\"name\":\"c\",\"credentials\":[{\"name\":\"k\",\"source\":{\"env\":\"K\"},\"extra\":[1e2]}],\"labels\":{\"a\":\"<&>\"}}");
            home.Write("parameters/p.json", "{\"name\":\"p\",\"parameters\":[{\"name\":\"n\",\"source\":{\"value\":\"\\u2028\"}}],\"big\":12345678901234567890}");
            home.Write("credentials/y.yaml", "name: y\ncredentials:\n- name: k\n  source:\n    env: K\n");
            PorterMigrationResult r = Migrations.Run(new FileSystemMigrationStore(home.Path));
            Assert.True(r.Succeeded, string.Join("; ", r.Errors.Select(x => x.ErrorId + " " + x.Message)));
        }

        [Theory]
        [InlineData("credentials/c.json", "{\"name\":\"c\",\"credentials\":[{\"name\":\"k\",\"source\":{\"env\":\"K\"}}]}", "\"K\"", "\"L\"")]
        [InlineData("parameters/p.json", "{\"name\":\"p\",\"parameters\":[{\"name\":\"n\",\"source\":{\"value\":\"v\"}}]}", "\"v\"", "\"w\"")]
        [InlineData("parameters/q.json", "{\"name\":\"q\",\"x\":1}", "}", "")]
        [InlineData("credentials/y.yaml", "name: y\ncredentials:\n- name: k\n  source:\n    env: K\n", "{", "")]
        public void Run_FaultySetWriter_OriginalNotOverwritten(string path, string content, string from, string to)
        {
            using var home = new TempHome();
            string file = home.Write(path, content);
            byte[] before = File.ReadAllBytes(file);
            PorterMigrationResult r = Run(home, d => Replace(d, from, to));
            Assert.Equal(ErrorIds.WrittenDocumentInvalid, Assert.Single(r.Errors).ErrorId);
            Assert.Equal(before, File.ReadAllBytes(file));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(file)!));
        }

        [Fact]
        public void Check_DocumentWithoutExpectation_StillReReadStrictly()
        {
            var changes = new ChangeSet("t");
            changes.Writes.Add(new StoredDocument(ItemTypes.Parameters, null, "p", Encoding.UTF8.GetBytes("{\"a\":1e400}")));
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => WrittenDocumentGuard.Check(changes, "src"));
            Assert.Equal(ErrorIds.WrittenDocumentInvalid, ex.ErrorId);
            Assert.Contains(ErrorIds.NumberOutOfRange, ex.Message);
        }
    }
}
