using System;
using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace PorterStorage.Core.IO
{
    /// <summary>
    /// A write-only stream whose bytes reach <c>inner</c> on a thread of its own, so that what produces them (reading
    /// and hashing files, framing a tar) and what consumes them (compressing, hashing the archive, writing it) use two
    /// cores. At most <see cref="Depth"/> chunks wait. A failure of the inner stream is raised, as it was thrown, by the
    /// next write, the flush or the dispose; <see cref="Complete"/> hands over the rest and waits for it to be written.
    /// </summary>
    internal sealed class BackgroundWriteStream : WriteOnlyStream
    {
        internal const int ChunkSize = 64 * 1024; // below the large object heap's threshold
        private const int Depth = 8;

        private readonly Stream _inner;
        private readonly BlockingCollection<(byte[] Buffer, int Count)> _full = new BlockingCollection<(byte[], int)>(Depth);
        private readonly ConcurrentBag<byte[]> _free = new ConcurrentBag<byte[]>();
        private readonly Thread _thread;
        private byte[] _current = new byte[ChunkSize];
        private int _used;
        private long _written;
        private volatile ExceptionDispatchInfo? _failure;
        private bool _completed;

        public BackgroundWriteStream(Stream inner, string name)
        {
            _inner = inner;
            _thread = new Thread(Drain) { IsBackground = true, Name = name };
            _thread.Start();
        }

        protected override long Written => _written;

        [MethodImpl(Hot.Path)]
        public override void Write(byte[] buffer, int offset, int count)
        {
            ThrowIfFailed();
            while (count > 0)
            {
                int take = Math.Min(count, ChunkSize - _used);
                Buffer.BlockCopy(buffer, offset, _current, _used, take);
                _used += take;
                offset += take;
                count -= take;
                _written += take;
                if (_used == ChunkSize)
                {
                    HandOver();
                }
            }
        }

        /// <summary>Hands over what is buffered and waits until the inner stream has written it all; raises its failure.</summary>
        public void Complete()
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
            if (_failure == null && _used > 0)
            {
                HandOver();
            }
            _full.CompleteAdding();
            _thread.Join();
            ThrowIfFailed();
        }

        /// <summary>Nothing to do until <see cref="Complete"/>: the bytes are on their way.</summary>
        public override void Flush() => ThrowIfFailed();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_completed)
            {
                // Abandoned (a failure or cancellation upstream): stop the thread without writing what is left.
                _completed = true;
                _failure ??= ExceptionDispatchInfo.Capture(new OperationCanceledException());
                _full.CompleteAdding();
                _thread.Join();
            }
            if (disposing)
            {
                _full.Dispose();
            }
            base.Dispose(disposing);
        }

        private void HandOver()
        {
            try
            {
                _full.Add((_current, _used));
            }
            catch (InvalidOperationException)
            {
                // the writer thread has stopped on a failure
            }
            _current = _free.TryTake(out byte[]? reused) ? reused : new byte[ChunkSize];
            _used = 0;
            ThrowIfFailed();
        }

        private void ThrowIfFailed() => _failure?.Throw();

        [MethodImpl(Hot.Path)]
        private void Drain()
        {
            foreach ((byte[] buffer, int count) in _full.GetConsumingEnumerable())
            {
                if (_failure != null)
                {
                    continue;
                }
                try
                {
                    _inner.Write(buffer, 0, count);
                }
                catch (Exception ex)
                {
                    _failure = ExceptionDispatchInfo.Capture(ex);
                }
                _free.Add(buffer);
            }
        }
    }

    /// <summary>
    /// A read-only stream that reads <c>inner</c> ahead on a thread of its own (decompressing, say) while the reader
    /// works on what came before (parsing, hashing). A failure of the inner stream is raised, as it was thrown, where the
    /// reader reaches it. Disposing stops the thread.
    /// </summary>
    internal sealed class BackgroundReadStream : ReadOnlyForwardStream
    {
        private const int Depth = 8;

        private readonly Stream _inner;
        private readonly BlockingCollection<(byte[] Buffer, int Count)> _full = new BlockingCollection<(byte[], int)>(Depth);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentBag<byte[]> _free = new ConcurrentBag<byte[]>();
        private readonly Thread _thread;
        private byte[]? _current;
        private int _offset;
        private int _count;
        private ExceptionDispatchInfo? _failure;
        private bool _ended;
        private bool _disposed;

        public BackgroundReadStream(Stream inner, string name)
        {
            _inner = inner;
            _thread = new Thread(Fill) { IsBackground = true, Name = name };
            _thread.Start();
        }


        [MethodImpl(Hot.Path)]
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(BackgroundReadStream));
            }
            if (count == 0)
            {
                return 0;
            }
            while (_current == null || _offset == _count)
            {
                if (_ended)
                {
                    return 0;
                }
                if (_current != null)
                {
                    _free.Add(_current);
                    _current = null;
                }
                if (!_full.TryTake(out (byte[] Buffer, int Count) next, Timeout.Infinite))
                {
                    _ended = true;
                    _failure?.Throw();
                    return 0;
                }
                _current = next.Buffer;
                _offset = 0;
                _count = next.Count;
            }
            int take = Math.Min(count, _count - _offset);
            Buffer.BlockCopy(_current, _offset, buffer, offset, take);
            _offset += take;
            return take;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                _stop.Cancel();
                _thread.Join();
                _full.Dispose();
                _stop.Dispose();
            }
            base.Dispose(disposing);
        }

        [MethodImpl(Hot.Path)]
        private void Fill()
        {
            try
            {
                while (true)
                {
                    byte[] buffer = _free.TryTake(out byte[]? reused) ? reused : new byte[BackgroundWriteStream.ChunkSize];
                    int got = 0;
                    int n;
                    while (got < buffer.Length && (n = _inner.Read(buffer, got, buffer.Length - got)) > 0)
                    {
                        got += n;
                    }
                    if (got > 0)
                    {
                        _full.Add((buffer, got), _stop.Token);
                    }
                    if (got < buffer.Length)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // the reader has stopped
            }
            catch (Exception ex)
            {
                _failure = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                _full.CompleteAdding();
            }
        }
    }
}
