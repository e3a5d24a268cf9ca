
namespace PorterStorage
{
    /// <summary>Which storage layout a home's data is in.</summary>
    public enum PorterLayout
    {
        /// <summary>No data at all.</summary>
        Empty,

        /// <summary>Only the pre-v0.28 layout (needs migration).</summary>
        Legacy,

        /// <summary>Only the v0.28–v0.38 layout.</summary>
        Current,

        /// <summary>Both: a partial earlier migration, or data added afterwards.</summary>
        Mixed,
    }
}
