using System;
using System.Collections.Generic;
using System.Threading;

namespace PorterStorage.Core.Storage
{
    /// <summary>
    /// Runs a list of blocking store steps (each a round trip to a service, or a local rename) at most a given number at once and
    /// waits for all of them. The steps run on threads of their own rather than the thread pool's: a step blocks on its request,
    /// and thirty blocked pool threads would starve the pool that completes those requests.
    /// </summary>
    internal static class ConcurrentSteps
    {
        /// <summary>
        /// Runs every step (the calling thread takes part), at most <paramref name="width"/> at once, and returns what each raised
        /// (null for a step that succeeded), by index. Nothing is still running when it returns.
        /// </summary>
        public static Exception?[] Run(IReadOnlyList<Action> steps, int width)
        {
            var failures = new Exception?[steps.Count];
            int workers = Math.Min(Math.Max(1, width), steps.Count);
            int next = -1;
            void Work()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < steps.Count)
                {
                    try
                    {
                        steps[i]();
                    }
                    catch (Exception ex)
                    {
                        failures[i] = ex;
                    }
                }
            }
            if (workers <= 1)
            {
                Work();
                return failures;
            }
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
