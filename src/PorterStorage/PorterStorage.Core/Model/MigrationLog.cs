using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace PorterStorage.Core.Model
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

        /// <summary>
        /// Opens the log of this minute's second in <paramref name="folder"/> (created 0600, or appended to when a run of the same
        /// second made it), through <paramref name="io"/> (a home's own file system, which never follows a link and gives what it
        /// creates to the home's owner); a link in its place is refused (<c>UnsafeLink</c>), never written through.
        /// </summary>
        public static MigrationLog Create(string folder, DateTime localNow) => Create(folder, localNow, FileIO.System);

        internal static MigrationLog Create(string folder, DateTime localNow, IFileIO io)
        {
            string path = System.IO.Path.Combine(folder, localNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-migrate.log");
            Stream stream;
            try
            {
                try
                {
                    stream = io.CreateNew(path, 4096);
                }
                catch (IOException ex) when (!(ex is LinkRefusedException) && io.Identity(path) is FileIdentity there && there.IsRegularFile)
                {
                    // A second run within the same second appends to the same log.
                    stream = io.OpenAppend(path);
                }
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, path, IOOperation.Write, "The migration did not start.");
            }
            return new MigrationLog(path, new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true });
        }

        public void Line(string text) => _writer.WriteLine(text);

        public void Dispose() => _writer.Dispose();
    }

    /// <summary>
    /// The log of one run, created only when the run is about to change something or meets an error (<see cref="Open"/>), so a
    /// run that finds everything current leaves no file. Until then its lines (Porter's section lines) wait in memory.
    /// </summary>
    internal sealed class RunLog : IDisposable
    {
        private readonly Func<MigrationLog> _create;
        private readonly Action<string> _opened;
        private List<string>? _waiting = new List<string>();
        private MigrationLog? _log;

        /// <param name="create">Creates the log file.</param>
        /// <param name="opened">Told the log's path once it exists.</param>
        public RunLog(Func<MigrationLog> create, Action<string> opened)
        {
            _create = create;
            _opened = opened;
        }

        /// <summary>The log file, or null while none was needed.</summary>
        public string? Path => _log?.Path;

        public void Line(string text)
        {
            if (_log != null)
            {
                _log.Line(text);
            }
            else
            {
                _waiting!.Add(text);
            }
        }

        /// <summary>Creates the log (once) and writes the lines that waited.</summary>
        public void Open()
        {
            if (_log != null)
            {
                return;
            }
            _log = _create();
            _opened(_log.Path);
            foreach (string line in _waiting!)
            {
                _log.Line(line);
            }
            _waiting = null;
        }

        public void Dispose() => _log?.Dispose();
    }
}
