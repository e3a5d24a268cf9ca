using System;
using System.IO;

namespace PorterStorage.Core.IO
{
    /// <summary>What was being done to a path when the file system failed.</summary>
    public enum IOOperation
    {
        /// <summary>Opening or reading a file.</summary>
        Read,

        /// <summary>Listing a folder.</summary>
        List,

        /// <summary>Creating, writing, moving or deleting a file or folder.</summary>
        Write,
    }

    /// <summary>
    /// The one place an operating-system failure becomes a named error: <c>AccessDenied</c> (no permission, read-only
    /// file system), <c>DiskFull</c>, <c>FileWriteFailed</c>, <c>FileUnreadable</c> or <c>StoreReadError</c> (a folder
    /// that cannot be listed), always naming the path the operation was on, never the content.
    /// </summary>
    public static class IOErrors
    {
        /// <summary>True for the exceptions the file system raises (what <see cref="Map"/> translates).</summary>
        public static bool IsIOFailure(Exception ex) => ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException;

        /// <summary>True when <paramref name="ex"/> says the disk is full (ENOSPC on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows).</summary>
        public static bool IsDiskFull(Exception ex)
        {
            if (!(ex is IOException))
            {
                return false;
            }
            int hr = ex.HResult;
            return hr == 28 || hr == 0x70 || hr == 0x27 || hr == unchecked((int)0x80070070) || hr == unchecked((int)0x80070027)
                   || ex.Message.IndexOf("No space left on device", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        /// <summary>Runs one file system operation on <paramref name="path"/>; its failure becomes the error <see cref="Map"/> names for that path.</summary>
        public static T Named<T>(string path, IOOperation operation, Func<T> action)
        {
            try
            {
                return action();
            }
            catch (Exception ex) when (IsIOFailure(ex))
            {
                throw Map(ex, path, operation);
            }
        }

        /// <summary>As <see cref="Named{T}"/>, for an operation that returns nothing.</summary>
        public static void Named(string path, IOOperation operation, Action action) => Named(path, operation, () =>
        {
            action();
            return true;
        });

        /// <summary>
        /// The named error for <paramref name="ex"/> raised while doing <paramref name="operation"/> on <paramref name="path"/>;
        /// <paramref name="consequence"/> (e.g. "nothing was changed") ends the message. A named error passes through as it is.
        /// </summary>
        public static PorterStorageException Map(Exception ex, string path, IOOperation operation, string? consequence = null)
        {
            PorterStorageException mapped = MapCore(ex, path, operation, consequence);
            if (operation == IOOperation.Write && !ReferenceEquals(mapped, ex))
            {
                mapped.Data[WriteKey] = true;
            }
            return mapped;
        }

        /// <summary>True for an error <see cref="Map"/> made of a failed write (a backup then stops instead of skipping the file it read).</summary>
        public static bool IsWriteFailure(PorterStorageException ex) => ex.Data.Contains(WriteKey);

        private const string WriteKey = "PorterStorage.WriteFailure";

        private static PorterStorageException MapCore(Exception ex, string path, IOOperation operation, string? consequence)
        {
            if (ex is PorterStorageException named)
            {
                return named;
            }
            string tail = string.IsNullOrEmpty(consequence) ? string.Empty : " " + consequence;
            if (ex is LinkRefusedException link)
            {
                return new PorterStorageException(ErrorIds.UnsafeLink, PorterErrorKind.PermissionDenied, link.PathName, link.Hard
                    ? $"'{link.PathName}' is a hard link (the file has other names, which may lie outside the home); nothing was written, changed or read through it.{tail}"
                    : $"'{link.PathName}' is a symbolic link, or lies under one, where a file is written or read only as itself; it was not followed and nothing was written or read through it.{tail}", ex);
            }
            string verb = operation == IOOperation.Read ? "read" : operation == IOOperation.List ? "listed" : "written";
            if (ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
            {
                return new PorterStorageException(ErrorIds.AccessDenied, PorterErrorKind.PermissionDenied, path,
                    $"'{path}' could not be {verb}: access is denied ({ex.Message}).{tail}", ex);
            }
            if (operation == IOOperation.Write && IsDiskFull(ex))
            {
                return new PorterStorageException(ErrorIds.DiskFull, PorterErrorKind.WriteError, path,
                    $"'{path}' could not be written: the disk is full.{tail}", ex);
            }
            switch (operation)
            {
                case IOOperation.Read:
                    return new PorterStorageException(ErrorIds.FileUnreadable, PorterErrorKind.ReadError, path, $"'{path}' could not be read: {ex.Message}{tail}", ex);
                case IOOperation.List:
                    return new PorterStorageException(ErrorIds.StoreReadError, PorterErrorKind.ReadError, path, $"The folder '{path}' could not be listed: {ex.Message}{tail}", ex);
                default:
                    return new PorterStorageException(ErrorIds.FileWriteFailed, PorterErrorKind.WriteError, path, $"'{path}' could not be written: {ex.Message}{tail}", ex);
            }
        }
    }

    /// <summary>
    /// A stream that names its file when a write fails: any I/O failure while writing or flushing becomes the mapped
    /// write error (<c>DiskFull</c>, <c>AccessDenied</c>, <c>FileWriteFailed</c>) of that path, so a full destination is never
    /// taken for an unreadable source.
    /// </summary>
    internal sealed class NamedWriteStream : DelegatingStream
    {
        private readonly string _path;

        public NamedWriteStream(Stream inner, string path)
            : base(inner)
        {
            _path = path;
        }

        public override void Flush() => Guard(() => Inner.Flush());

        public override void SetLength(long value) => Guard(() => Inner.SetLength(value));

        public override void Write(byte[] buffer, int offset, int count) => Guard(() => Inner.Write(buffer, offset, count));

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Guard(() => Inner.Dispose());
            }
            base.Dispose(false);
        }

        private void Guard(Action action)
        {
            try
            {
                action();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, _path, IOOperation.Write);
            }
        }
    }
}
