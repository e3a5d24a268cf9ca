using System.Collections.Generic;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>Where a container migration's log goes without -LogPath: a per-user folder, the same every time.</summary>
    public class MigrationLogFolderTests
    {
        private static string? Folder(string os, params (string Name, string Value)[] vars)
        {
            var env = new Dictionary<string, string>();
            foreach ((string name, string value) in vars)
            {
                env[name] = value;
            }
            return MigrationLog.DefaultFolder(n => env.TryGetValue(n, out string? v) ? v : null, os);
        }

        [Fact]
        public void Linux_XdgStateHome_ThenLocalState()
        {
            Assert.Equal("/x/state/porterstorage/logs", Folder("Linux", ("XDG_STATE_HOME", "/x/state"), ("HOME", "/home/op")));
            Assert.Equal("/home/op/.local/state/porterstorage/logs", Folder("Linux", ("HOME", "/home/op")));
            // a relative XDG_STATE_HOME is ignored, as the XDG rules say
            Assert.Equal("/home/op/.local/state/porterstorage/logs", Folder("Linux", ("XDG_STATE_HOME", "state"), ("HOME", "/home/op")));
            Assert.Null(Folder("Linux"));
            Assert.Null(Folder("Linux", ("HOME", "relative")));
        }

        [Fact]
        public void MacOS_LibraryLogs()
        {
            Assert.Equal("/Users/op/Library/Logs/PorterStorage", Folder("OSX", ("HOME", "/Users/op"), ("XDG_STATE_HOME", "/x")));
        }

        [Fact]
        public void Windows_LocalAppData()
        {
            if (System.IO.Path.DirectorySeparatorChar != '\\')
            {
                // Path.Combine joins with this system's separator; the rule itself is what is checked.
                Assert.Equal("/C/Users/op/AppData/Local/PorterStorage/logs", Folder("Windows", ("LOCALAPPDATA", "/C/Users/op/AppData/Local")));
            }
            Assert.Null(Folder("Windows", ("HOME", "/home/op")));
        }
    }
}
