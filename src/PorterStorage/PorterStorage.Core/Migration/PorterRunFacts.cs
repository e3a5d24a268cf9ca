using System;

namespace PorterStorage
{
    /// <summary>When and where a run took place, by whom and with which version of the module.</summary>
    public sealed class PorterRunFacts
    {
        private PorterRunFacts(DateTime startedUtc, DateTime finishedUtc, string host, string operatorName, string moduleVersion)
        {
            Started = startedUtc;
            Finished = finishedUtc;
            Host = host;
            Operator = operatorName;
            ModuleVersion = moduleVersion;
        }

        /// <summary>When the run started (UTC).</summary>
        public DateTime Started { get; }

        /// <summary>When the run ended (UTC).</summary>
        public DateTime Finished { get; }

        /// <summary>The machine the run took place on.</summary>
        public string Host { get; }

        /// <summary>The account the run took place under (the process's user).</summary>
        public string Operator { get; }

        /// <summary>The version of PorterStorage that ran it.</summary>
        public string ModuleVersion { get; }

        /// <summary>A run from <paramref name="startedUtc"/> to now, on this machine, by this process's user.</summary>
        internal static PorterRunFacts Now(DateTime startedUtc) =>
            new PorterRunFacts(startedUtc, DateTime.UtcNow, Safe(() => Environment.MachineName), Safe(() => Environment.UserName), Version);

        /// <summary>The module's version: the engine assembly carries the manifest's ModuleVersion (Directory.Build.props).</summary>
        internal static string Version { get; } = typeof(PorterRunFacts).Assembly.GetName().Version is System.Version v ? v.ToString(3) : "unknown";

        private static string Safe(Func<string> read)
        {
            try
            {
                return read();
            }
            catch (InvalidOperationException)
            {
                return "unknown";
            }
            catch (PlatformNotSupportedException)
            {
                return "unknown";
            }
        }

        public override string ToString() => $"{Started:yyyy-MM-dd HH:mm:ss}–{Finished:HH:mm:ss} UTC on {Host} by {Operator}, PorterStorage {ModuleVersion}";
    }
}
