using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace PorterStorage.Fuzz
{
    /// <summary>
    /// afl TARGET                       run one target under AFL++ (SharpFuzz's fork server; the core must be instrumented)
    /// smoke SECONDS CORPUS [FINDINGS]  every target in-process for SECONDS each: corpus replay, then random mutations
    /// replay TARGET PATH               one file or every file of a folder through one target
    /// targets                          list the targets
    /// </summary>
    public static class Program
    {
        private static readonly string[] Tokens =
        {
            "1e400", "-1e400", "1.7976931348623159e308", "4.9e-324", "-0", "12345678901234567890", "NaN", "Infinity", "\\ud800", "\\udc00",
            "\\u0000", "\\u2028", "<&>", "\"\":", "{\"a\":1,\"a\":2}", "[[[[[[[[", "]]]]]]]]", "null", "true", "\"name\":", "\"installation\":",
            "\"bundle\":{}", "\"parameters\":{", "\"outputs\":{", "\"custom\":", "\"result\":{\"action\":\"upgrade\"}", "\"schemaVersion\":",
            "\"credentials\":[", "\"source\":{", "&a ", "*a", "<<: *a", "- ", ": ", "\n  ", "!!binary ", "\xC3\x28", "\uFEFF",
        };

        public static int Main(string[] args)
        {
            if (args.Length >= 2 && args[0] == "afl")
            {
                Action<byte[]> target = FuzzTargets.All[args[1]];
                SharpFuzz.Fuzzer.Run(stream =>
                {
                    using var ms = new MemoryStream();
                    stream.CopyTo(ms);
                    target(ms.ToArray());
                });
                return 0;
            }
            if (args.Length >= 3 && args[0] == "smoke")
            {
                return Smoke(double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2], args.Length > 3 ? args[3] : null);
            }
            if (args.Length >= 3 && args[0] == "replay")
            {
                Action<byte[]> target = FuzzTargets.All[args[1]];
                IEnumerable<string> files = Directory.Exists(args[2]) ? Directory.EnumerateFiles(args[2], "*", SearchOption.AllDirectories) : new[] { args[2] };
                int failed = 0;
                foreach (string file in files.OrderBy(f => f, StringComparer.Ordinal))
                {
                    try
                    {
                        target(File.ReadAllBytes(file));
                    }
                    catch (Exception ex)
                    {
                        failed++;
                        Console.WriteLine($"{file}: {ex.GetType().Name}: {ex.Message}");
                    }
                }
                return failed == 0 ? 0 : 1;
            }
            if (args.Length == 1 && args[0] == "targets")
            {
                Console.WriteLine(string.Join(Environment.NewLine, FuzzTargets.All.Keys));
                return 0;
            }
            Console.Error.WriteLine("usage: afl TARGET | smoke SECONDS CORPUS [FINDINGS] | replay TARGET PATH | targets");
            return 2;
        }

        /// <summary>In-process fuzzing without AFL: for the test command (bounded) and machines without afl-fuzz.</summary>
        private static int Smoke(double seconds, string corpusRoot, string? findings)
        {
            int seed = Environment.GetEnvironmentVariable("PORTERSTORAGE_FUZZ_SEED") is string s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Environment.TickCount;
            var random = new Random(seed);
            int passed = 0, failed = 0;
            Console.WriteLine($"fuzz smoke: seed {seed}, {seconds}s per target");
            foreach (KeyValuePair<string, Action<byte[]>> target in FuzzTargets.All)
            {
                string dir = Path.Combine(corpusRoot, target.Key);
                List<byte[]> seeds = Directory.Exists(dir)
                    ? Directory.EnumerateFiles(dir).OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToList()
                    : new List<byte[]>();
                if (seeds.Count == 0)
                {
                    seeds.Add(Encoding.UTF8.GetBytes("{}"));
                }
                long executions = 0, failures = 0;
                var clock = Stopwatch.StartNew();
                int next = 0;
                while (next < seeds.Count || clock.Elapsed.TotalSeconds < seconds)
                {
                    byte[] input = next < seeds.Count ? seeds[next++] : Mutate(random, seeds);
                    executions++;
                    try
                    {
                        target.Value(input);
                    }
                    catch (Exception ex)
                    {
                        failures++;
                        string where = "(not saved)";
                        if (findings != null)
                        {
                            Directory.CreateDirectory(findings);
                            where = Path.Combine(findings, $"{target.Key}-{failures}.bin");
                            File.WriteAllBytes(where, input);
                        }
                        Console.WriteLine($"  {target.Key}: FAILED {ex.GetType().Name}: {ex.Message} -> {where}");
                        if (failures >= 5)
                        {
                            break;
                        }
                    }
                }
                Console.WriteLine($"  {target.Key}: {executions} executions ({seeds.Count} seeds), {failures} failure(s)");
                if (failures == 0)
                {
                    passed++;
                }
                else
                {
                    failed++;
                }
            }
            Console.WriteLine($"fuzz: {passed} passed, {failed} failed");
            return failed == 0 ? 0 : 1;
        }

        private static byte[] Mutate(Random random, List<byte[]> seeds)
        {
            var data = new List<byte>(seeds[random.Next(seeds.Count)]);
            int steps = 1 + random.Next(4);
            for (int i = 0; i < steps; i++)
            {
                int at = data.Count == 0 ? 0 : random.Next(data.Count + 1);
                switch (random.Next(7))
                {
                    case 0:
                        if (data.Count > 0)
                        {
                            data[Math.Min(at, data.Count - 1)] ^= (byte)(1 << random.Next(8));
                        }
                        break;
                    case 1:
                        if (data.Count > 0)
                        {
                            data.RemoveRange(Math.Min(at, data.Count - 1), Math.Min(1 + random.Next(16), data.Count - Math.Min(at, data.Count - 1)));
                        }
                        break;
                    case 2:
                    case 3:
                        data.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[random.Next(Tokens.Length)]));
                        break;
                    case 4:
                        data.Insert(at, (byte)random.Next(256));
                        break;
                    case 5:
                        byte[] other = seeds[random.Next(seeds.Count)];
                        int from = random.Next(other.Length + 1);
                        data.InsertRange(at, other.Skip(from).Take(random.Next(64)));
                        break;
                    default:
                        // A digit run replaced by a huge or tiny number: the class that once wrote "I.nfinitye+07".
                        int d = data.FindIndex(Math.Min(at, data.Count), b => b >= (byte)'0' && b <= (byte)'9');
                        if (d >= 0)
                        {
                            data.InsertRange(d, Encoding.UTF8.GetBytes(random.Next(2) == 0 ? "9e99" : "1e-99"));
                        }
                        break;
                }
            }
            return data.ToArray();
        }
    }
}
