using System;
using System.Threading;

namespace PorterStorage.Tests
{
    /// <summary>A migration run the way the cmdlet runs one (<see cref="MigrationSession"/>: planned, confirmed, run under the lock), without a backup.</summary>
    internal static class Migrations
    {
        public static PorterMigrationResult Run(IMigrationStore store, Action<MigrationRequest>? configure = null, CancellationToken cancel = default)
        {
            var request = new MigrationRequest(store) { SkipBackupCheck = true };
            configure?.Invoke(request);
            return MigrationSession.Run(request, cancel) ?? throw new InvalidOperationException("The migration was declined.");
        }
    }
}
