<#
.SYNOPSIS
    PorterStorage benchmarks: each row runs our cmdlets and a baseline side by side in this one run and prints
    their ratio (absolute times are not comparable across runs on shared machines). Started by 'build.ps1 Bench'.
.DESCRIPTION
    P1  Invoke-PorterStorageMigration of a generated legacy home vs 'cp -a' of the migrated home; peak memory of
        the whole pwsh process (its own VmHWM), at two sizes.
    P2  Backup-PorterHome of the legacy home vs 'tar czf' of it; Test-PorterBackup of the archive vs the backup.
    P3  Copy-PorterAzureContainer of tagged Porter-shaped blobs between two Azurite accounts vs a bare parallel loop
        of Copy Blob From URL at the same concurrency (bench/Baseline).
    P4  Azure migration of legacy installations in Azurite vs a bare loop issuing the requests the migration needs.
    P5  Import-Module plus the first Get-PorterHome in a fresh pwsh.
    Every ours-side run happens in a fresh pwsh; data comes from the seeded generators the tests use.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $Baseline,
    [string] $SourceConnectionString,
    [string] $DestinationConnectionString,
    [switch] $Quick,
    # Write the lines, with the date and the machine, to this Markdown file.
    [string] $ResultsPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot '../tests/ChildPwsh.ps1')
. (Join-Path $PSScriptRoot '../tests/LegacyHomeGenerator.ps1')
. (Join-Path $PSScriptRoot '../tests/SampleContainer.ps1')
Import-Module (Join-Path $ModuleRoot 'PorterStorage') -Force

$sizes = if ($Quick) {
    @{ Homes = 200, 2000; Backup = 2000; Blobs = 1000; AzureInstallations = 300; Concurrency = 8 }
} else {
    @{ Homes = 2000, 20000; Backup = 20000; Blobs = 4000; AzureInstallations = 1000; Concurrency = 8 }
}
$work = Join-Path ([IO.Path]::GetTempPath()) ('porterstorage-bench-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Path $work | Out-Null
$module = Join-Path $ModuleRoot 'PorterStorage'
$lines = [Collections.Generic.List[string]]::new()

function Write-Row([string] $Line) {
    Write-Host $Line
    $lines.Add($Line)
}

# Runs a script in a fresh pwsh that has imported the module; returns its wall time, its own peak resident memory
# (VmHWM, so the whole process, runtime included) and what it printed before that.
function Measure-Ours {
    param([Parameter(Mandatory)] [string] $Script)
    $psi = New-ChildPwshStartInfo "Import-Module '$module'; $Script; 'PEAK ' + ((Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '\D', '')"
    $psi.RedirectStandardOutput = $true
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    $watch.Stop()
    if ($p.ExitCode -ne 0) { throw "The measured run failed ($($p.ExitCode)): $out" }
    $peak = [regex]::Match($out, 'PEAK (\d+)').Groups[1].Value
    [pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; PeakMB = [Math]::Round([double]$peak / 1024); Output = $out }
}

function Measure-Native {
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $Arguments)
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $out = & $FilePath @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $Arguments' failed with exit code $LASTEXITCODE." }
    $watch.Stop()
    [pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; Output = $out }
}

# Lets the file system settle (dirty pages written) so that one side does not pay for the other's writes.
function Step { & sync; Start-Sleep -Seconds 2 }

function Format-Ratio([double] $Ours, [double] $Theirs) { '{0:N2}' -f ($Ours / $Theirs) }

