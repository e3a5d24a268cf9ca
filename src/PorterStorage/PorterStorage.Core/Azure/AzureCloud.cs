using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// An Azure cloud as the module reaches it: its name (as Az and <c>az cloud</c> spell it), the storage endpoint suffix,
    /// Azure Resource Manager's endpoint and the token scope for it, and the sign-in authority. The one place that knows the
    /// sovereign clouds; a suffix the module does not know (Azure Stack Hub, an emulator's domain) is a cloud without ARM.
    /// </summary>
    public sealed class AzureCloud
    {
        /// <summary>The public cloud's name, as Az and <c>az cloud</c> spell it (one of the names <c>-Environment</c> takes).</summary>
        public const string PublicName = "AzureCloud";

        /// <summary>Azure Government's name.</summary>
        public const string UsGovernmentName = "AzureUSGovernment";

        /// <summary>Azure China's name.</summary>
        public const string ChinaName = "AzureChinaCloud";

        /// <summary>The public cloud (management.azure.com, core.windows.net).</summary>
        public static readonly AzureCloud Public = new AzureCloud(PublicName, "core.windows.net",
            new Uri("https://management.azure.com"), new Uri("https://login.microsoftonline.com"));

        /// <summary>Azure Government (management.usgovcloudapi.net, core.usgovcloudapi.net).</summary>
        public static readonly AzureCloud UsGovernment = new AzureCloud(UsGovernmentName, "core.usgovcloudapi.net",
            new Uri("https://management.usgovcloudapi.net"), new Uri("https://login.microsoftonline.us"));

        /// <summary>Azure operated by 21Vianet (management.chinacloudapi.cn, core.chinacloudapi.cn).</summary>
        public static readonly AzureCloud China = new AzureCloud(ChinaName, "core.chinacloudapi.cn",
            new Uri("https://management.chinacloudapi.cn"), new Uri("https://login.chinacloudapi.cn"));

        /// <summary>Every cloud the module knows by name.</summary>
        public static IReadOnlyList<AzureCloud> Known { get; } = new[] { Public, UsGovernment, China };

        // An account name is 3 to 24 lowercase letters and digits; a read-access secondary adds "-secondary", an Azure DNS
        // zone endpoint a "z00" label, a private endpoint's own name a "privatelink" label before the service's.
        private static readonly Regex ServiceHost = new Regex(
            @"^(?<account>[a-z0-9]{3,24})(-secondary)?\.((z[0-9]{2}|privatelink)\.)?(?<service>blob|table|queue|file|dfs)\.(?<suffix>.+)$",
            RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        private AzureCloud(string name, string storageSuffix, Uri? resourceManager, Uri? authorityHost)
        {
            Name = name;
            StorageSuffix = storageSuffix;
            ResourceManager = resourceManager;
            AuthorityHost = authorityHost;
        }

        /// <summary>The cloud's name (<c>AzureCloud</c>, <c>AzureUSGovernment</c>, <c>AzureChinaCloud</c>), or the suffix of an unknown one.</summary>
        public string Name { get; }

        /// <summary>The storage endpoint suffix: <c>core.windows.net</c>, <c>core.usgovcloudapi.net</c>, <c>core.chinacloudapi.cn</c>.</summary>
        public string StorageSuffix { get; }

        /// <summary>Azure Resource Manager's endpoint, or null for a cloud known only by its storage suffix.</summary>
        public Uri? ResourceManager { get; }

        /// <summary>The token scope for Azure Resource Manager (its endpoint's <c>/.default</c>), or null without ARM.</summary>
        public string? ResourceManagerScope => ResourceManager == null ? null : ResourceManager.AbsoluteUri.TrimEnd('/') + "/.default";

        /// <summary>The Microsoft Entra sign-in authority of the cloud, or null for an unknown one (the credential's default).</summary>
        public Uri? AuthorityHost { get; }

        /// <summary>The account's blob service endpoint in this cloud: <c>https://acct.blob.&lt;suffix&gt;</c>.</summary>
        public Uri BlobEndpoint(string account) => new Uri($"https://{account}.blob.{StorageSuffix}");

        /// <summary>The account's table service endpoint in this cloud: <c>https://acct.table.&lt;suffix&gt;</c>.</summary>
        public Uri TableEndpoint(string account) => new Uri($"https://{account}.table.{StorageSuffix}");

        public override string ToString() => Name;

        /// <summary>The cloud of a name <c>-Environment</c> or azureProfile.json gives (case-insensitive), or null.</summary>
        public static AzureCloud? FromName(string? name) =>
            Known.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// The cloud of a storage endpoint suffix: a known cloud's (<c>core.usgovcloudapi.net</c> is Azure Government), else a
        /// cloud of that suffix alone, without ARM. Raises <c>AzureConnectionInvalid</c> for a suffix no host name can end in.
        /// </summary>
        public static AzureCloud FromSuffix(string suffix)
        {
            string trimmed = suffix.Trim().Trim('.');
            AzureCloud? known = Known.FirstOrDefault(c => string.Equals(c.StorageSuffix, trimmed, StringComparison.OrdinalIgnoreCase));
            if (known != null)
            {
                return known;
            }
            if (trimmed.Length == 0 || Uri.CheckHostName("acct.blob." + trimmed) != UriHostNameType.Dns)
            {
                throw new PorterStorageException(ErrorIds.AzureConnectionInvalid, PorterErrorKind.InvalidArgument, suffix,
                    $"'{suffix}' is not a storage endpoint suffix (such as core.windows.net, core.usgovcloudapi.net or core.chinacloudapi.cn).");
            }
            return new AzureCloud(trimmed.ToLowerInvariant(), trimmed.ToLowerInvariant(), null, null);
        }

        /// <summary>The known cloud whose storage suffix <paramref name="endpoint"/>'s host ends in, or null (emulators, custom domains).</summary>
        public static AzureCloud? OfEndpoint(Uri endpoint)
        {
            Match m = ServiceHost.Match(endpoint.Host);
            return m.Success ? Known.FirstOrDefault(c => string.Equals(c.StorageSuffix, m.Groups["suffix"].Value, StringComparison.OrdinalIgnoreCase)) : null;
        }

        /// <summary>
        /// The account an endpoint names without guessing: the host's first label when the host is Azure's own name for the
        /// account's <paramref name="service"/> (<c>acct.blob.&lt;any suffix&gt;</c>), the first path segment of a path-style
        /// endpoint on an IP address or loopback (emulators); otherwise null: a custom domain says nothing of the account.
        /// </summary>
        public static string? AccountOf(Uri endpoint, string service)
        {
            if (endpoint.IsLoopback || System.Net.IPAddress.TryParse(endpoint.Host, out _))
            {
                string first = endpoint.AbsolutePath.Trim('/').Split('/')[0];
                return first.Length == 0 ? null : first;
            }
            Match m = ServiceHost.Match(endpoint.Host);
            return m.Success && string.Equals(m.Groups["service"].Value, service, StringComparison.OrdinalIgnoreCase)
                ? m.Groups["account"].Value.ToLowerInvariant()
                : null;
        }
    }
}
