using System.IO;
using Xunit;

namespace PorterStorage.Tests
{
    public class HomeResolutionTests
    {
        private static readonly string Cwd = Path.Combine(Path.GetTempPath(), "cwd");

        [Fact]
        public void ResolvePath_ExplicitPath_WinsOverEnvironment()
        {
            string home = PorterHomeService.ResolvePath("/data/porter", "/env/porter", "/home/u", Cwd, out string from);
            Assert.Equal("/data/porter", home);
            Assert.Equal("Parameter", from);
        }

        [Fact]
        public void ResolvePath_PorterHomeSet_UsesIt()
        {
            string home = PorterHomeService.ResolvePath(null, "/env/porter", "/home/u", Cwd, out string from);
            Assert.Equal("/env/porter", home);
            Assert.Equal("PORTER_HOME", from);
        }

        [Fact]
        public void ResolvePath_PorterHomeEmpty_FallsBackToUserHome()
        {
            string home = PorterHomeService.ResolvePath(null, "", "/home/u", Cwd, out string from);
            Assert.Equal(Path.Combine("/home/u", ".porter"), home);
            Assert.Equal("UserHome", from);
        }

        [Fact]
        public void ResolvePath_RelativePorterHome_ResolvedAgainstCurrentDirectory()
        {
            string home = PorterHomeService.ResolvePath(null, "rel/home", "/home/u", Cwd, out _);
            Assert.Equal(Path.Combine(Cwd, "rel", "home"), home);
        }

        [Fact]
        public void ResolvePath_TrailingSeparatorAndDots_Normalised()
        {
            string home = PorterHomeService.ResolvePath("/data/x/../porter/", null, null, Cwd, out _);
            Assert.Equal("/data/porter", home);
        }

        [Fact]
        public void ResolvePath_NothingKnown_HomePathInvalid()
        {
            var ex = Assert.Throws<PorterStorageException>(() => PorterHomeService.ResolvePath(null, null, null, Cwd, out _));
            Assert.Equal(ErrorIds.HomePathInvalid, ex.ErrorId);
        }
    }
}
