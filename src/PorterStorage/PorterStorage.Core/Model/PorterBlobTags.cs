using System;
using System.Linq;
using System.Collections.Generic;

namespace PorterStorage.Core.Model
{
    /// <summary>
    /// The azure.blob plugin's index tags (format A§1.2): every blob under a Porter prefix carries <c>type</c> (its item
    /// type); claims, results and outputs also carry the tag of the group Porter lists them by. The one place that knows
    /// the tag names.
    /// </summary>
    public static class PorterBlobTags
    {
        /// <summary>The item type of a blob (its prefix).</summary>
        public const string Type = "type";

        /// <summary>The group tag of a claim: its installation.</summary>
        public const string Installation = "installation";

        /// <summary>The group tag of a result: its claim's ID.</summary>
        public const string ClaimId = "claim-id";

        /// <summary>The group tag of an output: its result's ID.</summary>
        public const string ResultId = "result-id";

        /// <summary>Every tag name the plugin sets; tags of other names are not Porter's.</summary>
        public static IReadOnlyList<string> Names { get; } = new List<string> { Type, Installation, ClaimId, ResultId }.AsReadOnly();

        /// <summary>The group tag the plugin sets for a type, or null.</summary>
        public static string? GroupTag(string type) =>
            type == ItemTypes.Claims ? Installation : type == ItemTypes.Results ? ClaimId : type == ItemTypes.Outputs ? ResultId : null;

        /// <summary>True when a blob under a Porter prefix carries the tags the plugin lists it by.</summary>
        public static bool HasPorterTags(string type, IReadOnlyDictionary<string, string>? tags)
        {
            if (tags == null || !tags.TryGetValue(Type, out string? t) || t != type)
            {
                return false;
            }
            string? group = GroupTag(type);
            return group == null || (tags.TryGetValue(group, out string? g) && g.Length > 0);
        }

        /// <summary>A listed blob's tags as a read-only map (null when it has none).</summary>
        public static IReadOnlyDictionary<string, string>? Of(IDictionary<string, string>? tags) =>
            tags == null ? null : tags as IReadOnlyDictionary<string, string> ?? new Dictionary<string, string>(tags);

        /// <summary>The tags the plugin writes on a document: <c>type</c> (none for the root type) and, for grouped types, the group tag.</summary>
        public static IReadOnlyDictionary<string, string> For(string itemType, string? group)
        {
            var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (itemType.Length > 0)
            {
                tags[Type] = itemType;
            }
            string? groupTag = GroupTag(itemType);
            if (groupTag != null && group != null)
            {
                tags[groupTag] = group;
            }
            return tags;
        }

        /// <summary>
        /// The tag condition of Porter's query for the blobs of one type; Porter asks it of the account with
        /// <c>AND @container='…'</c> (<see cref="PorterAzureContainer.FindByTags"/>).
        /// </summary>
        public static string TypeCondition(string type) => $"\"{Type}\"='{type}'";

        /// <summary>
        /// Why the azure.blob plugin could not keep the item <paramref name="name"/> of <paramref name="itemType"/> (in <paramref name="group"/>) as a blob, or null: its name must be a blob name that survives a URL
        /// (not empty, not '.' or '..', not ending in '.' or '/', no control character, at most 1,024 characters with its type), and
        /// its group an index tag value (at most 256 characters of letters, digits, space and <c>+ - . / : = _</c>).
        /// </summary>
        public static string? BlobProblem(string itemType, string name, string? group)
        {
            if (name.Length == 0 || name == "." || name == ".." || name.EndsWith(".", StringComparison.Ordinal) || name.EndsWith("/", StringComparison.Ordinal))
            {
                return $"its name '{name}' is not a blob name that survives a URL (empty, a dot segment, or ending in '.' or '/')";
            }
            if (name.Any(c => c < 0x20 || c == 0x7F || c == '\\'))
            {
                return "its name holds a control character or a backslash";
            }
            if (itemType.Length + 1 + name.Length > 1024)
            {
                return "its blob name would be longer than 1,024 characters";
            }
            if (group != null && GroupTag(itemType) != null)
            {
                if (group.Length > 256)
                {
                    return $"its group has {group.Length} characters, more than the 256 an index tag value holds";
                }
                char bad = group.FirstOrDefault(c => !(char.IsLetterOrDigit(c) && c < 0x80) && " +-./:=_".IndexOf(c) < 0);
                if (bad != default(char))
                {
                    return $"its group holds the character U+{(int)bad:X4}, which an index tag value cannot hold";
                }
            }
            return null;
        }
    }
}
