using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Lets an Az.Storage context (the output of New-AzStorageContext, or a storage account's .Context) stand where a
    /// PorterAzureStorage is expected, read by its properties (StorageAccountName, BlobEndPoint, ConnectionString, and the
    /// SAS token of its credentials), so the module needs no Az. The container is Porter's ('porter'); anything else passes
    /// through to the usual binding.
    /// </summary>
    public sealed class AzContextTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
            FromContext(inputData, PorterAzureStorage.DefaultContainer) ?? inputData;

        /// <summary>The storage an Az.Storage-shaped object describes, or null when it is not one.</summary>
        internal static PorterAzureStorage? FromContext(object? input, string container)
        {
            if (input == null)
            {
                return null;
            }
            PSObject wrapped = PSObject.AsPSObject(input);
            if (wrapped.BaseObject is PorterAzureStorage)
            {
                return null;
            }
            string? account = Text(wrapped, "StorageAccountName");
            string? endpoint = Text(wrapped, "BlobEndPoint");
            if (account == null && endpoint == null)
            {
                return null;
            }
            object? credentials = Property(Property(wrapped, "StorageAccount"), "Credentials");
            string? sas = credentials != null && LanguagePrimitives.IsTrue(Property(credentials, "IsSAS")) ? Text(credentials, "SASToken") : null;
            try
            {
                return AzureStorageFactory.FromAzContext(account, endpoint, Text(wrapped, "ConnectionString"), sas, container);
            }
            catch (PorterStorageException ex)
            {
                throw new ArgumentTransformationMetadataException(ex.Message, ex);
            }
        }

        private static object? Property(object? owner, string name)
        {
            if (owner == null)
            {
                return null;
            }
            // Kept wrapped: the properties of a PSCustomObject live on its PSObject.
            return PSObject.AsPSObject(owner).Properties[name]?.Value;
        }

        private static string? Text(object owner, string name)
        {
            string? text = Property(owner, name)?.ToString();
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }
    }
}
