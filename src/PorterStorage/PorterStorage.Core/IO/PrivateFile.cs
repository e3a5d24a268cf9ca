using System;
using System.IO;

namespace PorterStorage.Core.IO
{
    /// <summary>
    /// The one way the module writes a file whole or not at all (backups, the schema, Porter's config, reports, archives fetched
    /// from a container): created 0600 under a hidden temporary name in the same folder, written, flushed to disk, checked when
    /// asked, then renamed into place. A file already at the path is replaced only when asked, and a link there is replaced, never
    /// followed. The temporary file never outlives the call, so a failure at any step leaves the path as it was.
    /// </summary>
    public static class PrivateFile
    {
        /// <summary>
        /// Writes <paramref name="path"/> through <paramref name="io"/>: <paramref name="write"/> fills the new file and returns what
        /// it measured, <paramref name="check"/> (given the temporary file's path and that) may refuse it by throwing before it is
        /// put in place. Refuses with an <see cref="IOException"/> (EEXIST) when the path exists and <paramref name="replace"/> is false.
        /// </summary>
        internal static T Write<T>(IFileIO io, string path, bool replace, Func<Stream, T> write, Action<string, T>? check = null)
        {
            string temp = TemporaryName(path);
            // Set before the file is asked for: one created by a call that then failed is removed too.
            bool created = true;
            try
            {
                T measured;
                using (Stream stream = io.CreateNew(temp, 81920))
                {
                    measured = write(stream);
                    stream.Flush();
                    if (stream is FileStream file)
                    {
                        file.Flush(true);
                    }
                }
                check?.Invoke(temp, measured);
                io.Move(temp, path, replace);
                created = false;
                return measured;
            }
            finally
            {
                if (created)
                {
                    Discard(io, temp);
                }
            }
        }

        /// <summary>Writes <paramref name="content"/> as <paramref name="path"/>, whole or not at all.</summary>
        public static void Write(string path, bool replace, byte[] content) => Write(FileIO.System, path, replace, content);

        /// <summary>Writes <paramref name="content"/> as <paramref name="path"/> through <paramref name="io"/>, whole or not at all.</summary>
        internal static void Write(IFileIO io, string path, bool replace, byte[] content) =>
            Write(io, path, replace, stream =>
            {
                stream.Write(content, 0, content.Length);
                return content.Length;
            });

        /// <summary>A name beside <paramref name="path"/> that no reader of the folder takes for a file of its own.</summary>
        internal static string TemporaryName(string path)
        {
            string folder = Path.GetDirectoryName(path) ?? string.Empty;
            return Path.Combine(folder, "." + Path.GetFileName(path) + ".partial-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        }

        private static void Discard(IFileIO io, string temp)
        {
            try
            {
                io.Delete(temp);
            }
            catch (Exception cleanup) when (IOErrors.IsIOFailure(cleanup))
            {
                // Gone already, or what failed first is what the caller is told; a hidden partial file is no reader's.
            }
        }
    }
}
