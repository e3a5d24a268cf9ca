using System;

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// How many requests the module keeps in flight against one storage account unless told otherwise: azcopy's own default
    /// (32 on a machine of up to four cores, else 16 per core, at most 300), so that a request's latency is hidden the way the
    /// tool operators compare with hides it. Every Azure engine (copy, backup, restore, migration, tag repair) takes it from here.
    /// It is a ceiling: how many of those requests are on the wire at once is the account's <see cref="AdaptiveConcurrency"/>,
    /// which a busy service lowers and its recovery raises again.
    /// </summary>
    public static class AzureConcurrency
    {
        /// <summary>The most a caller may ask for (<c>-ConcurrentTaskCount</c>).</summary>
        public const int Max = 300;

        /// <summary>The default for this machine.</summary>
        public static int Default { get; } = For(Environment.ProcessorCount);

        /// <summary>The default for a machine of <paramref name="cores"/> cores.</summary>
        public static int For(int cores) => cores <= 4 ? 32 : Math.Min(16 * cores, Max);
    }
}
