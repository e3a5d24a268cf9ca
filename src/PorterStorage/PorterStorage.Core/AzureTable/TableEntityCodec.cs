using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace PorterStorage.Core.AzureTable
{
    /// <summary>What a Porter item an entity holds, decoded the way the azure.table plugin's Read and List see it.</summary>
    public sealed class TableItem
    {
        internal TableItem(PorterTableEntity entity, string itemType, string name, string? group, byte[] data, bool compressed, bool hasGroup)
        {
            Entity = entity;
            ItemType = itemType;
            Name = name;
            Group = group;
            Data = data;
            Compressed = compressed;
            HasGroup = hasGroup;
        }

        public PorterTableEntity Entity { get; }

        /// <summary>The item type (the partition key); empty for the schema document.</summary>
        public string ItemType { get; }

        /// <summary>The item name (the row key).</summary>
        public string Name { get; }

        /// <summary>The <c>group</c> property; null when the entity has none, or has <c>""</c>.</summary>
        public string? Group { get; }

        /// <summary>The document, decompressed when the entity says it is compressed; empty for an installation marker.</summary>
        public byte[] Data { get; }

        public bool Compressed { get; }

        /// <summary>False when the entity has no <c>group</c> property: the plugin's List (<c>group eq '…'</c>) never returns it.</summary>
        public bool HasGroup { get; }
    }

    /// <summary>
    /// The azure.table plugin's entity (format A§1.7, <c>pkg/azure/table/store.go</c>): PartitionKey = item type (<c>schema</c> for
    /// the schema document, whose row key is <c>schema</c>), RowKey = name, <c>group</c> (string, <c>""</c> when none) and <c>data</c>
    /// (Edm.Binary; absent when the plugin saved nil data, as for an installation marker). Later plugin builds may set
    /// <c>compressed</c> (Edm.Boolean) and store <c>data</c> gzipped. The plugin refuses data over <see cref="MaxDataBytes"/>.
    /// Also the one canonical JSON form of an entity that backups hold. The only place that knows these shapes.
    /// </summary>
    public static class TableEntityCodec
    {
        /// <summary>The plugin's limit on <c>data</c> (its <c>maxSize</c>); it refuses to save more.</summary>
        public const int MaxDataBytes = 65536;

        /// <summary>The most a compressed <c>data</c> may expand to before it is judged hostile.</summary>
        internal const int MaxDecompressedBytes = 64 * 1024 * 1024;

        public const string SchemaPartition = "schema";
        public const string SchemaRow = "schema";
        public const string GroupProperty = "group";
        public const string DataProperty = "data";
        public const string CompressedProperty = "compressed";

        /// <summary>The partition and row key the plugin stores an item under (the schema document's empty type is <c>schema</c>).</summary>
        public static (string PartitionKey, string RowKey) KeyOf(string itemType, string name) =>
            itemType.Length == 0 && name == SchemaRow ? (SchemaPartition, SchemaRow) : (itemType, name);

        /// <summary>The entity the plugin's Save writes for an item: <c>group</c> and, unless the data is empty, <c>data</c>.</summary>
        public static PorterTableEntity Encode(string itemType, string? group, string name, byte[] data)
        {
            (string pk, string rk) = KeyOf(itemType, name);
            var properties = new List<TableProperty> { new TableProperty(GroupProperty, TableProperty.EdmString, group ?? string.Empty) };
            if (data.Length > 0)
            {
                properties.Add(new TableProperty(DataProperty, TableProperty.EdmBinary, data));
            }
            return new PorterTableEntity(pk, rk, properties);
        }

        /// <summary>
        /// The item an entity holds, as the plugin reads it. Raises <c>TableEntityTooLarge</c> (data over the plugin's limit) and
        /// <c>TableEntityUndecodable</c> (a <c>data</c> that is not binary, a <c>compressed</c> that is not a boolean, a gzip that does not
        /// inflate), each naming the entity by <paramref name="location"/>.
        /// </summary>
        public static TableItem Decode(PorterTableEntity entity, string location)
        {
            string itemType = entity.PartitionKey == SchemaPartition && entity.RowKey == SchemaRow ? string.Empty : entity.PartitionKey;
            TableProperty? groupProperty = entity.Property(GroupProperty);
            if (groupProperty != null && groupProperty.EdmType != TableProperty.EdmString)
            {
                throw Undecodable(location, $"its 'group' property is {groupProperty.EdmType}, not Edm.String");
            }
            string? group = groupProperty == null || ((string)groupProperty.Value).Length == 0 ? null : (string)groupProperty.Value;
            TableProperty? dataProperty = entity.Property(DataProperty);
            byte[] data;
            if (dataProperty == null)
            {
                data = Array.Empty<byte>();
            }
            else if (dataProperty.EdmType != TableProperty.EdmBinary)
            {
                throw Undecodable(location, $"its 'data' property is {dataProperty.EdmType}, not Edm.Binary (the plugin would read it as empty)");
            }
            else
            {
                data = (byte[])dataProperty.Value;
            }
            if (data.Length > MaxDataBytes)
            {
                throw new PorterStorageException(ErrorIds.TableEntityTooLarge, PorterErrorKind.InvalidData, location,
                    $"The entity '{location}' holds {data.Length} bytes of data; the azure.table plugin saves at most {MaxDataBytes}, so no plugin wrote it.");
            }
            TableProperty? compressedProperty = entity.Property(CompressedProperty);
            bool compressed = false;
            if (compressedProperty != null)
            {
                if (compressedProperty.EdmType != TableProperty.EdmBoolean)
                {
                    throw Undecodable(location, $"its 'compressed' property is {compressedProperty.EdmType}, not Edm.Boolean");
                }
                compressed = (bool)compressedProperty.Value;
            }
            if (compressed && data.Length > 0)
            {
                data = Inflate(data, location);
            }
            return new TableItem(entity, itemType, entity.RowKey, group, data, compressed, groupProperty != null);
        }

        /// <summary>The inflated data, refused (<c>TableEntityUndecodable</c>) past <paramref name="limit"/> bytes or when it is not gzip.</summary>
        internal static byte[] Inflate(byte[] data, string location, int limit = MaxDecompressedBytes)
        {
            try
            {
                using var input = new MemoryStream(data, writable: false);
                using var gzip = new GZipStream(input, CompressionMode.Decompress);
                using var output = new MemoryStream();
                var buffer = new byte[81920];
                int read;
                while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
                {
                    if (output.Length + read > limit)
                    {
                        throw Undecodable(location, $"its compressed data expands beyond {limit} bytes");
                    }
                    output.Write(buffer, 0, read);
                }
                byte[] inflated = output.ToArray();
                // GZipStream ends quietly where the data ends; Go's reader, which the plugin uses, refuses a stream cut short or
                // followed by anything. The last eight bytes must be this one member's trailer: the CRC-32 and size of what inflated.
                if (!GzipMember.EndsInTrailer(data, GzipMember.Crc32(inflated), inflated.Length))
                {
                    throw Undecodable(location, "its compressed data does not end in the gzip trailer of what it inflates to (it is cut short, padded or followed by other bytes)");
                }
                return inflated;
            }
            catch (InvalidDataException ex)
            {
                throw Undecodable(location, "it says its data is compressed, but the data is not gzip (" + ex.Message + ")");
            }
        }

        private static PorterStorageException Undecodable(string location, string why) =>
            new PorterStorageException(ErrorIds.TableEntityUndecodable, PorterErrorKind.InvalidData, location,
                $"The entity '{location}' cannot be read as a Porter item: {why}.");

        /// <summary>
        /// The EDM type of a value as the SDK returns it (null for a type no table property has). Binary arrives as byte[] or
        /// BinaryData; a DateTime as DateTimeOffset or DateTime.
        /// </summary>
        public static TableProperty? FromValue(string name, object? value) => value switch
        {
            null => null,
            string s => new TableProperty(name, TableProperty.EdmString, s),
            byte[] b => new TableProperty(name, TableProperty.EdmBinary, b),
            BinaryData d => new TableProperty(name, TableProperty.EdmBinary, d.ToArray()),
            bool v => new TableProperty(name, TableProperty.EdmBoolean, v),
            DateTimeOffset t => new TableProperty(name, TableProperty.EdmDateTime, t.ToUniversalTime()),
            DateTime t => new TableProperty(name, TableProperty.EdmDateTime, new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime())),
            double v => new TableProperty(name, TableProperty.EdmDouble, v),
            Guid g => new TableProperty(name, TableProperty.EdmGuid, g),
            int v => new TableProperty(name, TableProperty.EdmInt32, v),
            long v => new TableProperty(name, TableProperty.EdmInt64, v),
            _ => null,
        };

        /// <summary>True when both entities have the same keys and the same properties, types and values.</summary>
        public static bool Same(PorterTableEntity a, PorterTableEntity b)
        {
            if (a.PartitionKey != b.PartitionKey || a.RowKey != b.RowKey || a.Properties.Count != b.Properties.Count)
            {
                return false;
            }
            for (int i = 0; i < a.Properties.Count; i++)
            {
                TableProperty x = a.Properties[i], y = b.Properties[i];
                if (x.Name != y.Name || x.EdmType != y.EdmType || !SameValue(x.Value, y.Value))
                {
                    return false;
                }
            }
            return true;
        }

        private static bool SameValue(object x, object y) => x switch
        {
            byte[] b => y is byte[] c && b.AsSpan().SequenceEqual(c),
            double d => y is double e && BitConverter.DoubleToInt64Bits(d) == BitConverter.DoubleToInt64Bits(e),
            DateTimeOffset t => y is DateTimeOffset u && t.UtcTicks == u.UtcTicks,
            _ => x.Equals(y),
        };


        /// <summary>The item types Porter keeps in the table, and the schema partition.</summary>
        public static bool IsPorterPartition(string partitionKey) => partitionKey == SchemaPartition || ItemTypes.All.Contains(partitionKey);
    }
}
