BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'ConvertTo-PorterMigrationReport' {
    BeforeAll {
        # A home whose name needs escaping, with one bad item, backed up and migrated with every record kept.
        $script:h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'team <a&b>') -Kind Legacy).FullName
        Set-Content -LiteralPath (Join-Path $h 'claims/broken.json') -Value '{"installation":"broken"}' -NoNewline
        $script:backup = Backup-PorterHome -LiteralPath $h -Destination (Join-Path $TestDrive 'backups')
        $script:plan = Get-PorterMigrationPlan -LiteralPath $h
        $script:result = $backup | Invoke-PorterStorageMigration -Confirm:$false -Detailed -ErrorAction SilentlyContinue
    }

    It 'declares its output types' {
        (Get-Command ConvertTo-PorterMigrationReport).OutputType.Name | Should -Contain 'System.String'
    }

    It 'writes one self-contained HTML page of a run: what moved, what failed and why, the backup, the verification' {
        $html = $result | ConvertTo-PorterMigrationReport
        $html | Should -Match '^<!DOCTYPE html>'
        $html | Should -Not -Match '<script|<link |src="http'
        $html | Should -Match 'Incomplete'
        $html | Should -Match '<td>ClaimBundleMissing</td>'
        $html | Should -Match ([regex]::Escape([Net.WebUtility]::HtmlEncode((Join-Path $h 'claims/broken.json'))))
        $html | Should -Match '<td>mybun</td><td>Migrated</td>'
        $html | Should -Match ([regex]::Escape($backup.Sha256))
        $html | Should -Match 'Verification findings'
        # every name is escaped: the home's '<a&b>' never becomes markup
        $html | Should -Not -Match '<a&b>'
        $html | Should -Match 'team &lt;a&amp;b&gt;'
    }

    It 'writes Markdown tables, and a plan as well as a run' {
        $md = ConvertTo-PorterMigrationReport -Result $result -Format Markdown
        $md | Should -Match '(?m)^# Porter storage migration report$'
        $md | Should -Match '(?m)^\| Error id \| Item \| Why \|$'
        $md | Should -Match '(?m)^\| ClaimBundleMissing \| .*broken\.json \|'
        $planned = $plan | ConvertTo-PorterMigrationReport -Format Markdown
        $planned | Should -Match '(?m)^## Planned changes$'
        $planned | Should -Match '\| Installation \| mybun \| Migrate \|'
        $planned | Should -Match '\| Installation \| broken \| Fail \|'
    }

    It 'writes the report to a file, 0600, and replaces one only with -Force' {
        $file = Join-Path $TestDrive 'change-1234.html'
        $written = $result | ConvertTo-PorterMigrationReport -Path $file
        $written.FullName | Should -Be $file
        if (-not $IsWindows) { [IO.File]::GetUnixFileMode($file) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        { $result | ConvertTo-PorterMigrationReport -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'ReportExists,PorterStorage.Commands.ConvertToPorterMigrationReportCommand'
        { $result | ConvertTo-PorterMigrationReport -Path $file -Force -ErrorAction Stop } | Should -Not -Throw
    }

    It 'never writes through a link at -Path: a link there is taken for an existing file, and -Force replaces the link itself' -Skip:$IsWindows {
        $victim = Join-Path $TestDrive 'victim.txt'
        Set-Content -LiteralPath $victim -Value 'precious' -NoNewline
        $through = Join-Path $TestDrive 'created-through-link.html'
        foreach ($target in $through, $victim) {
            $link = Join-Path $TestDrive ('link-' + [Guid]::NewGuid().ToString('N').Substring(0, 6) + '.html')
            $null = New-Item -ItemType SymbolicLink -Path $link -Target $target
            { $result | ConvertTo-PorterMigrationReport -Path $link -ErrorAction Stop } | Should -Throw -ErrorId 'ReportExists,PorterStorage.Commands.ConvertToPorterMigrationReportCommand'
            $result | ConvertTo-PorterMigrationReport -Path $link -Force | Out-Null
            (Get-Item -LiteralPath $link).LinkType | Should -BeNullOrEmpty
            [IO.File]::GetUnixFileMode($link) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        }
        $through | Should -Not -Exist
        Get-Content -LiteralPath $victim -Raw | Should -Be 'precious'
    }

    It 'heads the report with when, where, by whom and with which module version the run and the plan were made' {
        $html = $result | ConvertTo-PorterMigrationReport
        $version = (Get-Module PorterStorage).Version.ToString(3)
        $result.Run.ModuleVersion | Should -Be $version
        $result.Run.Host | Should -Be ([Environment]::MachineName)
        $result.Run.Operator | Should -Be ([Environment]::UserName)
        $result.Run.Finished | Should -BeGreaterOrEqual $result.Run.Started
        foreach ($fact in @(
                @('Started (UTC)', $result.Run.Started.ToString('yyyy-MM-dd HH:mm:ss', [Globalization.CultureInfo]::InvariantCulture)), @('Finished (UTC)', $result.Run.Finished.ToString('yyyy-MM-dd HH:mm:ss', [Globalization.CultureInfo]::InvariantCulture)),
                @('Host', [Environment]::MachineName), @('Operator', [Environment]::UserName), @('PorterStorage version', $version))) {
            $html | Should -Match ([regex]::Escape("<tr><th>$($fact[0])</th><td>$([Net.WebUtility]::HtmlEncode($fact[1]))</td></tr>"))
        }
        $planned = $plan | ConvertTo-PorterMigrationReport -Format Markdown
        $planned | Should -Match ([regex]::Escape("| Planned (UTC) | $($plan.Run.Finished.ToString('yyyy-MM-dd HH:mm:ss', [Globalization.CultureInfo]::InvariantCulture)) |"))
        $planned | Should -Match ([regex]::Escape("| PorterStorage version | $version |"))
    }

    It 'fits a 1200 px window and an A4 portrait page: nothing scrolls sideways, every column shown, long values wrapped' {
        $chromium = $env:PORTERSTORAGE_CHROMIUM
        $chromium | Should -Not -BeNullOrEmpty -Because 'build.ps1 Test installs Chromium (Debian chromium) for this check'
        # A home whose path is one long word, so every path, the SHA-256 and the errors must wrap to fit.
        $long = (New-PorterSampleHome -Path (Join-Path $TestDrive ('team-' + ('x' * 160))) -Kind Legacy).FullName
        Set-Content -LiteralPath (Join-Path $long 'claims/broken.json') -Value '{"installation":"broken"}' -NoNewline
        $wide = Backup-PorterHome -LiteralPath $long -Destination (Join-Path $TestDrive ('backups-' + ('y' * 120))) |
            Invoke-PorterStorageMigration -Confirm:$false -Detailed -ErrorAction SilentlyContinue
        $report = Join-Path $TestDrive 'wide.html'
        $wide | ConvertTo-PorterMigrationReport -Path $report | Out-Null
        $html = Get-Content -LiteralPath $report -Raw
        # The page itself has no script; the measuring copy adds one that writes the widths into the title.
        $measured = Join-Path $TestDrive 'wide-measured.html'
        $probe = '<script>document.title = "W=" + document.documentElement.scrollWidth + " V=" + document.documentElement.clientWidth;</script></body>'
        Set-Content -LiteralPath $measured -Value ($html -replace '</body>', $probe) -NoNewline
        # 1200 px, and the width A4 portrait leaves inside 12 mm margins (186 mm at 96 px an inch: 703 px)
        foreach ($width in 1200, 703) {
            $userData = Join-Path $TestDrive "chromium-fit-$width"
            $dom = (& $chromium --headless --disable-gpu --no-sandbox "--user-data-dir=$userData" --dump-dom "--window-size=$width,900" ([Uri]::new($measured).AbsoluteUri) 2>$null) -join "`n"
            $widths = [regex]::Match($dom, '<title>W=(\d+) V=(\d+)</title>')
            $widths.Success | Should -BeTrue -Because "Chromium measures the page at $width px"
            [int]$widths.Groups[1].Value | Should -BeLessOrEqual ([int]$widths.Groups[2].Value) -Because "nothing scrolls sideways at $width px"
            foreach ($column in 'SHA-256', 'Verified', 'Archive', 'Error id', 'Item', 'Why') { $dom | Should -Match "<th>$column</th>" }
        }
        $html | Should -Match ([regex]::Escape($wide.Backup.Sha256))
        # printed to PDF: one A4 portrait page width (595 x 842 points)
        $pdf = Join-Path $TestDrive 'wide.pdf'
        & $chromium --headless --disable-gpu --no-sandbox "--user-data-dir=$(Join-Path $TestDrive 'chromium-pdf')" --no-pdf-header-footer "--print-to-pdf=$pdf" ([Uri]::new($report).AbsoluteUri) 2>&1 | Out-Null
        $pdf | Should -Exist
        $boxes = [regex]::Matches([Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($pdf)), '/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]')
        $boxes.Count | Should -BeGreaterThan 0
        foreach ($box in $boxes) {
            [Math]::Round([double]$box.Groups[1].Value) | Should -Be 595
            [Math]::Round([double]$box.Groups[2].Value) | Should -Be 842
        }
    }

    It 'renders in headless Chromium: the screenshot of the report is not the screenshot of an empty page' {
        $chromium = $env:PORTERSTORAGE_CHROMIUM
        $chromium | Should -Not -BeNullOrEmpty -Because 'build.ps1 Test installs Chromium (Debian chromium) for this check'
        $report = Join-Path $TestDrive 'render.html'
        $result | ConvertTo-PorterMigrationReport -Path $report | Out-Null
        $blank = Join-Path $TestDrive 'blank.html'
        Set-Content -LiteralPath $blank -Value '<!DOCTYPE html><html><body></body></html>'
        $shots = foreach ($page in $report, $blank) {
            $png = [IO.Path]::ChangeExtension($page, '.png')
            $profile = Join-Path $TestDrive ('chromium-' + [IO.Path]::GetFileNameWithoutExtension($page))
            & $chromium --headless --disable-gpu --no-sandbox --hide-scrollbars "--user-data-dir=$profile" "--screenshot=$png" --window-size=1200,900 ([Uri]::new($page).AbsoluteUri) 2>&1 | Out-Null
            $png | Should -Exist -Because "Chromium renders $page"
            Get-Item $png
        }
        $bytes = [IO.File]::ReadAllBytes($shots[0].FullName)
        # a PNG of the window's size
        [Text.Encoding]::ASCII.GetString($bytes, 1, 3) | Should -Be 'PNG'
        [Net.IPAddress]::NetworkToHostOrder([BitConverter]::ToInt32($bytes, 16)) | Should -Be 1200
        # text and tables compress far worse than an empty page
        $shots[0].Length | Should -BeGreaterThan ($shots[1].Length * 3)
    }
}
