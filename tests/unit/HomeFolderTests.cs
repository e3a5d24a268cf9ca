using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>What a home path must name: a folder (HomeShape.RequireFolder), holding Porter's data for a backup or migration (RequirePorterHome).</summary>
    public class HomeFolderTests
    {
        [Fact]
        public void RequireFolder_File_PathNotFolder()
        {
            using var home = new TempHome();
            string file = home.Write("home.txt", "not a folder");
            var ex = Assert.Throws<PorterStorageException>(() => HomeShape.RequireFolder(file));
            Assert.Equal(ErrorIds.PathNotFolder, ex.ErrorId);
            Assert.Equal(file, ex.Target);
            Assert.Equal(PorterErrorKind.InvalidArgument, ex.Kind);
        }

        [Fact]
        public void RequireFolder_Missing_HomeNotFound()
        {
            using var home = new TempHome();
            Assert.Equal(ErrorIds.HomeNotFound, Assert.Throws<PorterStorageException>(() => HomeShape.RequireFolder(home.P("none"))).ErrorId);
            HomeShape.RequireFolder(home.Path);
        }

        [Fact]
        public void SchemaAndConfigReaders_File_PathNotFolder()
        {
            using var home = new TempHome();
            string file = home.Write("home.txt", "not a folder");
            Assert.Equal(ErrorIds.PathNotFolder, Assert.Throws<PorterStorageException>(() => PorterHomeService.TestSchema(file)).ErrorId);
            Assert.Equal(ErrorIds.PathNotFolder, Assert.Throws<PorterStorageException>(() => PorterHomeService.ReadConfig(file)).ErrorId);
            PorterHome inspected = PorterHomeService.Inspect(file);
            Assert.False(inspected.Exists);
            Assert.Equal(ProblemCodes.PathNotFolder, Assert.Single(inspected.Problems).Code);
            Assert.Empty(PorterHomeService.Inspect(home.P("none")).Problems);
        }

        [Fact]
        public void RequirePorterHome_EmptyOrStrangerFolder_NotAPorterHome()
        {
            using var home = new TempHome();
            Assert.Equal(ErrorIds.NotAPorterHome, Assert.Throws<PorterStorageException>(() => HomeShape.RequirePorterHome(home.Path)).ErrorId);
            home.Write("notes.txt", "mine");
            home.Mkdir("photos");
            home.Write("config.json.bak", "{}");
            var ex = Assert.Throws<PorterStorageException>(() => HomeShape.RequirePorterHome(home.Path));
            Assert.Equal(ErrorIds.NotAPorterHome, ex.ErrorId);
            Assert.Equal(home.Path, ex.Target);
            Assert.Contains("-Force", ex.Message);
        }

        [Theory]
        [InlineData("config.toml", false)]
        [InlineData("config.yaml", false)]
        [InlineData("schema.json", false)]
        [InlineData("claims", true)]
        [InlineData("installations", true)]
        [InlineData("credentials", true)]
        [InlineData(".porterstorage", true)]
        [InlineData("porter", false)]
        [InlineData("runtimes", true)]
        [InlineData("plugins", true)]
        public void RequirePorterHome_OnePorterName_IsAHome(string name, bool folder)
        {
            using var home = new TempHome();
            Assert.False(HomeShape.HoldsPorterData(home.Path));
            if (folder)
            {
                home.Mkdir(name);
            }
            else
            {
                home.Write(name, "{}");
            }
            Assert.True(HomeShape.HoldsPorterData(home.Path));
            HomeShape.RequirePorterHome(home.Path);
        }

        [Fact]
        public void RequirePorterHome_File_PathNotFolderFirst()
        {
            using var home = new TempHome();
            Assert.Equal(ErrorIds.PathNotFolder,
                Assert.Throws<PorterStorageException>(() => HomeShape.RequirePorterHome(home.Write("home.txt", "x"))).ErrorId);
        }
    }
}
