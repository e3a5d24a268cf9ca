namespace PorterStorage.Core.Model
{
    /// <summary>
    /// The stable codes of <see cref="StorageFinding"/> (Test-PorterStorage, for a home and for a container); findings about
    /// a path's kind use the <see cref="ErrorIds"/> of the error Porter would raise.
    /// </summary>
    public static class FindingCodes
    {
        /// <summary>No schema.json (no schema blob): Porter demands a migration.</summary>
        public const string SchemaMissing = "SchemaMissing";

        /// <summary>schema.json does not hold the current schema versions.</summary>
        public const string SchemaOutdated = "SchemaOutdated";

        /// <summary>schema.json cannot be read.</summary>
        public const string SchemaUnreadable = "SchemaUnreadable";

        /// <summary>A pre-v0.28 claim that has not been migrated.</summary>
        public const string LegacyClaim = "LegacyClaim";

        /// <summary>A claim, result or output ID that is not a ULID.</summary>
        public const string InvalidUlid = "InvalidUlid";

        /// <summary>A claim that does not carry the id and installation its path names.</summary>
        public const string ClaimMismatch = "ClaimMismatch";

        /// <summary>A claim without a valid created time.</summary>
        public const string ClaimUnreadable = "ClaimUnreadable";

        /// <summary>An installation without claims.</summary>
        public const string IndexWithoutClaims = "IndexWithoutClaims";

        /// <summary>Claims whose installation has no index document.</summary>
        public const string MissingIndex = "MissingIndex";

        /// <summary>A result whose claim is missing.</summary>
        public const string ResultWithoutClaim = "ResultWithoutClaim";

        /// <summary>A result that does not carry the id and claimId its path names.</summary>
        public const string ResultMismatch = "ResultMismatch";

        /// <summary>An output whose result is missing.</summary>
        public const string OutputWithoutResult = "OutputWithoutResult";

        /// <summary>An output whose name does not start with its result ID.</summary>
        public const string OutputMisnamed = "OutputMisnamed";

        /// <summary>An output name Porter v0.38 may read with a character cut off.</summary>
        public const string OutputNameTrimmed = "OutputNameTrimmed";

        /// <summary>A credential set without a schemaVersion.</summary>
        public const string LegacyCredentialSet = "LegacyCredentialSet";

        /// <summary>A parameter set without a schemaVersion.</summary>
        public const string LegacyParameterSet = "LegacyParameterSet";

        /// <summary>A credential or parameter set present only as YAML (<c>.yaml</c>/<c>.yml</c>, no <c>.json</c> of its name): Porter v0.28+ does not see it.</summary>
        public const string YamlOnlySet = "YamlOnlySet";

        /// <summary>A file with a mode beyond 0600.</summary>
        public const string FilePermissions = "FilePermissions";

        /// <summary>Claims whose IDs do not follow their created times.</summary>
        public const string ClaimOrder = "ClaimOrder";

        /// <summary>A document that is not valid JSON (or not an object).</summary>
        public const string DocumentUnreadable = "DocumentUnreadable";

        /// <summary>A blob that lacks the index tags Porter lists it by.</summary>
        public const string UntaggedBlob = "UntaggedBlob";

        /// <summary>A tagged blob Porter's tag query did not return.</summary>
        public const string NotFoundByTags = "NotFoundByTags";

        /// <summary>A table entity over the plugin's 64 KiB limit.</summary>
        public const string TableEntityTooLarge = "TableEntityTooLarge";

        /// <summary>A table entity whose <c>data</c>, <c>group</c> or <c>compressed</c> property the plugin cannot read as it was meant.</summary>
        public const string TableEntityUndecodable = "TableEntityUndecodable";

        /// <summary>A table entity of a grouped type without a group, or without a <c>group</c> property: Porter's List never returns it.</summary>
        public const string TableEntityUngrouped = "TableEntityUngrouped";

        /// <summary>A table entity the azure.blob plugin could not keep (a name no blob has, a group no index tag holds).</summary>
        public const string TableEntityNotMovable = "TableEntityNotMovable";

        /// <summary>A table entity in a partition Porter never writes.</summary>
        public const string TableEntityUnknown = "TableEntityUnknown";
    }
}
