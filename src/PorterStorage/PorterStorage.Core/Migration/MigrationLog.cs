using System;
using System.Globalization;
using System.IO;
using System.Text;
using PorterStorage.Core.IO;

namespace PorterStorage.Core.Migration
{
    /// <summary>
    /// The migration log: <c>&lt;home&gt;/&lt;yyyyMMddHHmmss&gt;-migrate.log</c>, mode 0600, Porter's lines (format §7) and
    /// every error on a line of its own. Only names, paths, positions and error ids are written — never a value.
    /// </summary>
    public sealed class MigrationLog : IDisposable
    {
        private readonly TextWriter _writer;

        /// <summary>A log written to <paramref name="writer"/> (a store that keeps its log elsewhere than in a folder); <paramref name="path"/> names it.</summary>
        public MigrationLog(string path, TextWriter writer)
        {
            Path = path;
            _writer = writer;
        }

        public string Path { get; }

        /// <summary>
        /// Where the log of a container's migration goes when no folder is given and no home is at hand: a per-user folder
        /// that is the same on every run, never the current folder. Windows: <c>%LOCALAPPDATA%\PorterStorage\logs</c>; macOS:
        /// <c>~/Library/Logs/PorterStorage</c>; elsewhere <c>$XDG_STATE_HOME/porterstorage/logs</c> (when absolute), else
        /// <c>~/.local/state/porterstorage/logs</c>. Null when the user's folders are unknown.
        /// </summary>
        public static string? DefaultFolder(Func<string, string?> environment, string os)
        {
            static string? Absolute(string? p) => !string.IsNullOrEmpty(p) && System.IO.Path.IsPathRooted(p) ? p : null;
            switch (os)
            {
                case "Windows":
                    string? local = Absolute(environment("LOCALAPPDATA"));
                    return local == null ? null : System.IO.Path.Combine(local, "PorterStorage", "logs");
                case "OSX":
                    string? mac = Absolute(environment("HOME"));
                    return mac == null ? null : System.IO.Path.Combine(mac, "Library", "Logs", "PorterStorage");
                default:
                    string? state = Absolute(environment("XDG_STATE_HOME"));
                    if (state != null)
                    {
                        return System.IO.Path.Combine(state, "porterstorage", "logs");
                    }
                    string? home = Absolute(environment("HOME"));
                    return home == null ? null : System.IO.Path.Combine(home, ".local", "state", "porterstorage", "logs");
            }
        }

        /// <summary>The name of the running operating system as <see cref="DefaultFolder"/> takes it.</summary>
        public static string CurrentOs =>
            System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows) ? "Windows"
            : System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX) ? "OSX" : "Linux";

        public static MigrationLog Create(string folder, DateTime localNow)
        {
            string path = System.IO.Path.Combine(folder, localNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-migrate.log");
            FileStream stream;
            try
            {
                stream = FileSystemExtras.CreateNewPrivate(path, 4096);
            }
            catch (IOException) when (File.Exists(path))
            {
                // A second run within the same second appends to the same log.
                UnixPermissions.SetModeIfSupported(path, PorterFileModes.PrivateFile);
                stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            }
            return new MigrationLog(path, new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true });
        }

        public void Line(string text) => _writer.WriteLine(text);

        public void Dispose() => _writer.Dispose();
    }
}
