using System.Collections.Generic;
using System.Threading;

namespace PorterStorage.Core.Storage
{
    /// <summary>
    /// Porter's storage model (item type, group, name) over one backing store: a PORTER_HOME folder or
    /// an Azure blob container. Stores read and write documents; they know nothing of config or rules.
    /// </summary>
    public interface IPorterStore
    {
        /// <summary>A display location: a folder path or a container URL without credentials.</summary>
        string Location { get; }

        /// <summary>
        /// Names of the items of a type (in a group, when given), sorted ordinally, as Porter's List returns
        /// them. Read-only: never creates folders. A missing type or group yields an empty list.
        /// </summary>
        IReadOnlyList<string> List(string itemType, string? group, CancellationToken cancellationToken = default);

        /// <summary>
        /// Reads an item the way Porter's Read does. Returns null when it does not exist; the located
        /// path or blob name is returned in <paramref name="location"/>.
        /// </summary>
        byte[]? Read(string itemType, string name, out string? location, CancellationToken cancellationToken = default);
    }
}
