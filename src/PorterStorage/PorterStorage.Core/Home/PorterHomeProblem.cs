
namespace PorterStorage.Core.Home
{
    /// <summary>The stable codes of <see cref="PorterHomeProblem"/>.</summary>
    public static class ProblemCodes
    {
        public const string FilePermissions = "FilePermissions";
        public const string YamlOnlyCredential = "YamlOnlyCredential";
        public const string UnreadableDocument = "UnreadableDocument";
        public const string IndexWithoutClaims = "IndexWithoutClaims";
        public const string CaseCollision = "CaseCollision";
        public const string ConfigUnreadable = "ConfigUnreadable";
        public const string SchemaUnreadable = "SchemaUnreadable";
        public const string IgnoredConfigFile = "IgnoredConfigFile";
        public const string StorageUnreachable = "StorageUnreachable";
        public const string DataFolderIsLink = "DataFolderIsLink";
        public const string PathNotFolder = "PathNotFolder";
    }
}

namespace PorterStorage
{
    /// <summary>Something in a home that Porter would trip on, with the item it concerns.</summary>
    public sealed class PorterHomeProblem
    {
        public PorterHomeProblem(string code, string? path, string message)
        {
            Code = code;
            Path = path;
            Message = message;
        }

        /// <summary>Stable code, e.g. <c>FilePermissions</c>, <c>YamlOnlyCredential</c>.</summary>
        public string Code { get; }

        public string? Path { get; }

        public string Message { get; }

        public override string ToString() => $"{Code}: {Message}";
    }
}
