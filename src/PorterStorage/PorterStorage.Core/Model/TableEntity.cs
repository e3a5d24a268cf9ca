using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace PorterStorage.Core.Model
{
    /// <summary>One property of a table entity as the service keeps it: its name, its EDM type and its value.</summary>
    public sealed class TableProperty
    {
        /// <summary>The EDM types a table property may have.</summary>
        public const string EdmString = "Edm.String";
        public const string EdmBinary = "Edm.Binary";
        public const string EdmBoolean = "Edm.Boolean";
        public const string EdmDateTime = "Edm.DateTime";
        public const string EdmDouble = "Edm.Double";
        public const string EdmGuid = "Edm.Guid";
        public const string EdmInt32 = "Edm.Int32";
        public const string EdmInt64 = "Edm.Int64";

        public TableProperty(string name, string edmType, object value)
        {
            Name = name;
            EdmType = edmType;
            Value = value;
        }

        public string Name { get; }

        /// <summary><c>Edm.String</c>, <c>Edm.Binary</c>, <c>Edm.Boolean</c>, <c>Edm.DateTime</c>, <c>Edm.Double</c>, <c>Edm.Guid</c>, <c>Edm.Int32</c> or <c>Edm.Int64</c>.</summary>
        public string EdmType { get; }

        /// <summary>The value: string, byte[], bool, DateTimeOffset, double, Guid, int or long, as <see cref="EdmType"/> says.</summary>
        public object Value { get; }

        public override string ToString() => $"{Name} ({EdmType})";
    }

    /// <summary>
    /// One entity of the porter table exactly as stored: its keys and every property with its type (the service's
    /// <c>Timestamp</c> and ETag are the service's, not the entity's, and are left out).
    /// </summary>
    public sealed class PorterTableEntity
    {
        public PorterTableEntity(string partitionKey, string rowKey, IEnumerable<TableProperty> properties)
        {
            PartitionKey = partitionKey;
            RowKey = rowKey;
            Properties = properties.OrderBy(p => p.Name, StringComparer.Ordinal).ToList().AsReadOnly();
        }

        public string PartitionKey { get; }

        public string RowKey { get; }

        /// <summary>Every property but the keys, sorted by name.</summary>
        public IReadOnlyList<TableProperty> Properties { get; }

        /// <summary>The property of a name, or null.</summary>
        public TableProperty? Property(string name) => Properties.FirstOrDefault(p => p.Name == name);

        /// <summary>The entity's key as one text (<c>PartitionKey/RowKey</c>, each escaped), the name it has in a backup and in messages.</summary>
        public string Key => EscapeKey(PartitionKey) + "/" + EscapeKey(RowKey);

        /// <summary>The service's ETag of the entity as it was read (null for one not read from a table): what a conditional write expects.</summary>
        internal string? ETag { get; set; }

        public override string ToString() => Key;

        /// <summary>
        /// A key as one path segment: every character but ASCII letters, digits, '-', '_' and '.' as %XX of its UTF-8 bytes, a key of
        /// only dots with its dots escaped, an empty key as a lone '%' (which no escaped key is). Reversible, and never '.' or '..'.
        /// </summary>
        public static string EscapeKey(string key)
        {
            if (key.Length == 0)
            {
                return "%";
            }
            bool allDots = key.All(c => c == '.');
            var text = new StringBuilder(key.Length);
            foreach (byte b in Encoding.UTF8.GetBytes(key))
            {
                char c = (char)b;
                bool plain = b < 0x80 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || (c == '.' && !allDots));
                text.Append(plain ? c.ToString() : "%" + b.ToString("X2", CultureInfo.InvariantCulture));
            }
            return text.ToString();
        }
    }
}
