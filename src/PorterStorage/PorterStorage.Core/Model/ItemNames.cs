using System;
using System.Globalization;
using System.Text;

namespace PorterStorage.Core.Model
{
    /// <summary>
    /// What names a store can hold: the limits of one kind of store (a folder's file names, a container's blob names).
    /// The store owns its limits; <see cref="ItemNames"/> owns the rule that applies them.
    /// </summary>
    public sealed class StoreNameLimits
    {
        public StoreNameLimits(string kind, int maxSegmentBytes, int maxPathChars)
        {
            Kind = kind;
            MaxSegmentBytes = maxSegmentBytes;
            MaxPathChars = maxPathChars;
        }

        /// <summary>A PORTER_HOME folder: one path segment (file or folder name) at most 255 bytes of UTF-8.</summary>
        public static StoreNameLimits Folder { get; } = new StoreNameLimits("file name", 255, int.MaxValue);

        /// <summary>An Azure blob container: a blob name at most 1,024 characters.</summary>
        public static StoreNameLimits Blob { get; } = new StoreNameLimits("blob name", int.MaxValue, 1024);

        /// <summary>What a name is in this store, for messages ("file name", "blob name").</summary>
        public string Kind { get; }

        /// <summary>The most UTF-8 bytes of one '/'-separated segment of a store path.</summary>
        public int MaxSegmentBytes { get; }

        /// <summary>The most characters of a whole store path.</summary>
        public int MaxPathChars { get; }
    }

    /// <summary>
    /// The one rule for names that become paths in a store, for every item kind (installation, claim, result, output,
    /// credential and parameter set) and every store: a name is a single, non-empty path segment that is not <c>.</c>
    /// or <c>..</c>, holds no <c>/</c>, <c>\</c>, NUL, control character or unpaired surrogate, and the store path it
    /// becomes (with the store's extension or prefix) fits the store's limits. A name breaking it is refused at plan
    /// time with <c>InvalidItemName</c>, before anything is committed.
    /// </summary>
    public static class ItemNames
    {
        /// <summary>Why <paramref name="name"/> cannot be a segment of a store path, or null when it can.</summary>
        public static string? NameProblem(string name)
        {
            if (name.Length == 0)
            {
                return "it is empty";
            }
            if (name == "." || name == "..")
            {
                return $"'{name}' names a folder itself, not an item";
            }
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (c == '/' || c == '\\')
                {
                    return $"it holds a path separator ('{c}')";
                }
                if (c == '\0')
                {
                    return "it holds a NUL character";
                }
                if (c < 0x20 || c == 0x7F)
                {
                    return $"it holds the control character U+{(int)c:X4}";
                }
                if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
                {
                    i++;
                }
                else if (char.IsSurrogate(c))
                {
                    return "it holds an unpaired surrogate (no UTF-8 form)";
                }
            }
            return null;
        }

        /// <summary>Why the store path <paramref name="path"/> ('/'-separated) exceeds <paramref name="limits"/>, or null.</summary>
        public static string? PathProblem(string path, StoreNameLimits limits)
        {
            if (path.Length > limits.MaxPathChars)
            {
                return $"the {limits.Kind} '{Shorten(path)}' would be {path.Length} characters, more than the {limits.MaxPathChars} the store allows";
            }
            foreach (string segment in path.Split('/'))
            {
                int bytes = Encoding.UTF8.GetByteCount(segment);
                if (bytes > limits.MaxSegmentBytes)
                {
                    return $"the {limits.Kind} '{Shorten(segment)}' would be {bytes} bytes, more than the {limits.MaxSegmentBytes} the store allows";
                }
            }
            return null;
        }

        /// <summary>
        /// Raises <c>InvalidItemName</c> naming <paramref name="source"/> when a name of the document breaks the rule
        /// or its store path <paramref name="storePath"/> breaks the store's limits.
        /// </summary>
        public static void Check(string kind, string itemType, string? group, string name, string storePath, StoreNameLimits limits, string source)
        {
            if (group != null)
            {
                Throw(GroupKind(itemType), group, NameProblem(group), source);
            }
            Throw(kind, name, NameProblem(name), source);
            Throw(kind, name, PathProblem(storePath, limits), source);
        }

        /// <summary>Raises <c>InvalidItemName</c> when <paramref name="problem"/> is set.</summary>
        public static void Throw(string kind, string name, string? problem, string source)
        {
            if (problem != null)
            {
                throw new PorterStorageException(ErrorIds.InvalidItemName, PorterErrorKind.InvalidData, source,
                    $"'{source}' holds the {kind} name '{Shorten(name)}', which cannot be stored: {problem}. It is left in place; rename it and run again.");
            }
        }

        private static string GroupKind(string itemType) =>
            itemType == ItemTypes.Claims ? "installation" : itemType == ItemTypes.Results ? "claim" : itemType == ItemTypes.Outputs ? "result" : "group";

        /// <summary>A name as shown in a message: control characters escaped, at most 80 characters.</summary>
        public static string Shorten(string name)
        {
            var sb = new StringBuilder();
            foreach (char c in name)
            {
                if (sb.Length >= 80)
                {
                    sb.Append("…");
                    break;
                }
                if (c < 0x20 || c == 0x7F || char.IsSurrogate(c))
                {
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append(c);
                }
            }
            return sb.ToString();
        }
    }
}
