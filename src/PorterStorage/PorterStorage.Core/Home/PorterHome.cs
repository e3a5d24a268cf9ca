using System.Collections.Generic;

namespace PorterStorage
{
    /// <summary>A PORTER_HOME as Porter v0.28–v0.38 would see it. Produced read-only.</summary>
    public sealed class PorterHome
    {
        internal PorterHome(string path, string resolvedFrom, bool exists)
        {
            Path = path;
            ResolvedFrom = resolvedFrom;
            Exists = exists;
        }

        /// <summary>The absolute home path (binds to <c>-Path</c> of the next cmdlet).</summary>
        public string Path { get; }

        /// <summary>How the path was chosen: <c>Parameter</c>, <c>PORTER_HOME</c> or <c>UserHome</c>.</summary>
        public string ResolvedFrom { get; }

        public bool Exists { get; }

        /// <summary>The config file Porter reads, or null.</summary>
        public string? ConfigPath => Config?.FilePath;

        /// <summary>The parsed config; null when it could not be read (see <see cref="Problems"/>).</summary>
        public PorterConfig? Config { get; internal set; }

        /// <summary>The storage that applies; null when the config could not be resolved.</summary>
        public PorterResolvedStorage? Storage { get; internal set; }

        /// <summary>For an azure.blob home, the plugin's container (null when it could not be resolved; see <see cref="Problems"/>).</summary>
        public PorterAzureStorage? AzureStorage { get; internal set; }

        /// <summary>True when the data lives in this folder (the <c>filesystem</c> plugin).</summary>
        public bool StorageIsLocal => Storage?.IsFilesystem ?? false;

        public PorterLayout Layout { get; internal set; }

        public PorterItemCounts Items { get; internal set; } = new PorterItemCounts();

        /// <summary>The schema state, or null when schema.json could not be read.</summary>
        public PorterSchemaStatus? Schema { get; internal set; }

        /// <summary>Total bytes of the files under the home (links not followed).</summary>
        public long SizeBytes { get; internal set; }

        public IReadOnlyList<PorterHomeProblem> Problems { get; internal set; } = new List<PorterHomeProblem>();

        public override string ToString() => Path;
    }
}
