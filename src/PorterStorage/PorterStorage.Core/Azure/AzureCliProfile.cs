using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// What the Azure CLI's sign-in says, which the plugin's ARM key lookup (format A§1.5) follows: the subscriptions of
    /// <c>azureProfile.json</c> (each with its <c>environmentName</c> and whether it is its cloud's default) and the CLI's
    /// current cloud (<c>AZURE_CLOUD_NAME</c>, else <c>[cloud] name</c> of the CLI's <c>config</c>). Both files live in
    /// <c>AZURE_CONFIG_DIR</c>, else <c>~/.azure</c>. A file that is missing or unreadable tells nothing.
    /// </summary>
    internal sealed class AzureCliProfile
    {
        private readonly IReadOnlyList<(string Id, bool IsDefault, string? Environment)> _subscriptions;
        private readonly string? _configuredCloud;

        private AzureCliProfile(IReadOnlyList<(string Id, bool IsDefault, string? Environment)> subscriptions, string? configuredCloud)
        {
            _subscriptions = subscriptions;
            _configuredCloud = configuredCloud;
        }

        /// <summary>Reads the profile and the CLI's cloud through <paramref name="environment"/> (HOME, USERPROFILE, AZURE_CONFIG_DIR, AZURE_CLOUD_NAME).</summary>
        public static AzureCliProfile Read(Func<string, string?> environment)
        {
            string folder = environment("AZURE_CONFIG_DIR") ?? Path.Combine(environment("HOME") ?? environment("USERPROFILE") ?? string.Empty, ".azure");
            string? cloud = environment("AZURE_CLOUD_NAME");
            if (string.IsNullOrWhiteSpace(cloud))
            {
                cloud = ConfiguredCloud(Path.Combine(folder, "config"));
            }
            return new AzureCliProfile(Subscriptions(Path.Combine(folder, "azureProfile.json")), string.IsNullOrWhiteSpace(cloud) ? null : cloud!.Trim());
        }

        /// <summary>
        /// The cloud the CLI signs in to: the one it is set to (<c>az cloud set</c>); else the one cloud all default subscriptions
        /// belong to; else null (the CLI's own default is AzureCloud).
        /// </summary>
        public string? CurrentCloud
        {
            get
            {
                if (_configuredCloud != null)
                {
                    return _configuredCloud;
                }
                string?[] clouds = _subscriptions.Where(s => s.IsDefault && s.Environment != null).Select(s => s.Environment).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
                return clouds.Length == 1 ? clouds[0] : null;
            }
        }

        /// <summary>The <c>environmentName</c> of the subscription <paramref name="id"/>, or null when the profile does not hold it.</summary>
        public string? EnvironmentOf(string id) =>
            _subscriptions.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase)).Environment;

        /// <summary>The subscription marked default for the cloud <paramref name="cloud"/>, or null.</summary>
        public string? DefaultSubscription(string cloud) =>
            _subscriptions.FirstOrDefault(s => s.IsDefault && string.Equals(s.Environment, cloud, StringComparison.OrdinalIgnoreCase)).Id;

        /// <summary>azureProfile.json's subscriptions (a BOM is tolerated, as the plugin tolerates it).</summary>
        private static IReadOnlyList<(string Id, bool IsDefault, string? Environment)> Subscriptions(string profile)
        {
            var found = new List<(string Id, bool IsDefault, string? Environment)>();
            try
            {
                if (!File.Exists(profile))
                {
                    return found;
                }
                using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(profile).TrimStart('\uFEFF'));
                if (!doc.RootElement.TryGetProperty("subscriptions", out JsonElement subscriptions) || subscriptions.ValueKind != JsonValueKind.Array)
                {
                    return found;
                }
                foreach (JsonElement sub in subscriptions.EnumerateArray())
                {
                    if (sub.ValueKind == JsonValueKind.Object && sub.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String)
                    {
                        bool isDefault = sub.TryGetProperty("isDefault", out JsonElement d) && d.ValueKind == JsonValueKind.True;
                        string? env = sub.TryGetProperty("environmentName", out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                        found.Add((id.GetString()!, isDefault, env));
                    }
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is IOException || ex is UnauthorizedAccessException)
            {
            }
            return found;
        }

        /// <summary>The <c>name</c> of the <c>[cloud]</c> section of the CLI's INI config, or null.</summary>
        private static string? ConfiguredCloud(string config)
        {
            try
            {
                if (!File.Exists(config))
                {
                    return null;
                }
                bool inCloud = false;
                foreach (string raw in File.ReadAllLines(config))
                {
                    string line = raw.Trim();
                    if (line.StartsWith("[", StringComparison.Ordinal))
                    {
                        inCloud = string.Equals(line, "[cloud]", StringComparison.OrdinalIgnoreCase);
                        continue;
                    }
                    int eq = line.IndexOfAny(new[] { '=', ':' });
                    if (inCloud && eq > 0 && string.Equals(line.Substring(0, eq).Trim(), "name", StringComparison.OrdinalIgnoreCase))
                    {
                        return line.Substring(eq + 1).Trim();
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
            }
            return null;
        }
    }
}
