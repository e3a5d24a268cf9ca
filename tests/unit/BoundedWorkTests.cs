using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace PorterStorage.Tests
{
    public class BoundedWorkTests
    {
        [Fact]
        public void Run_YieldsEveryOutcome_NeverMoreThanTheWidthAtOnce()
        {
            int running = 0, most = 0;
            var outcomes = BoundedWork.Run<int, int>(Enumerable.Range(0, 200), 7, async (i, stop) =>
            {
                int now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                await Task.Yield();
                Thread.SpinWait(2000);
                Interlocked.Decrement(ref running);
                return i * 2;
            }, CancellationToken.None).ToList();
            Assert.Equal(Enumerable.Range(0, 200).Select(i => i * 2).OrderBy(i => i), outcomes.OrderBy(i => i));
            Assert.InRange(most, 1, 7);
        }

        [Fact]
        public void Run_RaisesADefectOfABody_AfterTheOthersEnded()
        {
            int running = 0;
            var ex = Assert.Throws<InvalidOperationException>(() => BoundedWork.Run<int, int>(Enumerable.Range(0, 20), 4, async (i, stop) =>
            {
                Interlocked.Increment(ref running);
                try
                {
                    await Task.Yield();
                    if (i == 5)
                    {
                        throw new InvalidOperationException("defect");
                    }
                    await Task.Delay(5, stop);
                    return i;
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            }, CancellationToken.None).ToList());
            Assert.Equal("defect", ex.Message);
            // raised only once every body started has ended
            Assert.Equal(0, Volatile.Read(ref running));
        }

        [Fact]
        public void Run_ACancellationThatIsNotTheLoops_IsRaised_AndStartsNoMoreItems()
        {
            int started = 0;
            Assert.Throws<TaskCanceledException>(() => BoundedWork.Run<int, int>(Enumerable.Range(0, 100_000).Select(i => i), 3, async (i, stop) =>
            {
                Interlocked.Increment(ref started);
                await Task.Yield();
                if (i == 2)
                {
                    throw new TaskCanceledException("a request's own timeout");
                }
                await Task.Delay(1, stop);
                return i;
            }, CancellationToken.None).ToList());
            Assert.InRange(started, 3, 1000);
        }

        [Fact]
        public void Run_LeftEarly_CancelsWhatIsRunning_AndWaitsForIt()
        {
            int started = 0, cancelled = 0, running = 0;
            {
                IEnumerable<int> outcomes = BoundedWork.Run<int, int>(Enumerable.Range(0, 100), 4, async (i, stop) =>
                {
                    Interlocked.Increment(ref started);
                    Interlocked.Increment(ref running);
                    try
                    {
                        if (i == 0)
                        {
                            return i;
                        }
                        await Task.Delay(Timeout.Infinite, stop);
                        return i;
                    }
                    catch (OperationCanceledException)
                    {
                        Interlocked.Increment(ref cancelled);
                        throw;
                    }
                    finally
                    {
                        Interlocked.Decrement(ref running);
                    }
                }, CancellationToken.None);
                foreach (int first in outcomes)
                {
                    Assert.Equal(0, first);
                    break;
                }
            }
            // every body started has ended, cancelled, by the time the loop is left; no more were started
            Assert.Equal(0, Volatile.Read(ref running));
            Assert.InRange(started, 1, 5);
            Assert.Equal(started - 1, cancelled);
        }

        [Fact]
        public void Run_TheCallersCancellation_EndsTheLoopAsACancellation()
        {
            using var cancel = new CancellationTokenSource();
            int seen = 0;
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                foreach (int _ in BoundedWork.Run<int, int>(Enumerable.Range(0, 1000), 3, async (i, stop) =>
                {
                    await Task.Delay(1, stop);
                    return i;
                }, cancel.Token))
                {
                    if (++seen == 10)
                    {
                        cancel.Cancel();
                    }
                }
            });
            Assert.InRange(seen, 10, 999);
        }

        [Fact]
        public void Run_TheCallersCancellation_StillHandsOverEveryOutcomeThatEnded()
        {
            using var cancel = new CancellationTokenSource();
            int ended = 0, seen = 0;
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                foreach (int _ in BoundedWork.Run<int, int>(Enumerable.Range(0, 1000), 4, async (i, stop) =>
                {
                    await Task.Delay(1, stop);
                    Interlocked.Increment(ref ended);
                    return i;
                }, cancel.Token))
                {
                    if (++seen == 5)
                    {
                        cancel.Cancel();
                    }
                    // a slow caller: outcomes pile up while it writes
                    Thread.Sleep(5);
                }
            });
            Assert.Equal(Volatile.Read(ref ended), seen);
        }

        [Fact]
        public void ForEach_StopsStartingItems_OnceABodyReturnsFalse()
        {
            int done = 0;
            // an enumerable (not a list, which Parallel.ForEach would cut into ranges) is taken in order
            BoundedWork.ForEach(Enumerable.Range(0, 10_000).Select(i => i), 2, i =>
            {
                Interlocked.Increment(ref done);
                return i < 10;
            }, CancellationToken.None);
            Assert.InRange(done, 1, 500);
        }

        [Fact]
        public void ForEach_RaisesTheBodysOwnException()
        {
            var ex = Assert.Throws<InvalidOperationException>(() => BoundedWork.ForEach(Enumerable.Range(0, 100), 4, i =>
                i == 7 ? throw new InvalidOperationException("defect") : true, CancellationToken.None));
            Assert.Equal("defect", ex.Message);
        }

        [Fact]
        public void Run_ADefect_StartsNoMoreItems()
        {
            int started = 0;
            Assert.Throws<InvalidOperationException>(() => BoundedWork.Run<int, int>(Enumerable.Range(0, 100_000).Select(i => i), 2, async (i, stop) =>
            {
                Interlocked.Increment(ref started);
                await Task.Yield();
                if (i == 3)
                {
                    throw new InvalidOperationException("defect");
                }
                await Task.Delay(1, stop);
                return i;
            }, CancellationToken.None).ToList());
            Assert.InRange(started, 4, 1000);
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }
}
