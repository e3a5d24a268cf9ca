using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using global::Azure;
using global::Azure.Data.Tables;

namespace PorterStorage.Core.AzureTable
{
    /// <summary>
    /// Porter's storage model over the azure.table plugin's table (format A§1.7): one entity per item, PartitionKey = type, RowKey =
    /// name, <c>group</c> and <c>data</c>. One query (every page, as the plugin follows NextLink) reads the whole table, documents
    /// included, so every document is checked (<see cref="IsRemote"/> is false) at the cost of one listing.
    /// </summary>
    public sealed class AzureTablePorterStore : IPorterStore, IBackupSource
    {
        private readonly PorterAzureTable _storage;
        private readonly TableClient _table;
        private List<PorterTableEntity>? _entities;
        private Dictionary<string, PorterTableEntity>? _byKey;

        public AzureTablePorterStore(PorterAzureTable storage)
        {
            _storage = storage;
            _table = storage.CreateTableClient();
        }

        string IBackupSource.BackupTarget => _storage.TableUri!.ToString();

        string IBackupSource.ManifestKind => BackupKinds.TableManifest;

        string IBackupSource.BackupKind => BackupKinds.Table;

        IRequestCounter? IBackupSource.Requests => _storage.Counter;

        BackupContent IBackupSource.ListForBackup(CancellationToken cancel) => TableBackup.ListForBackup(_storage, cancel);

        public string Location => _storage.TableUri!.ToString();

        /// <summary>The table read.</summary>
        internal PorterAzureTable Storage => _storage;

        /// <summary>Every entity of the table, read once (every page), sorted by partition and row key.</summary>
        public IReadOnlyList<PorterTableEntity> Entities(CancellationToken cancellationToken) =>
            _entities ??= ReadAll(_table, Location, cancellationToken);

        /// <summary>
        /// Every entity of a table, following each continuation (the plugin's NextLink loop), in key order. Raises <c>TableNotFound</c>
        /// and the Azure errors, naming <paramref name="location"/>.
        /// </summary>
        internal static List<PorterTableEntity> ReadAll(TableClient table, string location, CancellationToken cancel)
        {
            var entities = new List<PorterTableEntity>();
            try
            {
                foreach (Page<TableEntity> page in table.Query<TableEntity>(filter: (string?)null, maxPerPage: 1000, select: null, cancellationToken: cancel).AsPages())
                {
                    foreach (TableEntity e in page.Values)
                    {
                        entities.Add(FromSdk(e));
                    }
                }
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, location, "Reading the table");
            }
            return entities.OrderBy(e => e.PartitionKey, StringComparer.Ordinal).ThenBy(e => e.RowKey, StringComparer.Ordinal).ToList();
        }

        /// <summary>An entity as the SDK returned it, without the service's Timestamp and ETag.</summary>
        internal static PorterTableEntity FromSdk(TableEntity e)
        {
            var properties = new List<TableProperty>();
            foreach (KeyValuePair<string, object> kv in e)
            {
                if (kv.Key == "PartitionKey" || kv.Key == "RowKey" || kv.Key == "Timestamp" || kv.Key == "odata.etag" || kv.Key.EndsWith("@odata.type", StringComparison.Ordinal))
                {
                    continue;
                }
                TableProperty? p = TableEntityCodec.FromValue(kv.Key, kv.Value);
                if (p != null)
                {
                    properties.Add(p);
                }
            }
            return new PorterTableEntity(e.PartitionKey, e.RowKey, properties) { ETag = e.ETag.ToString() is string tag && tag.Length > 0 ? tag : null };
        }

        /// <summary>The SDK entity that writes exactly these keys, properties and types.</summary>
        internal static TableEntity ToSdk(PorterTableEntity entity)
        {
            var e = new TableEntity(entity.PartitionKey, entity.RowKey);
            foreach (TableProperty p in entity.Properties)
            {
                if (p.Value is double d && (double.IsInfinity(d) || double.IsNaN(d)))
                {
                    // JSON has no number for these; the service takes them as the strings OData spells, with the type annotated.
                    e[p.Name] = double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
                    e[p.Name + "@odata.type"] = TableProperty.EdmDouble;
                    continue;
                }
                e[p.Name] = p.Value;
            }
            return e;
        }

        /// <summary>The full name of an entity for messages: the table URL with the escaped keys.</summary>
        internal static string EntityLocation(string tableLocation, PorterTableEntity entity) => tableLocation + "/" + entity.Key;

        public IReadOnlyList<string> List(string itemType, string? group, CancellationToken cancellationToken = default) =>
            Decoded(cancellationToken)
                .Where(d => d.Item != null && d.Item.ItemType == itemType && itemType.Length > 0 && (group == null || d.Item.Group == group))
                .Select(d => d.Item!.Name)
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToList();

        public byte[]? Read(string itemType, string name, out string? location, CancellationToken cancellationToken = default)
        {
            (string pk, string rk) = TableEntityCodec.KeyOf(itemType, name);
            PorterTableEntity? entity;
            if (_entities != null)
            {
                _byKey ??= _entities.ToDictionary(e => e.Key, StringComparer.Ordinal);
                entity = _byKey.TryGetValue(PorterTableEntity.EscapeKey(pk) + "/" + PorterTableEntity.EscapeKey(rk), out PorterTableEntity? cached) ? cached : null;
            }
            else
            {
                try
                {
                    NullableResponse<TableEntity> found = _table.GetEntityIfExists<TableEntity>(pk, rk, cancellationToken: cancellationToken);
                    entity = found.HasValue ? FromSdk(found.Value!) : null;
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    throw AzureErrors.Translate(ex, Location, "Reading the table");
                }
            }
            if (entity == null)
            {
                location = null;
                return null;
            }
            location = EntityLocation(Location, entity);
            return TableEntityCodec.Decode(entity, location).Data;
        }

