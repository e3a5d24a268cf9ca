
namespace PorterStorage
{
    /// <summary>What a home holds: legacy items (before v0.28) and current-layout items, per type.</summary>
    public sealed class PorterItemCounts
    {
        /// <summary>Legacy single-document claims: <c>claims/&lt;installation&gt;.json</c>.</summary>
        public int LegacyClaims { get; internal set; }

        /// <summary>Index entries: <c>installations/&lt;installation&gt;</c>.</summary>
        public int Installations { get; internal set; }

        /// <summary>Current-layout claim folders: <c>claims/&lt;installation&gt;/</c>.</summary>
        public int InstallationFolders { get; internal set; }

        /// <summary>Current-layout claims: <c>claims/&lt;installation&gt;/&lt;id&gt;.json</c>.</summary>
        public int Claims { get; internal set; }

        public int Results { get; internal set; }

        public int Outputs { get; internal set; }

        /// <summary>Credential sets without a schemaVersion (or unreadable ones).</summary>
        public int LegacyCredentials { get; internal set; }

        /// <summary>YAML credential sets from Porter ≤ v0.22 (ignored by Porter v0.28+).</summary>
        public int YamlCredentials { get; internal set; }

        public int Credentials { get; internal set; }

        /// <summary>Parameter sets without a schemaVersion key (or unreadable ones).</summary>
        public int LegacyParameters { get; internal set; }

        public int Parameters { get; internal set; }

        public int LegacyTotal => LegacyClaims + LegacyCredentials + YamlCredentials + LegacyParameters;

        public int CurrentTotal => Installations + InstallationFolders + Results + Outputs + Credentials + Parameters;

        public override string ToString() => $"legacy {LegacyTotal}, current {CurrentTotal}";
    }
}
