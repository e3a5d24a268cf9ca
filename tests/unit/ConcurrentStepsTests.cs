using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>The scheduler of a batch's writes: each record's stages in order, the records beside one another, bounded.</summary>
    public class ConcurrentStepsTests
    {
        private static IReadOnlyList<IReadOnlyList<Action>> Chain(params Action[][] stages) => stages;

        [Fact]
        public void StagesOfAChain_RunInOrder_StepsOfAStageTogether()
        {
            var log = new ConcurrentQueue<string>();
            var chains = Enumerable.Range(0, 20).Select(c => Chain(
                Enumerable.Range(0, 3).Select(i => (Action)(() => log.Enqueue($"{c}:a"))).ToArray(),
                new Action[] { () => log.Enqueue($"{c}:b") },
                Array.Empty<Action>(),
                Enumerable.Range(0, 2).Select(i => (Action)(() => log.Enqueue($"{c}:c"))).ToArray())).ToList();
            Exception?[] failures = ConcurrentSteps.RunChains(chains, 8);
            Assert.All(failures, Assert.Null);
            List<string> order = log.ToList();
            Assert.Equal(20 * 6, order.Count);
            for (int c = 0; c < 20; c++)
            {
                List<string> mine = order.Where(e => e.StartsWith(c + ":", StringComparison.Ordinal)).ToList();
                Assert.Equal(new[] { "a", "a", "a", "b", "c", "c" }, mine.Select(e => e.Split(':')[1]));
            }
        }

        /// <summary>One chain's slow stage does not hold back another chain's next stage (no rounds across chains).</summary>
        [Fact]
        public void Chains_DoNotWaitForEachOthersStages()
        {
            using var secondChainDone = new ManualResetEventSlim();
            bool sawIt = false;
            var chains = new List<IReadOnlyList<IReadOnlyList<Action>>>
            {
                Chain(new Action[] { () => sawIt = secondChainDone.Wait(TimeSpan.FromSeconds(30)) }),
                Chain(new Action[] { () => { } }, new Action[] { () => { } }, new Action[] { () => secondChainDone.Set() }),
            };
            ConcurrentSteps.RunChains(chains, 2);
            Assert.True(sawIt, "the second chain's third stage ran while the first chain's first stage was still running");
        }

        [Fact]
        public void AtMostWidthStepsAtOnce_AndNothingRunsAfterItReturns()
        {
            int running = 0, most = 0, after = 0;
            bool returned = false;
            var chains = Enumerable.Range(0, 50).Select(c => Chain(Enumerable.Range(0, 4).Select(i => (Action)(() =>
            {
                int now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                Thread.SpinWait(2000);
                if (Volatile.Read(ref returned))
                {
                    Interlocked.Increment(ref after);
                }
                Interlocked.Decrement(ref running);
            })).ToArray())).ToList();
            ConcurrentSteps.RunChains(chains, 5);
            Volatile.Write(ref returned, true);
            Assert.InRange(most, 1, 5);
            Assert.Equal(0, Volatile.Read(ref running));
            Assert.Equal(0, after);
        }

        [Fact]
        public void AFailure_StopsItsChainOnly_AndIsReturnedAsThrown()
        {
            var refused = new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, "x", "refused");
            var ran = new ConcurrentBag<string>();
            var chains = new List<IReadOnlyList<IReadOnlyList<Action>>>
            {
                Chain(new Action[] { () => ran.Add("0a"), () => throw refused }, new Action[] { () => ran.Add("0b") }),
                Chain(new Action[] { () => ran.Add("1a") }, new Action[] { () => ran.Add("1b") }),
                Chain(),
            };
            Exception?[] failures = ConcurrentSteps.RunChains(chains, 3);
            Assert.Same(refused, failures[0]);
            Assert.Null(failures[1]);
            Assert.Null(failures[2]);
            Assert.DoesNotContain("0b", ran);
            Assert.Contains("1b", ran);
        }

        [Fact]
        public void NoSteps_ReturnsAtOnce()
        {
            Assert.Empty(ConcurrentSteps.RunChains(new List<IReadOnlyList<IReadOnlyList<Action>>>(), 32));
            Assert.Equal(new Exception?[] { null, null }, ConcurrentSteps.RunChains(new[] { Chain(), Chain(Array.Empty<Action>()) }, 32));
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }
}
