using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;

namespace PorterStorage.Core.Migration
{
    /// <summary>The formats a migration report is written in.</summary>
    public enum ReportFormat
    {
        /// <summary>One self-contained HTML page (styles inline, no scripts, nothing fetched).</summary>
        Html,

        /// <summary>GitHub-flavoured Markdown, for a ticket or a pull request.</summary>
        Markdown,
    }

    /// <summary>
    /// A report of a plan or a run for a change ticket: what moved, what failed and why, the backup that vouched for it and
    /// the verification. Built from the result objects only, which hold names, paths, ids and counts, never a value.
    /// </summary>
    public static class MigrationReport
    {
        private sealed class Table
        {
            public Table(string title, string[] columns, IEnumerable<string?[]> rows, bool facts = false)
            {
                Title = title;
                Columns = columns;
                Rows = rows.ToList();
                Facts = facts;
            }

            /// <summary>Rows of a name and its value, without a header row.</summary>
            public bool Facts { get; }

            public string Title { get; }

            public string[] Columns { get; }

            public List<string?[]> Rows { get; }
        }

        /// <summary>The report of a run.</summary>
        public static string Of(PorterMigrationResult result, ReportFormat format, DateTime generatedUtc)
        {
            var facts = new List<(string, string?)>
            {
                ("Source", result.Source),
                ("Destination", result.Destination),
                ("Outcome", result.Succeeded ? "Succeeded" : "Incomplete"),
                ("Summary", result.Summary),
                ("Installations migrated", Count(result.Migrated)),
                ("Installations failed", Count(result.Failed)),
                ("Installations already current", Count(result.AlreadyCurrent)),
                ("Installations not migrated (declined, rolled back)", Count(result.NotMigrated)),
                ("Credential and parameter sets migrated", Count(result.SetsMigrated)),
                ("Credential and parameter sets failed", Count(result.SetsFailed)),
                ("Schema before", Schema(result.SchemaBefore)),
                ("Schema after", Schema(result.SchemaAfter)),
                ("schema.json written", result.SchemaWritten ? "yes" : "no"),
                ("Duration", result.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"),
                ("Requests to Azure", result.Requests > 0 ? Count((int)result.Requests) : null),
                ("Log", result.LogPath),
            };
            facts.InsertRange(0, RunFacts(result.Run, planned: false));
            var tables = new List<Table>();
            if (result.Backup != null)
            {
                tables.Add(BackupTable(result.Backup));
            }
            tables.Add(new Table("Errors", new[] { "Error id", "Item", "Why" }, result.Errors.Select(e => new[] { e.ErrorId, e.Target, e.Message })));
            tables.Add(new Table("Warnings", new[] { "Warning" }, result.Warnings.Select(w => new[] { w })));
            tables.Add(new Table(result.Detailed ? "Installations" : "Installations that did not migrate (run with -Detailed for every one)",
                new[] { "Installation", "Outcome", "Claims", "Results", "Outputs", "Error id" },
                result.Installations.Select(i => new[] { i.Installation, i.Outcome.ToString(), Count(i.Claims.Count), Count(i.Results.Count), Count(i.Outputs.Count), i.ErrorId })));
            tables.Add(new Table(result.Detailed ? "Credential and parameter sets" : "Credential and parameter sets that did not migrate",
                new[] { "Kind", "Name", "Outcome", "Error id" },
                result.CredentialSets.Concat(result.ParameterSets).Select(s => new[] { s.Kind, s.Name, s.Outcome.ToString(), s.ErrorId })));
            if (result.Verification != null)
            {
                facts.Add(("Verification (Test-PorterStorage)", result.Verification.IsValid
                    ? $"valid: {result.Verification.Installations} installation(s), {result.Verification.Claims} claim(s)"
                    : $"{result.Verification.ErrorCount} error(s), {result.Verification.WarningCount} warning(s)"));
                tables.Add(new Table("Verification findings", new[] { "Severity", "Code", "Path", "Finding" },
                    result.Verification.Findings.Select(f => new[] { f.Severity.ToString(), f.Code, f.Path, f.Message })));
            }
            return Render("Porter storage migration report", facts, tables, format, generatedUtc);
        }

        /// <summary>The report of a plan (Get-PorterMigrationPlan): what a run would do, and what it could not.</summary>
        public static string Of(PorterMigrationPlan plan, ReportFormat format, DateTime generatedUtc)
        {
            var facts = new List<(string, string?)>
            {
                ("Source", plan.Source),
                ("Changes", Count(plan.ToChange)),
                ("Installations to migrate", Count(plan.Installations)),
                ("Items that cannot be migrated", Count(plan.ToFail)),
                ("Schema now", Schema(plan.SchemaBefore)),
            };
            facts.InsertRange(0, RunFacts(plan.Run, planned: true));
            var tables = new List<Table>
            {
                new Table("Planned changes", new[] { "Kind", "Name", "Action", "Reason", "Error id" },
                    plan.Items.Select(i => new[] { i.Kind.ToString(), i.Name, i.Action.ToString(), i.Reason, i.ErrorId })),
            };
            return Render("Porter storage migration plan", facts, tables, format, generatedUtc);
        }

        /// <summary>Where, when and by whom: the header a change ticket asks for.</summary>
        private static IEnumerable<(string, string?)> RunFacts(PorterRunFacts run, bool planned)
        {
            if (planned)
            {
                yield return ("Planned (UTC)", Time(run.Finished));
            }
            else
            {
                yield return ("Started (UTC)", Time(run.Started));
                yield return ("Finished (UTC)", Time(run.Finished));
            }
            yield return ("Host", run.Host);
            yield return ("Operator", run.Operator);
            yield return ("PorterStorage version", run.ModuleVersion);
        }

        /// <summary>The backup as one row per fact: its long values (path, SHA-256, copy URL) wrap within the page instead of widening it.</summary>
        private static Table BackupTable(PorterBackup b) =>
            new Table("Backup", new[] { "", "" }, new string?[][]
            {
                new string?[] { "Archive", b.Path },
                new string?[] { "Kind", b.Kind },
                new string?[] { "Source", b.Source },
                new string?[] { "Created (UTC)", Time(b.Created) },
                new string?[] { "Files", Count(b.FileCount) },
                new string?[] { "SHA-256", b.Sha256 },
                new string?[] { "Verified", b.Verified ? "yes" : "NO" },
                new string?[] { "Copied to", b.CopiedTo?.ToString() },
            }.Where(r => !string.IsNullOrEmpty(r[1])), facts: true);

        private static string Time(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

        private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

        private static string Schema(PorterSchemaDocument s) =>
            s.IsCurrent ? "current" : $"claims {Or(s.Claims)}, credentials {Or(s.Credentials)}, parameters {Or(s.Parameters)}";

        private static string Or(string? v) => string.IsNullOrEmpty(v) ? "(none)" : v!;

        private static string Render(string title, List<(string Name, string? Value)> facts, List<Table> tables, ReportFormat format, DateTime generatedUtc)
        {
            string generated = Time(generatedUtc) + " UTC";
            var shown = facts.Where(f => !string.IsNullOrEmpty(f.Value)).ToList();
            return format == ReportFormat.Html ? Html(title, generated, shown, tables) : Markdown(title, generated, shown, tables);
        }

        private static string H(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

        private static string Html(string title, string generated, List<(string Name, string? Value)> facts, List<Table> tables)
        {
            var s = new StringBuilder();
            s.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(H(title)).Append("</title>\n")
             // Fits a 1200 px window and an A4 portrait page: tables take the page's width and long values (paths, hashes, URLs) wrap
             // anywhere instead of widening it.
             .Append("<style>@page{size:A4 portrait;margin:12mm}body{font-family:system-ui,sans-serif;margin:2em;color:#1b1f24}")
             .Append("h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}table{border-collapse:collapse;margin:.5em 0;width:100%}")
             .Append("td,th{border:1px solid #c8ccd1;padding:.3em .6em;text-align:left;vertical-align:top;overflow-wrap:anywhere}")
             .Append("th{background:#eef1f4}table.facts th{width:14em}.ok{color:#116329;font-weight:600}.bad{color:#b3261e;font-weight:600}.none{color:#59636e}")
             .Append("@media print{body{margin:0;font-size:10pt}}</style></head>\n<body>\n")
             .Append("<h1>").Append(H(title)).Append("</h1>\n<p class=\"none\">Generated ").Append(H(generated)).Append(" by PorterStorage.</p>\n<table class=\"facts\">\n");
            foreach ((string name, string? value) in facts)
            {
                string cls = value == "Succeeded" || value == "yes" || (value?.StartsWith("valid", StringComparison.Ordinal) ?? false) ? " class=\"ok\""
                    : value == "Incomplete" || value == "NO" ? " class=\"bad\"" : string.Empty;
                s.Append("<tr><th>").Append(H(name)).Append("</th><td").Append(cls).Append('>').Append(H(value)).Append("</td></tr>\n");
            }
            s.Append("</table>\n");
            foreach (Table t in tables)
            {
                s.Append("<h2>").Append(H(t.Title)).Append("</h2>\n");
                if (t.Rows.Count == 0)
                {
                    s.Append("<p class=\"none\">None.</p>\n");
                    continue;
                }
                if (t.Facts)
                {
                    s.Append("<table class=\"facts\">\n");
                    foreach (string?[] row in t.Rows)
                    {
                        s.Append("<tr><th>").Append(H(row[0])).Append("</th><td>").Append(H(row[1])).Append("</td></tr>\n");
                    }
                    s.Append("</table>\n");
                    continue;
                }
                s.Append("<table><tr>");
                foreach (string c in t.Columns)
                {
                    s.Append("<th>").Append(H(c)).Append("</th>");
                }
                s.Append("</tr>\n");
                foreach (string?[] row in t.Rows)
                {
                    s.Append("<tr>");
                    foreach (string? cell in row)
                    {
                        s.Append("<td>").Append(H(cell)).Append("</td>");
                    }
                    s.Append("</tr>\n");
                }
                s.Append("</table>\n");
            }
            return s.Append("</body></html>\n").ToString();
        }

        private static string M(string? text) =>
            (text ?? string.Empty).Replace("\\", "\\\\").Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ").Replace("<", "&lt;").Replace(">", "&gt;");

        private static string Markdown(string title, string generated, List<(string Name, string? Value)> facts, List<Table> tables)
        {
            var s = new StringBuilder();
            s.Append("# ").Append(M(title)).Append("\n\nGenerated ").Append(M(generated)).Append(" by PorterStorage.\n\n| | |\n|---|---|\n");
            foreach ((string name, string? value) in facts)
            {
                s.Append("| ").Append(M(name)).Append(" | ").Append(M(value)).Append(" |\n");
            }
            foreach (Table t in tables)
            {
                s.Append("\n## ").Append(M(t.Title)).Append("\n\n");
                if (t.Rows.Count == 0)
                {
                    s.Append("None.\n");
                    continue;
                }
                if (t.Facts)
                {
                    s.Append("| | |\n|---|---|\n");
                }
                else
                {
                    s.Append("| ").Append(string.Join(" | ", t.Columns.Select(M))).Append(" |\n|").Append(string.Concat(t.Columns.Select(_ => "---|"))).Append('\n');
                }
                foreach (string?[] row in t.Rows)
                {
                    s.Append("| ").Append(string.Join(" | ", row.Select(M))).Append(" |\n");
                }
            }
            return s.ToString();
        }
    }
}
