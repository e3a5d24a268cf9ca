using System.Collections.Generic;
using System.Linq;

namespace PorterStorage
{
    public enum FindingSeverity
    {
        Warning,
        Error,
    }

    /// <summary>Something Test-PorterStorage found, with the item it concerns.</summary>
    public sealed class StorageFinding
    {
        internal StorageFinding(FindingSeverity severity, string code, string path, string message)
        {
            Severity = severity;
            Code = code;
            Path = path;
            Message = message;
        }

        public FindingSeverity Severity { get; }

        public string Code { get; }

        public string Path { get; }

        public string Message { get; }

        public override string ToString() => $"{Severity} {Code}: {Message}";
    }

    /// <summary>A current-layout home or container checked the way Porter v0.38 reads it.</summary>
    public sealed class PorterStorageVerification
    {
        internal PorterStorageVerification(string source, int installations, int claims, int results, int outputs, IReadOnlyList<StorageFinding> findings)
        {
            Source = source;
            Installations = installations;
            Claims = claims;
            Results = results;
            Outputs = outputs;
            Findings = findings;
        }

        /// <summary>What was checked: the home's full path, or the container's URL.</summary>
        public string Source { get; }

        public int Installations { get; }

        public int Claims { get; }

        public int Results { get; }

        public int Outputs { get; }

        public IReadOnlyList<StorageFinding> Findings { get; }

        public int ErrorCount => Findings.Count(f => f.Severity == FindingSeverity.Error);

        public int WarningCount => Findings.Count(f => f.Severity == FindingSeverity.Warning);

        /// <summary>No errors (warnings allowed).</summary>
        public bool IsValid => ErrorCount == 0;

        public override string ToString() => $"{Source}: {ErrorCount} error(s), {WarningCount} warning(s)";
    }
}
