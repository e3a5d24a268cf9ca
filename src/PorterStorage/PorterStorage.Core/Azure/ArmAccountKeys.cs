using System;
using System.Text.Json;
using System.Threading;
using global::Azure;
using global::Azure.Core;
using global::Azure.Core.Pipeline;
using global::Azure.Identity;

namespace PorterStorage.Core.Azure
{
    /// <summary>Azure Resource Manager's StorageAccounts.ListKeys, as the plugin called it (the first key), in the cloud given.</summary>
    internal static class ArmAccountKeys
    {
        private const string ApiVersion = "2023-01-01";

        public static string FirstKey(AzureCloud cloud, string subscription, string resourceGroup, string account, TokenCredential credential,
            HttpPipelineTransport? transport, CancellationToken cancel)
        {
            Uri management = cloud.ResourceManager
                ?? throw new PorterStorageException(ErrorIds.AzureConfigIncomplete, PorterErrorKind.InvalidArgument, cloud.Name,
                    $"The cloud '{cloud.Name}' has no Azure Resource Manager the module knows, so the keys of '{account}' cannot be looked up; use a connection string.");
            var options = new ArmOptions();
            if (transport != null)
            {
                options.Transport = transport;
            }
            HttpPipeline pipeline = HttpPipelineBuilder.Build(options,
                new BearerTokenAuthenticationPolicy(credential, cloud.ResourceManagerScope!));
            var uri = new Uri($"{management.AbsoluteUri.TrimEnd('/')}/subscriptions/{Uri.EscapeDataString(subscription)}/resourceGroups/{Uri.EscapeDataString(resourceGroup)}/providers/Microsoft.Storage/storageAccounts/{Uri.EscapeDataString(account)}/listKeys?api-version={ApiVersion}");
            using HttpMessage message = pipeline.CreateMessage();
            message.Request.Method = RequestMethod.Post;
            message.Request.Uri.Reset(uri);
            string target = $"/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Storage/storageAccounts/{account}";
            try
            {
                pipeline.Send(message, cancel);
            }
            catch (AuthenticationFailedException ex)
            {
                throw new PorterStorageException(ErrorIds.AzureAuthFailed, PorterErrorKind.AuthenticationError, target,
                    $"Signing in to Azure Resource Manager ({cloud.Name}) to read the keys of '{account}' failed (is 'az login' done, with 'az cloud set --name {cloud.Name}'?): {ex.GetType().Name}.", ex);
            }
            Response response = message.Response;
            if (response.Status == 401 || response.Status == 403)
            {
                throw new PorterStorageException(ErrorIds.AzureAuthFailed, PorterErrorKind.AuthenticationError, target,
                    $"Azure Resource Manager ({cloud.Name}) refused to list the keys of '{account}' (HTTP {response.Status}).");
            }
            if (response.Status == 404)
            {
                throw new PorterStorageException(ErrorIds.AzureConfigIncomplete, PorterErrorKind.ObjectNotFound, target,
                    $"The storage account '{account}' was not found in resource group '{resourceGroup}' of subscription '{subscription}' ({cloud.Name}).");
            }
            if (response.Status != 200)
            {
                throw new PorterStorageException(ErrorIds.AzureRequestFailed, PorterErrorKind.ConnectionError, target,
                    $"Azure Resource Manager answered HTTP {response.Status} to listKeys for '{account}'.");
            }
            using JsonDocument doc = JsonDocument.Parse(response.Content.ToMemory());
            foreach (JsonElement key in doc.RootElement.GetProperty("keys").EnumerateArray())
            {
                return key.GetProperty("value").GetString()!;
            }
            throw new PorterStorageException(ErrorIds.AzureAuthFailed, PorterErrorKind.AuthenticationError, target, $"The account '{account}' has no keys.");
        }

        private sealed class ArmOptions : ClientOptions
        {
        }
    }
}