try {
    # P1: migration vs cp -a of the migrated home, at two sizes.
    $peaks = @{}
    foreach ($n in $sizes.Homes) {
        $legacy = Join-Path $work "legacy-$n"
        New-PorterLegacyHome -Path $legacy -Installations $n -Seed 7 -BundleMinBytes 5000 -BundleMaxBytes 10000 | Out-Null
        $target = Join-Path $work "migrated-$n"
        & cp -a $legacy $target
        Step
        $ours = Measure-Ours "`$r = Invoke-PorterStorageMigration -LiteralPath '$target' -SkipBackupCheck -Confirm:`$false; if (-not `$r.Succeeded -or `$r.Migrated -ne $n) { throw 'migration incomplete' }"
        Step
        $cp = Measure-Native cp @('-a', $target, (Join-Path $work "copy-$n"))
        $peaks[$n] = $ours.PeakMB
        $mb = (Get-ChildItem -LiteralPath $legacy -Recurse -File | Measure-Object Length -Sum).Sum / 1MB
        Write-Row ('P1 migrate {0} ({1:N0} MB legacy): ours {2:N1} s, cp -a {3:N1} s, ratio {4}, peak {5} MB' -f $n, $mb, $ours.Seconds, $cp.Seconds, (Format-Ratio $ours.Seconds $cp.Seconds), $ours.PeakMB)
        Remove-Item -LiteralPath (Join-Path $work "copy-$n"), $target -Recurse -Force
    }
    $small, $large = $sizes.Homes
    Write-Row ('P1 peak memory {0} vs {1} installations: {2} MB vs {3} MB, growth {4:P0}' -f $small, $large, $peaks[$small], $peaks[$large], ($peaks[$large] / $peaks[$small] - 1))

    # P2: backup vs tar czf; test vs backup.
    $legacy = Join-Path $work "legacy-$($sizes.Backup)"
    Step
    $backup = Measure-Ours "`$b = Backup-PorterHome -LiteralPath '$legacy' -Destination '$work/backup.zip'; if (-not `$b.Verified) { throw 'backup not verified' }"
    Step
    $tar = Measure-Native tar @('czf', "$work/home.tar.gz", '-C', $legacy, '.')
    Step
    $test = Measure-Ours "if (-not (Test-PorterBackup -Path '$work/backup.zip' -Quiet)) { throw 'backup does not verify' }"
    $zipMB = (Get-Item "$work/backup.zip").Length / 1MB
    $tarMB = (Get-Item "$work/home.tar.gz").Length / 1MB
    Write-Row ('P2 backup {0}: ours {1:N1} s, tar czf {2:N1} s, ratio {3}, archive {4:N1} MB vs tar.gz {5:N1} MB ({6}x), peak {7} MB' -f $sizes.Backup, $backup.Seconds, $tar.Seconds, (Format-Ratio $backup.Seconds $tar.Seconds), $zipMB, $tarMB, (Format-Ratio $zipMB $tarMB), $backup.PeakMB)
    Write-Row ('P2 test backup {0}: ours {1:N1} s, backup {2:N1} s, ratio {3}, peak {4} MB' -f $sizes.Backup, $test.Seconds, $backup.Seconds, (Format-Ratio $test.Seconds $backup.Seconds), $test.PeakMB)

    if ($SourceConnectionString) {
        # P3: container copy vs a bare parallel loop of sync copies, same concurrency, same source. Azurite 3.37's Find Blobs
        # by Tags stops (empty continuation) once a page scans 5,000 blobs of the account without filling, so an account
        # holding more cannot pass Porter's tag queries in the emulator: ours copies into the second account, which holds
        # nothing else, the loop into the source account, and the size stays below that limit.
        $installations = [int][Math]::Ceiling(($sizes.Blobs - 3) / 4) # about four blobs an installation, plus the sets and the schema
        $archive = New-PorterBlobStoreArchive -Path "$work/copy-source.zip" -Installations $installations
        $source = Get-PorterAzureStorage -ConnectionString $SourceConnectionString -Container 'benchcopy'
        Restore-PorterAzureContainer -Path $archive.FullName -Storage $source -Confirm:$false | Out-Null
        $c = $sizes.Concurrency
        $ours = Measure-Ours "`$s = Get-PorterAzureStorage -ConnectionString '$SourceConnectionString' -Container benchcopy; `$d = Get-PorterAzureStorage -ConnectionString '$DestinationConnectionString' -Container oursdest; `$r = Copy-PorterAzureContainer -Source `$s -Destination `$d -ConcurrentTaskCount $c -Confirm:`$false; if (-not `$r.Verified -or `$r.Failed) { throw 'copy not verified' }; 'TOTAL ' + `$r.Total"
        $blobs = [int][regex]::Match($ours.Output, 'TOTAL (\d+)').Groups[1].Value
        $loop = Measure-Native dotnet @($Baseline, 'copy', $SourceConnectionString, 'benchcopy', $SourceConnectionString, 'loopdest', "$c")
        Write-Row ('P3 copy {0} blobs at {1} tasks: ours {2:N1} s ({3:N0} blobs/s, tags verified), loop {4:N1} s ({5:N0} blobs/s), throughput ratio {6}, peak {7} MB' -f $blobs, $c, $ours.Seconds, ($blobs / $ours.Seconds), $loop.Seconds, ($blobs / $loop.Seconds), (Format-Ratio $loop.Seconds $ours.Seconds), $ours.PeakMB)

        # P4: Azure migration vs the bare loop, each on its own copy of the same legacy container.
        $n = $sizes.AzureInstallations
        $archive = New-PorterBlobStoreArchive -Path "$work/azure-legacy.zip" -Installations 1 -LegacyInstallations $n -NoSchema
        foreach ($name in 'oursmigrate', 'loopmigrate') {
            Restore-PorterAzureContainer -Path $archive.FullName -Storage (Get-PorterAzureStorage -ConnectionString $SourceConnectionString -Container $name) -Confirm:$false | Out-Null
        }
        $ours = Measure-Ours "`$s = Get-PorterAzureStorage -ConnectionString '$SourceConnectionString' -Container oursmigrate; `$r = Invoke-PorterStorageMigration -Storage `$s -SkipBackupCheck -LogPath '$work' -Confirm:`$false; if (-not `$r.Succeeded -or `$r.Migrated -ne $n) { throw 'migration incomplete' }"
        $loop = Measure-Native dotnet @($Baseline, 'migrate', $SourceConnectionString, 'loopmigrate')
        Write-Row ('P4 azure migrate {0}: ours {1:N1} s, loop {2:N1} s, throughput ratio {3}, peak {4} MB' -f $n, $ours.Seconds, $loop.Seconds, (Format-Ratio $loop.Seconds $ours.Seconds), $ours.PeakMB)
    }

    # P5: import and first use in a fresh pwsh (inside the process: the module's cost, not pwsh's start).
    $sample = Join-Path $work "legacy-$small"
    $runs = 1..3 | ForEach-Object {
        $psi = New-ChildPwshStartInfo "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$module'; Get-PorterHome -LiteralPath '$sample' | Out-Null; `$w.Elapsed.TotalSeconds"
        $psi.RedirectStandardOutput = $true
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $p = [Diagnostics.Process]::Start($psi)
        $inside = [double]$p.StandardOutput.ReadToEnd().Trim()
        $p.WaitForExit()
        [pscustomobject]@{ Inside = $inside; Process = $watch.Elapsed.TotalSeconds }
    }
    $median = { param($values) ($values | Sort-Object)[1] }
    Write-Row ('P5 import + first Get-PorterHome: {0:N2} s (median of 3; whole pwsh process {1:N2} s)' -f (& $median $runs.Inside), (& $median $runs.Process))

    if ($ResultsPath) {
        $memory = [Math]::Round((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '') / 1MB
        $header = @(
            '# Benchmark results'
            ''
            ('Full run of `build.ps1 Bench` on {0:yyyy-MM-dd}: {1} cores, {2:N0} GiB, {3}, .NET {4}, PowerShell {5}, Azurite 3.37.0 (in memory, on this machine).' -f (Get-Date), [Environment]::ProcessorCount, $memory, [Runtime.InteropServices.RuntimeInformation]::OSDescription, [Environment]::Version, $PSVersionTable.PSVersion)
            'Ratios compare with a baseline measured in the same run; see bench/README.md for what each row measures and what limits it.'
            ''
            '```'
        )
        Set-Content -LiteralPath $ResultsPath -Value ($header + $lines + '```') -Encoding utf8NoBOM
    }
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
