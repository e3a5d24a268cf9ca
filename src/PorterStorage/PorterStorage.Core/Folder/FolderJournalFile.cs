using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace PorterStorage.Core.Folder
{
    /// <summary>
    /// A folder store's journal, <c>.porterstorage/journal.log</c>: one append-only file per run, a line per committed change set
    /// and a line marking each one done. An append is one write (flushed to disk when it is a commit point); a refused append is cut
    /// back, so a line the disk did not take is never read as committed later.
    /// </summary>
    internal sealed class FolderJournalFile
    {
        private readonly IFileIO _io;
        private readonly string _path;
        private Stream? _journal;

        /// <summary>True when a failed append may have left part of a line at the journal's end: the next line starts on its own.</summary>
        private bool _tornTail;

        public FolderJournalFile(IFileIO io, string path)
        {
            _io = io;
            _path = path;
        }

        /// <summary>The committed records of the journal that were never marked done, in commit order. A torn last line is no commit.</summary>
        public List<JournalRecord> ReadPending()
        {
            var pending = new List<JournalRecord>();
            if (!File.Exists(_path))
            {
                if (Directory.Exists(_path))
                {
                    throw HomeShape.NotFile(_path);
                }
                return pending;
            }
            var done = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                using (var reader = new StreamReader(_io.OpenRead(_path, 4096), new UTF8Encoding(false)))
                {
                    string? line;
                    while ((line = reader.ReadLine()) != null)
                    {
                        if (!JournalRecord.TryParse(line, out JournalRecord? record, out string? doneId))
                        {
                            continue;
                        }
                        if (doneId != null)
                        {
                            done.Add(doneId);
                        }
                        else
                        {
                            pending.Add(record!);
                        }
                    }
                }
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, _path, IOOperation.Read, "The interrupted run's changes cannot be known, so nothing was changed.");
            }
            pending.RemoveAll(r => done.Contains(r.Id));
            return pending;
        }

        /// <summary>
        /// Appends lines in one write. When the append fails, the journal is cut back to where it stood, so a line that was
        /// refused can never be read as committed later (closing a stream would flush what it buffered); when even that fails,
        /// the next append starts on a line of its own.
        /// </summary>
        public void Append(IReadOnlyList<byte[]> lines, bool durable)
        {
            long start = -1;
            try
            {
                if (_journal == null)
                {
                    _io.CreateDirectory(Path.GetDirectoryName(_path)!);
                    _journal = _io.OpenAppend(_path);
                }
                start = _journal.CanSeek ? _journal.Length : -1;
                bool fresh = _tornTail;
                byte[] buffer = new byte[lines.Sum(l => l.Length + 1) + (fresh ? 1 : 0)];
                int at = 0;
                if (fresh)
                {
                    buffer[at++] = (byte)'\n';
                }
                foreach (byte[] line in lines)
                {
                    Buffer.BlockCopy(line, 0, buffer, at, line.Length);
                    at += line.Length;
                    buffer[at++] = (byte)'\n';
                }
                _journal.Write(buffer, 0, buffer.Length);
                if (durable && _journal is FileStream file)
                {
                    file.Flush(true);
                }
                else
                {
                    _journal.Flush();
                }
                _tornTail = false;
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                CutBack(start);
                throw;
            }
        }

        /// <summary>Drops what a failed append left at the journal's end (buffered and on disk); marks the tail torn when it cannot.</summary>
        private void CutBack(long start)
        {
            Stream? journal = _journal;
            _journal = null;
            _tornTail = true;
            if (journal == null)
            {
                return;
            }
            try
            {
                if (start >= 0)
                {
                    journal.SetLength(start); // discards the buffered bytes too: nothing of the line is flushed on close
                    _tornTail = false;
                }
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex) || ex is NotSupportedException)
            {
                // Left torn: the next append begins with a newline, and a torn line is no commit.
            }
            try
            {
                journal.Dispose();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                // What it still buffered is at most the refused line, which starts on a line of its own.
            }
        }

        public void Close()
        {
            Stream? journal = _journal;
            _journal = null;
            try
            {
                journal?.Dispose();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                // Every line that mattered was flushed when it was written.
            }
        }
    }
}
