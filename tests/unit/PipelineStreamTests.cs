using System;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>The streams that put compression and decompression on a second core: bytes in order, failures as thrown, no thread left.</summary>
    public class PipelineStreamTests
    {
        private sealed class FailingStream : MemoryStream
        {
            private readonly long _failAt;
            private readonly Exception _error;

            public FailingStream(long failAt, Exception error)
            {
                _failAt = failAt;
                _error = error;
            }

            public override void Write(byte[] buffer, int offset, int count)
            {
                if (Length + count > _failAt)
                {
                    throw _error;
                }
                base.Write(buffer, offset, count);
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (Position + count > _failAt)
                {
                    throw _error;
                }
                return base.Read(buffer, offset, count);
            }
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(65536)]
        [InlineData(65537)]
        [InlineData(1_000_003)]
        public void Write_ThenComplete_EveryByteInOrder(int size)
        {
            byte[] data = Enumerable.Range(0, size).Select(i => (byte)(i * 31 + 7)).ToArray();
            var inner = new MemoryStream();
            using (var pipe = new BackgroundWriteStream(inner, "test"))
            {
                int at = 0;
                var random = new Random(size);
                while (at < size)
                {
                    int n = Math.Min(size - at, random.Next(1, 100_000));
                    pipe.Write(data, at, n);
                    at += n;
                }
                pipe.Complete();
                Assert.Equal(size, pipe.Length);
            }
            Assert.Equal(data, inner.ToArray());
        }

        [Fact]
        public void Write_InnerFails_TheSameExceptionReachesTheWriter()
        {
            var disk = new IOException("No space left on device", unchecked((int)0x8007001C));
            var inner = new FailingStream(100_000, disk);
            var pipe = new BackgroundWriteStream(inner, "test");
            var chunk = new byte[50_000];
            IOException raised = Assert.Throws<IOException>(() =>
            {
                for (int i = 0; i < 100; i++)
                {
                    pipe.Write(chunk, 0, chunk.Length);
                }
                pipe.Complete();
            });
            Assert.Same(disk, raised);
            pipe.Dispose();
        }

        [Fact]
        public void Dispose_WithoutComplete_StopsAndWritesNoMore()
        {
            var inner = new MemoryStream();
            var pipe = new BackgroundWriteStream(inner, "test");
            pipe.Write(new byte[10], 0, 10);
            pipe.Dispose();
            Assert.Equal(0, inner.Length);
            Assert.Throws<NotSupportedException>(() => pipe.Read(new byte[1], 0, 1));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(65536)]
        [InlineData(300_001)]
        public void Read_EveryByteInOrder(int size)
        {
            byte[] data = Enumerable.Range(0, size).Select(i => (byte)(i * 13)).ToArray();
            using var pipe = new BackgroundReadStream(new MemoryStream(data), "test");
            var back = new MemoryStream();
            var buffer = new byte[7777];
            int n;
            while ((n = pipe.Read(buffer, 0, buffer.Length)) > 0)
            {
                back.Write(buffer, 0, n);
            }
            Assert.Equal(data, back.ToArray());
            Assert.Equal(0, pipe.Read(buffer, 0, buffer.Length));
        }

        [Fact]
        public void Read_InnerFails_TheSameExceptionWhereTheReaderReachesIt()
        {
            var broken = new InvalidDataException("the stream is damaged");
            using var pipe = new BackgroundReadStream(new EndlessStream(200_000, broken), "test");
            var buffer = new byte[4096];
            InvalidDataException raised = Assert.Throws<InvalidDataException>(() =>
            {
                while (pipe.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            });
            Assert.Same(broken, raised);
        }

        [Fact]
        public void Read_DisposedEarly_TheThreadStops()
        {
            var endless = new EndlessStream();
            var pipe = new BackgroundReadStream(endless, "test");
            Assert.Equal(10, pipe.Read(new byte[10], 0, 10));
            pipe.Dispose(); // joins the reading thread: once it returns, nothing reads any more
            long after = endless.Reads;
            Assert.Throws<ObjectDisposedException>(() => pipe.Read(new byte[10], 0, 10));
            Assert.Equal(after, endless.Reads);
        }

        private sealed class EndlessStream : Stream
        {
            private readonly long _failAt;
            private readonly Exception? _error;
            private long _reads;
            private long _given;

            public EndlessStream(long failAt = long.MaxValue, Exception? error = null)
            {
                _failAt = failAt;
                _error = error;
            }

            public long Reads => Interlocked.Read(ref _reads);

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => 0; set => throw new NotSupportedException(); }

            public override void Flush()
            {
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                Interlocked.Increment(ref _reads);
                if (_given + count > _failAt)
                {
                    throw _error!;
                }
                _given += count;
                return count;
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
