using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace PorterStorage.Core.Concurrency
{
    /// <summary>
    /// The core's one bounded-parallel loop: every piece of work that runs items side by side (a copy's blobs, a move's writes and
    /// read-backs, the index wait's tag queries) runs through it, at most <c>width</c> at once, its width taken from
    /// <see cref="AzureConcurrency"/> by the caller. The account's <see cref="AdaptiveConcurrency"/> still decides how
    /// many of those requests are on the wire.
    /// </summary>
    public static class BoundedWork
    {
        /// <summary>
        /// Runs <paramref name="body"/> for each item, at most <paramref name="width"/> at once, and yields each outcome on the calling
        /// thread as it ends (in the order they end), so the caller counts, reports and writes as it goes. A body that throws is a
        /// defect: no further item starts, those running are cancelled, and the enumeration then raises it. Leaving the enumeration
        /// early (an exception of the caller) cancels what has not ended and waits for it, so nothing outlives the loop; the caller's
        /// cancellation does the same, then hands over every outcome that ended before raising it, so a count of what was done is exact. The
        /// work starts when the enumeration does; enumerate it once (each enumeration runs every item again).
        /// </summary>
        public static IEnumerable<TOut> Run<T, TOut>(IEnumerable<T> items, int width, Func<T, CancellationToken, Task<TOut>> body, CancellationToken cancel)
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var outcomes = new BlockingCollection<TOut>();
            var gate = new SemaphoreSlim(Math.Max(1, width));
            CancellationToken token = stop.Token;
            Task all = Task.Run(async () =>
            {
                var running = new List<Task>();
                try
                {
                    foreach (T item in items)
                    {
                        await gate.WaitAsync(token).ConfigureAwait(false);
                        running.Add(Task.Run(async () =>
                        {
                            try
                            {
                                // A slot freed while the loop was being left starts nothing.
                                if (!token.IsCancellationRequested)
                                {
                                    outcomes.Add(await body(item, token).ConfigureAwait(false));
                                }
                            }
                            catch (Exception ex) when (!(ex is OperationCanceledException) || !token.IsCancellationRequested)
                            {
                                // A defect, or a cancellation that is not the loop's own: no further item starts.
                                stop.Cancel();
                                throw;
                            }
                            finally
                            {
                                gate.Release();
                            }
                        }));
                    }
                }
                finally
                {
                    try
                    {
                        await Task.WhenAll(running).ConfigureAwait(false);
                    }
                    finally
                    {
                        outcomes.CompleteAdding();
                    }
                }
            });
            try
            {
                bool cancelled = false;
                while (true)
                {
                    TOut next;
                    try
                    {
                        if (!outcomes.TryTake(out next, Timeout.Infinite, cancel))
                        {
                            break; // every item ended and was handed over
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        cancelled = true;
                        break;
                    }
                    yield return next;
                }
                if (cancelled)
                {
                    // Ctrl+C: what is running is cancelled and waited for, and every outcome that ended is still handed over, so the
                    // caller's count of what was done is exact; then the cancellation.
                    stop.Cancel();
                    try
                    {
                        all.Wait();
                    }
                    catch (AggregateException)
                    {
                        // Cancelled bodies; the caller's cancellation is what is raised.
                    }
                    while (outcomes.TryTake(out TOut ended))
                    {
                        yield return ended;
                    }
                    cancel.ThrowIfCancellationRequested();
                }
                all.GetAwaiter().GetResult();
            }
            finally
            {
                stop.Cancel();
                try
                {
                    all.Wait();
                }
                catch (AggregateException)
                {
                    // Observed above, or the loop is already ending with the caller's own exception.
                }
                outcomes.Dispose();
                gate.Dispose();
                stop.Dispose();
            }
        }

        /// <summary>
        /// Runs <paramref name="body"/> for each item on the thread pool, at most <paramref name="width"/> at once, and returns when every
        /// one started has ended. A body that returns false starts no more items (those running finish). The caller's cancellation
        /// ends the loop with <see cref="OperationCanceledException"/>; a body that throws ends it with that exception (the first, when
        /// several did).
        /// </summary>
        public static void ForEach<T>(IEnumerable<T> items, int width, Func<T, bool> body, CancellationToken cancel)
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, width), CancellationToken = cancel };
            try
            {
                Parallel.ForEach(items, options, (item, loop) =>
                {
                    if (loop.ShouldExitCurrentIteration)
                    {
                        return;
                    }
                    if (!body(item))
                    {
                        loop.Stop();
                    }
                });
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
            {
                ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
                throw;
            }
        }
    }
}
