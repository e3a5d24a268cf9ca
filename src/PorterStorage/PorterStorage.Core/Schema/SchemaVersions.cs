namespace PorterStorage.Core.Schema
{
    /// <summary>The one place that knows Porter's schema version strings (format §3).</summary>
    public static class SchemaVersions
    {
        /// <summary>The document that records them: <c>schema.json</c> in a home, the blob <c>schema</c> in a container.</summary>
        public const string FileName = ItemTypes.SchemaName + ".json";

        /// <summary>schema.json value for claims in Porter v0.28–v0.38.</summary>
        public const string Claims = "cnab-claim-1.0.0-DRAFT+b5ed2f3";

        /// <summary>schema.json value for credential sets.</summary>
        public const string Credentials = "cnab-credentialsets-1.0.0-DRAFT+b6c701f";

        /// <summary>schema.json value for parameter sets.</summary>
        public const string Parameters = "cnab-parametersets-1.0.0-DRAFT+TODO";

        /// <summary>Document-level schemaVersion of a claim.</summary>
        public const string ClaimDocument = "1.0.0-DRAFT+b5ed2f3";

        /// <summary>Document-level schemaVersion of a credential set.</summary>
        public const string CredentialSetDocument = "1.0.0-DRAFT+b6c701f";

        /// <summary>Document-level schemaVersion of a parameter set.</summary>
        public const string ParameterSetDocument = "1.0.0-DRAFT+TODO";

        /// <summary>The legacy claim schema version (Porter v0.26.3–v0.27).</summary>
        public const string LegacyClaimDocument = "1.0.0-DRAFT+d7ffba8";

        /// <summary>schema.json exactly as Porter writes it: compact, this key order, no trailing newline.</summary>
        public const string CurrentSchemaJson =
            "{\"claims\":\"" + Claims + "\",\"credentials\":\"" + Credentials + "\",\"parameters\":\"" + Parameters + "\"}";
    }
}
