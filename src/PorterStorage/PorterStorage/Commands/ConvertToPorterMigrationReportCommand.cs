using System;
using System.IO;
using System.Management.Automation;
using System.Text;

namespace PorterStorage.Commands
{
    /// <summary>
    /// ConvertTo-PorterMigrationReport: a self-contained HTML page (or Markdown) of a plan or a run, for a change ticket:
    /// what moved, what failed and why, the backup and the verification. Writes the text, or with -Path a file (0600).
    /// </summary>
    [Cmdlet(VerbsData.ConvertTo, "PorterMigrationReport", DefaultParameterSetName = ResultSet)]
    [OutputType(typeof(string), typeof(FileInfo))]
    public sealed class ConvertToPorterMigrationReportCommand : PorterCmdlet
    {
        private const string ResultSet = "Result";
        private const string PlanSet = "Plan";

        /// <summary>A result of Invoke-PorterStorageMigration (with -Detailed for a line per installation).</summary>
        [Parameter(ParameterSetName = ResultSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PorterMigrationResult? Result { get; set; }

        /// <summary>A plan of Get-PorterMigrationPlan.</summary>
        [Parameter(ParameterSetName = PlanSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PorterMigrationPlan? Plan { get; set; }

        /// <summary>Html (default) or Markdown. A string, not the engine's enum: a field of an engine value type would load the
        /// engine before the module's load context is in place.</summary>
        [Parameter]
        [ValidateSet("Html", "Markdown", IgnoreCase = true)]
        public string Format { get; set; } = "Html";

        /// <summary>A file to write the report to (created 0600; replaced only with -Force); the file is returned instead of the text.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Replace the file named by -Path.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            ReportFormat format = string.Equals(Format, "Markdown", StringComparison.OrdinalIgnoreCase) ? ReportFormat.Markdown : ReportFormat.Html;
            string report = Result != null ? MigrationReport.Of(Result, format, DateTime.UtcNow) : MigrationReport.Of(Plan!, format, DateTime.UtcNow);
            if (Path == null)
            {
                WriteObject(report);
                return;
            }
            string file = GetUnresolvedProviderPathFromPSPath(Path);
            RunItemOrWriteError(() =>
            {
                if (File.Exists(file) && !Force)
                {
                    throw new PorterStorageException(ErrorIds.ReportExists, PorterErrorKind.ResourceExists, file, $"The file '{file}' already exists; use -Force to replace it.");
                }
                // Whole or not at all: a report replaced with -Force is the old one until the new one is complete.
                PrivateFile.Write(file, replace: Force, new UTF8Encoding(false).GetBytes(report));
                WriteObject(new FileInfo(file));
            }, null, file);
        }
    }
}