        public bool IsRemote => false;

        /// <summary>Each entity of a Porter type is an item; its group is the <c>group</c> property (none for <c>""</c>).</summary>
        public IReadOnlyDictionary<string, StoreListing> Items(IEnumerable<string> itemTypes, CancellationToken cancellationToken)
        {
            var wanted = new HashSet<string>(itemTypes, StringComparer.Ordinal);
            var items = wanted.ToDictionary(t => t, _ => new List<StoreItem>(), StringComparer.Ordinal);
            var groups = wanted.ToDictionary(t => t, _ => new SortedDictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (PorterTableEntity e in Entities(cancellationToken))
            {
                if (!wanted.Contains(e.PartitionKey))
                {
                    continue;
                }
                string location = EntityLocation(Location, e);
                string? group = GroupOf(e);
                items[e.PartitionKey].Add(new StoreItem(e.PartitionKey, group, e.RowKey, e.Key, location, null));
                if (group != null && !groups[e.PartitionKey].ContainsKey(group))
                {
                    groups[e.PartitionKey][group] = location;
                }
            }
            return wanted.ToDictionary(t => t, t => new StoreListing(items[t], groups[t], Array.Empty<PorterStorageException>()), StringComparer.Ordinal);
        }

        /// <summary>The group Porter lists an entity by: its <c>group</c> string for a grouped type; none otherwise, or when it has none.</summary>
        private static string? GroupOf(PorterTableEntity e)
        {
            if (PorterBlobTags.GroupTag(e.PartitionKey) == null)
            {
                return null;
            }
            TableProperty? g = e.Property(TableEntityCodec.GroupProperty);
            return g != null && g.Value is string s && s.Length > 0 ? s : null;
        }

        public byte[] ReadItem(StoreItem item, CancellationToken cancellationToken)
        {
            _byKey ??= Entities(cancellationToken).ToDictionary(e => e.Key, StringComparer.Ordinal);
            PorterTableEntity entity = (_byKey.TryGetValue(item.StorePath, out PorterTableEntity? found) ? found : null)
                ?? throw new PorterStorageException(ErrorIds.FileUnreadable, PorterErrorKind.ObjectNotFound, item.Location,
                    $"The entity '{item.Location}' is no longer in the table.");
            return TableEntityCodec.Decode(entity, item.Location).Data;
        }

        public string ItemLocation(string itemType, string? group, string name)
        {
            (string pk, string rk) = TableEntityCodec.KeyOf(itemType, name);
            return Location + "/" + PorterTableEntity.EscapeKey(pk) + "/" + PorterTableEntity.EscapeKey(rk);
        }

        /// <summary>
        /// What only a table can get wrong in the way the plugin reads it: an entity over the plugin's limit or whose properties it
        /// cannot read, one of a grouped type that Porter's <c>group eq '…'</c> query never returns, and entities in partitions Porter
        /// never writes.
        /// </summary>
        public IEnumerable<StorageFinding> NativeFindings(IReadOnlyDictionary<string, StoreListing> listings, TimeSpan indexWait, CancellationToken cancellationToken)
        {
            var findings = new List<StorageFinding>();
            foreach ((PorterTableEntity entity, TableItem? item, PorterStorageException? error) in Decoded(cancellationToken))
            {
                string location = EntityLocation(Location, entity);
                if (error != null)
                {
                    string code = error.ErrorId == ErrorIds.TableEntityTooLarge ? FindingCodes.TableEntityTooLarge : FindingCodes.TableEntityUndecodable;
                    findings.Add(new StorageFinding(FindingSeverity.Error, code, location, error.Message));
                    continue;
                }
                if (!TableEntityCodec.IsPorterPartition(entity.PartitionKey))
                {
                    findings.Add(new StorageFinding(FindingSeverity.Warning, FindingCodes.TableEntityUnknown, location,
                        $"'{entity.Key}' is in the partition '{entity.PartitionKey}', which Porter never writes; it is backed up and copied, but not moved to a container."));
                    continue;
                }
                string? unmovable = PorterBlobTags.BlobProblem(item!.ItemType, item.Name, item.Group);
                if (unmovable != null)
                {
                    findings.Add(new StorageFinding(FindingSeverity.Warning, FindingCodes.TableEntityNotMovable, location,
                        $"'{entity.Key}' cannot be moved into a blob container: {unmovable}."));
                }
                if (item!.ItemType.Length > 0 && !item.HasGroup)
                {
                    findings.Add(new StorageFinding(FindingSeverity.Error, FindingCodes.TableEntityUngrouped, location,
                        $"'{entity.Key}' has no 'group' property; Porter's query (group eq '…') never returns it."));
                }
                else if (PorterBlobTags.GroupTag(item.ItemType) != null && item.Group == null)
                {
                    findings.Add(new StorageFinding(FindingSeverity.Error, FindingCodes.TableEntityUngrouped, location,
                        $"'{entity.Key}' has an empty group; Porter lists a {item.ItemType} item by its group and never finds it."));
                }
            }
            return findings;
        }

        /// <summary>Every entity with the item it holds, or the named error that keeps it from being one.</summary>
        private IEnumerable<(PorterTableEntity Entity, TableItem? Item, PorterStorageException? Error)> Decoded(CancellationToken cancel)
        {
            foreach (PorterTableEntity e in Entities(cancel))
            {
                TableItem? item = null;
                PorterStorageException? error = null;
                try
                {
                    item = TableEntityCodec.Decode(e, EntityLocation(Location, e));
                }
                catch (PorterStorageException ex)
                {
                    error = ex;
                }
                yield return (e, item, error);
            }
        }
    }
}
