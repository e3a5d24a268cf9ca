using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace PorterStorage.Core.Folder
{
    /// <summary>
    /// A folder store's migration lock: an exclusive lock on <c>.porterstorage/lock</c> held while the lease lives. The operating
    /// system releases it when a process dies, so a killed run never blocks the next one.
    /// </summary>
    internal static class FolderLock
    {
        /// <summary>
        /// Takes the lock in <paramref name="workFolder"/> (created private). The module's own files there (<paramref name="ownFiles"/>,
        /// each a path and whether it is a folder) must be absent or of their kind and this folder's alone (never a link, a hard link, a
        /// pipe or a device). When the lease ends, <paramref name="closeRun"/> runs while the lock is still held, the lock file goes,
        /// the lock is released, then <paramref name="afterRelease"/> runs. Raises <c>MigrationInProgress</c>.
        /// </summary>
        public static IStoreLease Acquire(IFileIO io, string homePath, string workFolder, IEnumerable<(string Path, bool Folder)> ownFiles, Action closeRun, Action afterRelease)
        {
            string path = Path.Combine(workFolder, "lock");
            FileStream stream;
            try
            {
                io.CreateDirectory(workFolder);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, workFolder, IOOperation.Write, "The home is not writable; nothing was changed.");
            }
            // The module's own files: absent, or of their kind and this folder's alone (never a link, a hard link, a pipe or a device).
            foreach ((string own, bool folder) in new[] { (path, false) }.Concat(ownFiles))
            {
                if (!(io.Identity(own) is FileIdentity there))
                {
                    continue;
                }
                if (there.IsLink || there.IsHardLinked)
                {
                    throw IOErrors.Map(new LinkRefusedException(own, hard: !there.IsLink), own, IOOperation.Write, "Nothing was changed.");
                }
                if (folder && !there.IsDirectory)
                {
                    throw HomeShape.NotFolder(own, HomeShape.Kind(there));
                }
                if (!folder && !there.IsRegularFile)
                {
                    throw HomeShape.NotFile(own, HomeShape.Kind(there));
                }
            }
            try
            {
                stream = io.OpenLocked(path);
            }
            catch (IOException ex) when (!(ex is LinkRefusedException) && (ex.HResult == 11 || ex.HResult == 32 || ex.HResult == unchecked((int)0x80070020)))
            {
                throw new PorterStorageException(ErrorIds.MigrationInProgress, PorterErrorKind.ResourceBusy, homePath,
                    $"Another migration of '{homePath}' is running (lock '{path}').", ex);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, path, IOOperation.Write, "Nothing was changed.");
            }
            try
            {
                io.SetMode(path, PorterFileModes.PrivateFile);
                stream.SetLength(0);
                byte[] owner = Encoding.UTF8.GetBytes($"pid {System.Diagnostics.Process.GetCurrentProcess().Id} since {DateTime.UtcNow:o}\n");
                stream.Write(owner, 0, owner.Length);
                stream.Flush();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                stream.Dispose();
                throw IOErrors.Map(ex, path, IOOperation.Write, "Nothing was changed.");
            }
            return new Handle(io, stream, path, closeRun, afterRelease);
        }

        /// <summary>The open lock file: held as long as the process lives, so never renewed.</summary>
        private sealed class Handle : IStoreLease
        {
            private readonly IFileIO _io;
            private readonly FileStream _stream;
            private readonly string _path;
            private readonly Action _closeRun;
            private readonly Action _afterRelease;

            public Handle(IFileIO io, FileStream stream, string path, Action closeRun, Action afterRelease)
            {
                _io = io;
                _stream = stream;
                _path = path;
                _closeRun = closeRun;
                _afterRelease = afterRelease;
            }

            public string Name => _path;

            public TimeSpan? Duration => null;

            public bool Renew(CancellationToken cancellationToken) => true;

            public void Dispose()
            {
                try
                {
                    _closeRun();
                    _io.Delete(_path);
                }
                catch (Exception ex) when (IOErrors.IsIOFailure(ex) || ex is PorterStorageException)
                {
                    // Leftovers of a finished run (a journal with only done lines, an empty folder) are cleared by the next run.
                }
                finally
                {
                    _stream.Dispose(); // the lock is always released
                }
                try
                {
                    _afterRelease();
                }
                catch (Exception ex) when (IOErrors.IsIOFailure(ex))
                {
                }
            }
        }
    }
}
