using System.Collections.Generic;
using PorterStorage.Core;
using PorterStorage.Core.Backup;

namespace PorterStorage.Commands
{
    // The old names that InvokePorterStorageMigrationCommand.cs still uses while its migration code is reworked
    // elsewhere. Nothing else may use them; delete this file once that command reads ResolvedHome.Path,
    // PorterBackup.Source and reports OperationProgress.

    /// <summary>The old name of <see cref="OperationProgress"/>, for InvokePorterStorageMigrationCommand only.</summary>
    internal sealed class BackupProgress
    {
        private readonly OperationProgress _progress;

        public BackupProgress(string activity, string? item, int done, int total, long bytes) =>
            _progress = new OperationProgress(activity, item, done, total, bytes);

        public static implicit operator OperationProgress(BackupProgress progress) => progress._progress;
    }

    public sealed partial class ResolvedHome
    {
        /// <summary>The old (path, resolved from) pair, for InvokePorterStorageMigrationCommand's foreach only.</summary>
        public static explicit operator KeyValuePair<string, string>(ResolvedHome home) => new KeyValuePair<string, string>(home.Path, home.ResolvedFrom);
    }

    /// <summary>The old name of <see cref="PorterBackup.Source"/>, for InvokePorterStorageMigrationCommand only.</summary>
    internal static class PorterBackupOldNames
    {
        extension(PorterBackup backup)
        {
            public string HomePath => backup.Source;
        }
    }
}
