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
