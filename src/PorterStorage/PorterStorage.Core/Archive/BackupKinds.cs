namespace PorterStorage.Core.Archive
{
    /// <summary>
    /// The kinds of backup, each in its two spellings: as people see it (<see cref="PorterBackup.Kind"/>, the kind the
    /// migration asks evidence for) and as the manifest records it (the same word in lower case).
    /// </summary>
    public static class BackupKinds
    {
        /// <summary>A Porter home (Backup-PorterHome).</summary>
        public const string Home = "Home";

        /// <summary>A blob container (Backup-PorterAzureContainer).</summary>
        public const string Container = "Container";

        /// <summary>The azure.table plugin's table (Backup-PorterAzureContainer given a table store).</summary>
        public const string Table = "Table";

        /// <summary>The manifest's <c>kind</c> of a home backup.</summary>
        public const string HomeManifest = "home";

        /// <summary>The manifest's <c>kind</c> of a container backup.</summary>
        public const string ContainerManifest = "container";

        /// <summary>The manifest's <c>kind</c> of a table backup.</summary>
        public const string TableManifest = "table";

        /// <summary>The kind as people see it of a manifest's <c>kind</c>.</summary>
        public static string FromManifest(string manifestKind) =>
            manifestKind == ContainerManifest ? Container : manifestKind == TableManifest ? Table : Home;

        /// <summary>The command that writes a backup of the kind.</summary>
        public static string Producer(string kind) => kind == Home ? "Backup-PorterHome" : "Backup-PorterAzureContainer";
    }
}
