using System;
using System.Collections.Generic;

namespace PorterStorage.Core.Migration
{
    /// <summary>The lines Porter's own migration writes to its log, in its words and order (format §8).</summary>
    public static class MigrationLogText
    {
        public const string ClaimsSpecLine = "Migrating claims data to match the CNAB Claim spec https://cdn.cnab.io/schema/" + SchemaVersions.Claims
                                             + "/claim.schema.json. This is a one-way migration.";

        public const string CredentialsSpecLine = "Migrating credential set data to match the CNAB Credential Set spec https://github.com/cnabio/cnab-spec/blob/"
                                                  + SchemaVersions.Credentials + "/802-credential-sets.md. This is a one-way migration.";

        public const string ParametersSpecLine = "Migrating parameter set data to match the CNAB Parameter Set spec TODO. This is a one-way migration.";

        /// <summary>What Porter logs for a claim whose installation name is moved from <c>name</c> to <c>installation</c>.</summary>
        internal static string RenamedClaimLine(string claim) =>
            $"Migrating installation {claim} (Name -> Installation) to match the CNAB Claim spec https://cnab.io/schema/cnab-claim-{SchemaVersions.LegacyClaimDocument}/claim.schema.json. The Name field will be preserved for compatibility with previous versions of the spec.";

        internal static readonly IReadOnlyList<MigrationItemKind> Sections = new[] { MigrationItemKind.Installation, MigrationItemKind.CredentialSet, MigrationItemKind.ParameterSet };

        /// <summary>The last of Porter's log sections that comes before or holds an item of this kind (-1: before all).</summary>
        internal static int SectionOf(MigrationItemKind kind)
        {
            switch (kind)
            {
                case MigrationItemKind.Interrupted:
                    return -1;
                case MigrationItemKind.Installation:
                    return 0;
                case MigrationItemKind.CredentialSet:
                    return 1;
                case MigrationItemKind.ParameterSet:
                    return 2;
                default:
                    return Sections.Count;
            }
        }

        internal static void SectionHeader(MigrationItemKind kind, PorterSchemaDocument schema, Action<string> log)
        {
            switch (kind)
            {
                case MigrationItemKind.Installation:
                    Header("Claims", SchemaVersions.Claims, schema.Claims, ClaimsSpecLine, log);
                    break;
                case MigrationItemKind.CredentialSet:
                    Header("Credentials", SchemaVersions.Credentials, schema.Credentials, CredentialsSpecLine, log);
                    break;
                case MigrationItemKind.ParameterSet:
                    Header("Parameters", SchemaVersions.Parameters, schema.Parameters, ParametersSpecLine, log);
                    break;
            }
        }

        private static void Header(string subsystem, string want, string got, string specLine, Action<string> log)
        {
            if (want == got)
            {
                log($"{subsystem} schema is up-to-date");
            }
            else
            {
                log($"{subsystem} schema is out-of-date (want: {want} got: {got})");
                log(specLine);
            }
        }

        /// <summary>What an item of the kind is called in messages ("installation", "credential set").</summary>
        internal static string KindText(MigrationItemKind kind)
        {
            switch (kind)
            {
                case MigrationItemKind.Installation:
                    return "installation";
                case MigrationItemKind.CredentialSet:
                    return "credential set";
                case MigrationItemKind.ParameterSet:
                    return "parameter set";
                case MigrationItemKind.Schema:
                    return "schema";
                default:
                    return "item";
            }
        }

        internal static string ErrorLine(PorterMigrationPlanItem item, string errorId, string message) =>
            item.Kind == MigrationItemKind.Installation
                ? $"Error migrating installation {item.Name}. Skipping: {errorId}: {message}"
                : item.IsFolder
                ? $"Error migrating the {KindText(item.Kind)}s of {item.Source}/. Skipping them all: {errorId}: {message}"
                : $"Error migrating {(item.Kind == MigrationItemKind.CredentialSet ? "credential" : "parameter")} set {item.Name}. Skipping: {errorId}: {message}";

    }
}
