using System.IO;
using Xunit;

namespace PorterStorage.Tests
{
    public class FileSystemStoreTests
    {
        [Fact]
        public void List_JsonType_FilesWithExtensionAndSubfolders_SortedOrdinal()
        {
            using var home = new TempHome();
            home.Write("claims/b.json", "{}");
            home.Write("claims/B.json", "{}");
            home.Write("claims/a.yaml", "x");
            home.Mkdir("claims/c");
            var store = new FileSystemMigrationStore(home.Path, FileIO.System, null);
            Assert.Equal(new[] { "B", "b", "c" }, store.List(ItemTypes.Claims, null));
        }

        [Fact]
        public void List_TypeWithoutExtension_EveryFile()
        {
            using var home = new TempHome();
            home.Write("outputs/r1/r1-config", "x");
            home.Write("outputs/r1/r1-a.json", "x");
            var store = new FileSystemMigrationStore(home.Path, FileIO.System, null);
            Assert.Equal(new[] { "r1-a.json", "r1-config" }, store.List(ItemTypes.Outputs, "r1"));
        }

        [Fact]
        public void List_MissingFolder_EmptyAndNoSideEffect()
        {
            using var home = new TempHome();
            var store = new FileSystemMigrationStore(home.Path, FileIO.System, null);
            Assert.Empty(store.List(ItemTypes.Credentials, null));
            Assert.False(Directory.Exists(home.P("credentials")));
        }

        [Fact]
        public void Read_ById_FoundAcrossGroupFolders()
        {
            using var home = new TempHome();
            string file = home.Write("claims/inst/01ABC.json", "{\"id\":1}");
            var store = new FileSystemMigrationStore(home.Path, FileIO.System, null);
            byte[]? content = store.Read(ItemTypes.Claims, "01ABC", out string? location);
            Assert.Equal(file, location);
            Assert.Equal("{\"id\":1}", System.Text.Encoding.UTF8.GetString(content!));
        }

        [Fact]
        public void Read_DirectPathPreferredOverGlob()
        {
            using var home = new TempHome();
            string direct = home.Write("credentials/x.json", "1");
            home.Write("credentials/sub/x.json", "2");
            new FileSystemMigrationStore(home.Path, FileIO.System, null).Read(ItemTypes.Credentials, "x", out string? location);
            Assert.Equal(direct, location);
        }

        [Fact]
        public void Read_Missing_Null()
        {
            using var home = new TempHome();
            Assert.Null(new FileSystemMigrationStore(home.Path, FileIO.System, null).Read(ItemTypes.Claims, "nope", out string? location));
            Assert.Null(location);
        }
    }
}
