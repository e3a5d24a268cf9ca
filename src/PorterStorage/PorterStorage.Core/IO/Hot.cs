using System.Runtime.CompilerServices;

namespace PorterStorage.Core.IO
{
    /// <summary>
    /// For the per-file and per-block loops of backup, verification and restore. A run does its work once per process, so
    /// these methods would spend most of it in the runtime's first, unoptimised code (tiered compilation promotes them
    /// only after a delay, later still when both cores are busy). MethodImplOptions.AggressiveOptimization (.NET Core 3.0+,
    /// not named in netstandard2.0) compiles them optimised at their first call; .NET Framework ignores the flag.
    /// </summary>
    internal static class Hot
    {
        public const MethodImplOptions Path = (MethodImplOptions)512;
    }
}
