using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.Concurrency
{
    /// <summary>
    /// Runs blocking store steps (each a round trip to a service, or a local rename) at most a given number at once and waits for
    /// all of them. The steps run on threads of their own rather than the thread pool's: a step blocks on its request,
    /// and thirty blocked pool threads would starve the pool that completes those requests.
    /// </summary>
    internal static class ConcurrentSteps
    {
        /// <summary>
        /// Completes every step still in <paramref name="inFlight"/> (one that was cancelled is let go), so that nothing outlives the
        /// operation that started them, whether it returns or raises.
        /// </summary>
        internal static void Settle<T>(System.Collections.Generic.Queue<T> inFlight, System.Action<T> complete)
        {
            while (inFlight.Count > 0)
            {
                try
                {
                    complete(inFlight.Dequeue());
                }
                catch (System.OperationCanceledException)
                {
                }
            }
        }

        /// <summary>
        /// Runs chains of stages: within a chain each stage starts once the one before it has ended (its steps run at once);
        /// the chains run beside one another, so no chain waits for another's stage. At most <paramref name="width"/> steps
        /// run at once (the calling thread takes part). A chain stops at its first failure (the steps of that stage already
        /// started end first); returns that failure, by chain (null for a chain that ended). Nothing is still running when
        /// it returns.
        /// </summary>
        public static Exception?[] RunChains(IReadOnlyList<IReadOnlyList<IReadOnlyList<Action>>> chains, int width)
        {
            var failures = new Exception?[chains.Count];
            var stage = new int[chains.Count];
            var left = new int[chains.Count];
            var ready = new Queue<(int Chain, Action Step)>();
            var gate = new object();
            int open = chains.Count;
            int total = 0;

            // Under the gate: queues the chain's next stage with steps, or closes the chain.
            void Advance(int c)
            {
                while (++stage[c] < chains[c].Count && failures[c] == null)
                {
                    IReadOnlyList<Action> steps = chains[c][stage[c]];
                    if (steps.Count > 0)
                    {
                        left[c] = steps.Count;
                        foreach (Action step in steps)
                        {
                            ready.Enqueue((c, step));
                        }
                        return;
                    }
                }
                open--;
            }

            for (int c = 0; c < chains.Count; c++)
            {
                stage[c] = -1;
                total += chains[c].Sum(s => s.Count);
                Advance(c);
            }

            void Work()
            {
                while (true)
                {
                    (int Chain, Action Step) next;
                    lock (gate)
                    {
                        while (ready.Count == 0 && open > 0)
                        {
                            Monitor.Wait(gate);
                        }
                        if (ready.Count == 0)
                        {
                            return;
                        }
                        next = ready.Dequeue();
                    }
                    Exception? failed = null;
                    if (Volatile.Read(ref failures[next.Chain]) == null)
                    {
                        try
                        {
                            next.Step();
                        }
                        catch (Exception ex)
                        {
                            failed = ex;
                        }
                    }
                    lock (gate)
                    {
                        if (failed != null && failures[next.Chain] == null)
                        {
                            failures[next.Chain] = failed;
                        }
                        if (--left[next.Chain] == 0)
                        {
                            Advance(next.Chain);
                        }
                        Monitor.PulseAll(gate);
                    }
                }
            }

            int workers = Math.Min(Math.Max(1, width), Math.Max(1, total));
            var threads = new Thread[workers - 1];
            for (int t = 0; t < threads.Length; t++)
            {
                threads[t] = new Thread(Work, 256 * 1024) { IsBackground = true, Name = "PorterStorage step" };
                threads[t].Start();
            }
            Work();
            foreach (Thread thread in threads)
            {
                thread.Join();
            }
            return failures;
        }
    }
}
