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
    P4  Azure migration of legacy installations in Azurite vs a bare loop issuing the requests the migration needs, as
        many installations at once as the migration writes.
    P6  P3 and P4 through the fault proxy adding 20 ms to every request: against the same work on loopback, against the
        bare loop at that latency, and the requests made against the minimum the work needs.
    P7  Backup-PorterAzureContainer of the P3 container vs azcopy's download of it, on loopback and at 20 ms.
    P8  The verification of a table move of 1,000 installations at 20 ms (bench/Invoke-TableMoveBenchmark.ps1) vs the same
        verification one tag query per group, projected from measured group queries.
    P5  Import-Module plus the first Get-PorterHome in a fresh pwsh.
    Every ours-side run happens in a fresh pwsh; data comes from the seeded generators the tests use. Each Azure row runs on
    an Azurite of its own (in memory), started here and stopped by its process id.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $Baseline,
    # azcopy's binary (P7); the row is reported as not run without it.
    [string] $Azcopy,
    # Run P1, P2 and P5 only.
    [switch] $NoAzure,
    [switch] $Quick,
    # Write the lines, with the date and the machine, to this Markdown file.
    [string] $ResultsPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot '../tests/ChildPwsh.ps1')
. (Join-Path $PSScriptRoot '../tests/LegacyHomeGenerator.ps1')
. (Join-Path $PSScriptRoot '../tests/SampleContainer.ps1')
. (Join-Path $PSScriptRoot '../tests/Azurite.ps1')
. (Join-Path $PSScriptRoot '../tests/FaultProxy.ps1')
Import-Module (Join-Path $ModuleRoot 'PorterStorage') -Force

$sizes = if ($Quick) {
    @{ Homes = 200, 2000; Backup = 2000; Blobs = 1000; AzureInstallations = 300 }
} else {
    @{ Homes = 2000, 20000; Backup = 20000; Blobs = 4000; AzureInstallations = 5000 }
}
# The concurrency azcopy uses on this machine (32 up to four cores, else 16 per core), which is also the module's default.
$concurrency = if ([Environment]::ProcessorCount -le 4) { 32 } else { [Math]::Min(16 * [Environment]::ProcessorCount, 300) }
$latency = 20
$work = Join-Path ([IO.Path]::GetTempPath()) ('porterstorage-bench-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Path $work | Out-Null
$module = Join-Path $ModuleRoot 'PorterStorage'
$lines = [Collections.Generic.List[string]]::new()

function Write-Row([string] $Line) {
    Write-Host $Line
    $lines.Add($Line)
}

# Runs a script in a fresh pwsh that imports the module; returns its wall time as a whole process (Seconds) and from
# Import-Module on (Module: pwsh's own start is not the module's), its own peak resident memory (VmHWM, so the whole
# process, runtime included) and what it printed before that.
function Measure-Ours {
    param([Parameter(Mandatory)] [string] $Script)
    $psi = New-ChildPwshStartInfo "`$benchClock = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$module'; $Script; 'MODULE ' + `$benchClock.Elapsed.TotalSeconds.ToString([Globalization.CultureInfo]::InvariantCulture); 'PEAK ' + ((Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '\D', '')"
    $psi.RedirectStandardOutput = $true
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    $watch.Stop()
    if ($p.ExitCode -ne 0) { throw "The measured run failed ($($p.ExitCode)): $out" }
    $peak = [regex]::Match($out, 'PEAK (\d+)').Groups[1].Value
    $inner = [double]::Parse([regex]::Match($out, 'MODULE ([0-9.E+-]+)').Groups[1].Value, [Globalization.CultureInfo]::InvariantCulture)
    [pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; Module = $inner; PeakMB = [Math]::Round([double]$peak / 1024); Output = $out }
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
        Write-Row ('P1 migrate {0} ({1:N0} MB legacy): ours {2:N2} s from Import-Module ({3:N2} s as a process), cp -a {4:N2} s, ratio {5} ({6} as a process), peak {7} MB' -f $n, $mb, $ours.Module, $ours.Seconds, $cp.Seconds, (Format-Ratio $ours.Module $cp.Seconds), (Format-Ratio $ours.Seconds $cp.Seconds), $ours.PeakMB)
        Remove-Item -LiteralPath (Join-Path $work "copy-$n"), $target -Recurse -Force
    }
    $small, $large = $sizes.Homes
    Write-Row ('P1 peak memory {0} vs {1} installations: {2} MB vs {3} MB, growth {4:P0}' -f $small, $large, $peaks[$small], $peaks[$large], ($peaks[$large] / $peaks[$small] - 1))

    # P2: backup vs tar czf; test vs backup.
    $legacy = Join-Path $work "legacy-$($sizes.Backup)"
    Step
    $backup = Measure-Ours "`$b = Backup-PorterHome -LiteralPath '$legacy' -Destination '$work/backup.tar.gz'; if (-not `$b.Verified) { throw 'backup not verified' }"
    Step
    $tar = Measure-Native tar @('czf', "$work/home.tar.gz", '-C', $legacy, '.')
    Step
    $test = Measure-Ours "if (-not (Test-PorterBackup -Path '$work/backup.tar.gz' -Quiet)) { throw 'backup does not verify' }"
    $oursMB = (Get-Item "$work/backup.tar.gz").Length / 1MB
    $tarMB = (Get-Item "$work/home.tar.gz").Length / 1MB
    Write-Row ('P2 backup {0}: ours {1:N2} s from Import-Module ({2:N2} s as a process), tar czf {3:N2} s, ratio {4} ({5} as a process), archive {6:N2} MB vs tar.gz {7:N2} MB ({8}x), peak {9} MB' -f $sizes.Backup, $backup.Module, $backup.Seconds, $tar.Seconds, (Format-Ratio $backup.Module $tar.Seconds), (Format-Ratio $backup.Seconds $tar.Seconds), $oursMB, $tarMB, (Format-Ratio $oursMB $tarMB), $backup.PeakMB)
    Write-Row ('P2 test backup {0}: ours {1:N2} s, backup {2:N2} s (from Import-Module, both), ratio {3}, peak {4} MB' -f $sizes.Backup, $test.Module, $backup.Module, (Format-Ratio $test.Module $backup.Module), $test.PeakMB)

    if (-not $NoAzure) {
        # Every Azure row on an Azurite of its own: in-memory Azurite slows as an account fills, and its Find Blobs by Tags
        # stops once a page scans 5,000 blobs of the account (bench/README.md), which Porter's tag queries in the verification hit.
        function Use-Azurite([scriptblock] $Body) {
            $azurite = Start-PorterAzurite
            try { & $Body $azurite } finally { Stop-PorterAzurite $azurite }
        }
        function Connection($Azurite, [string] $Account = 'devstoreaccount1') { $Azurite.ConnectionStrings[$Account] }
        $installations = [int][Math]::Ceiling(($sizes.Blobs - 3) / 4) # about four blobs an installation, plus the sets and the schema
        $copyArchive = New-PorterBlobStoreArchive -Path "$work/copy-source.zip" -Installations $installations
        $n = $sizes.AzureInstallations
        $legacyArchive = New-PorterBlobStoreArchive -Path "$work/azure-legacy.zip" -Installations 1 -LegacyInstallations $n -NoSchema
        function Seed([string] $Connection, [string] $Container, $Archive) {
            Restore-PorterAzureContainer -Path $Archive.FullName -Storage (Get-PorterAzureStorage -ConnectionString $Connection -Container $Container) -Confirm:$false | Out-Null
        }
        # What the fault proxy saw, as "requests by operation and item type".
        function Requests($Proxy, [string[]] $Types) {
            $by = (Get-FaultProxyStats $Proxy).byType
            $sum = 0
            foreach ($t in $Types) { if ($by.PSObject.Properties[$t]) { $sum += [int]$by.$t } }
            $sum
        }
        $copyScript = { param([string] $From, [string] $To, [string] $Container)
            "`$s = Get-PorterAzureStorage -ConnectionString '$From' -Container benchcopy; `$d = Get-PorterAzureStorage -ConnectionString '$To' -Container $Container; `$r = Copy-PorterAzureContainer -Source `$s -Destination `$d -ConcurrentTaskCount $concurrency -Confirm:`$false; if (-not `$r.Verified -or `$r.Failed) { throw 'copy not verified' }; 'TOTAL ' + `$r.Total; 'REQUESTS ' + `$r.Requests"
        }
        # The closing check asks Porter's tag queries once (-IndexTimeoutSeconds 0): past 5,000 blobs Azurite's Find Blobs by Tags
        # answers them truncated (bench/README.md), so waiting for it would measure only the 60 s timeout.
        $migrateScript = { param([string] $Connection)
            "`$s = Get-PorterAzureStorage -ConnectionString '$Connection' -Container oursmigrate; `$r = Invoke-PorterStorageMigration -Storage `$s -SkipBackupCheck -LogPath '$work' -IndexTimeoutSeconds 0 -WarningAction SilentlyContinue -Confirm:`$false; if (-not `$r.Succeeded -or `$r.Migrated -ne $n) { throw 'migration incomplete' }; 'REQUESTS ' + `$r.Requests"
        }
        function Field([string] $Output, [string] $Name) { [int][regex]::Match($Output, "$Name (\d+)").Groups[1].Value }

        # P3: container copy vs a bare parallel loop of sync copies, same concurrency, same source, both into the second account
        # (a copy within one account is a different operation for Azurite: it does not fetch the source over HTTP). Each side
        # has an Azurite of its own, warmed by the same small copy first: Azurite's own code is compiled by Node as it runs, and
        # whichever side ran first on a shared Azurite paid for that (about 2 s of 10) and found the other side's blobs missing.
        $warmArchive = New-PorterBlobStoreArchive -Path "$work/warmup.zip" -Installations 50
        function Use-CopyAzurite([bool] $Proxied, [scriptblock] $Measured) {
            Use-Azurite {
                param($az)
                Seed (Connection $az) 'benchcopy' $copyArchive
                Seed (Connection $az) 'warmup' $warmArchive
                $proxy = if ($Proxied) { Start-FaultProxy $az -Settings @{ latencyMs = $latency } }
                try {
                    $strings = if ($proxy) { $proxy.ConnectionStrings } else { $az.ConnectionStrings }
                    $null = Measure-Native dotnet @($Baseline, 'copy', $strings['devstoreaccount1'], 'warmup', $strings['destaccount'], 'warmupcopy', "$concurrency")
                    & $Measured $strings $proxy
                }
                finally { if ($proxy) { Stop-FaultProxy $proxy } }
            }
        }
        $p3 = Use-CopyAzurite $false {
            param($cs)
            $ours = Measure-Ours (& $copyScript $cs['devstoreaccount1'] $cs['destaccount'] 'oursdest')
            [pscustomobject]@{ Seconds = $ours.Module; Process = $ours.Seconds; PeakMB = $ours.PeakMB; Blobs = (Field $ours.Output 'TOTAL') }
        }
        $p3loop = Use-CopyAzurite $false {
            param($cs)
            Measure-Native dotnet @($Baseline, 'copy', $cs['devstoreaccount1'], 'benchcopy', $cs['destaccount'], 'loopdest', "$concurrency")
        }
        $blobs = $p3.Blobs
        Write-Row ('P3 copy {0} blobs at {1} tasks: ours {2:N2} s from Import-Module ({3:N2} s as a process; {4:N0} blobs/s, tags verified), loop {5:N2} s ({6:N0} blobs/s), throughput ratio {7} ({8} as a process), peak {9} MB' -f $blobs, $concurrency, $p3.Seconds, $p3.Process, ($blobs / $p3.Seconds), $p3loop.Seconds, ($blobs / $p3loop.Seconds), (Format-Ratio $p3loop.Seconds $p3.Seconds), (Format-Ratio $p3loop.Seconds $p3.Process), $p3.PeakMB)

        # P6 copy: the same work through the fault proxy at 20 ms, each side again on a warmed Azurite of its own. The minimum:
        # one Copy Blob From URL per blob, the source's listing pages, the destination's creation.
        $p6copy = Use-CopyAzurite $true {
            param($cs)
            $ours = Measure-Ours (& $copyScript $cs['devstoreaccount1'] $cs['destaccount'] 'oursdest')
            [pscustomobject]@{ Seconds = $ours.Module; Process = $ours.Seconds; Requests = (Field $ours.Output 'REQUESTS'); Blobs = (Field $ours.Output 'TOTAL') }
        }
        $p6copyLoop = Use-CopyAzurite $true {
            param($cs)
            Measure-Native dotnet @($Baseline, 'copy', $cs['devstoreaccount1'], 'benchcopy', $cs['destaccount'], 'loopdest', "$concurrency")
        }
        $minimum = $p6copy.Blobs + [Math]::Ceiling($p6copy.Blobs / 5000) + 1
        Write-Row ('P6 copy {0} blobs at {1} ms, {2} tasks: ours {3:N2} s from Import-Module ({4:N2} s as a process), {5}x ours on loopback ({6:N2} s); loop {7:N2} s, throughput ratio {8} ({9} as a process); requests {10} vs minimum {11} ({12}x)' -f $p6copy.Blobs, $latency, $concurrency, $p6copy.Seconds, $p6copy.Process, (Format-Ratio $p6copy.Seconds $p3.Seconds), $p3.Seconds, $p6copyLoop.Seconds, (Format-Ratio $p6copyLoop.Seconds $p6copy.Seconds), (Format-Ratio $p6copyLoop.Seconds $p6copy.Process), $p6copy.Requests, $minimum, (Format-Ratio $p6copy.Requests $minimum))

        # P4: Azure migration vs the bare loop, each on an Azurite of its own holding the same legacy container.
        $p4 = Use-Azurite {
            param($az)
            Seed (Connection $az) 'oursmigrate' $legacyArchive
            $ours = Measure-Ours (& $migrateScript (Connection $az))
            [pscustomobject]@{ Seconds = $ours.Module; Process = $ours.Seconds; PeakMB = $ours.PeakMB }
        }
        $p4loop = Use-Azurite {
            param($az)
            Seed (Connection $az) 'loopmigrate' $legacyArchive
            Measure-Native dotnet @($Baseline, 'migrate', (Connection $az), 'loopmigrate', "$concurrency")
        }
        Write-Row ('P4 azure migrate {0}: ours {1:N2} s from Import-Module ({2:N2} s as a process), loop {3:N2} s ({4} installations at once), throughput ratio {5} ({6} as a process), peak {7} MB' -f $n, $p4.Seconds, $p4.Process, $p4loop.Seconds, $concurrency, (Format-Ratio $p4loop.Seconds $p4.Seconds), (Format-Ratio $p4loop.Seconds $p4.Process), $p4.PeakMB)

        # P6 migrate: the same work at 20 ms. The minimum, per the issue: per installation one read of its legacy blob, one write
        # per document Porter needs (what the proxy saw written of claims, results, outputs and installations), one delete of the
        # legacy blob; per run the listing pages, the schema read and write, and the lock (taken and released).
        $p6ours = Use-Azurite {
            param($az)
            Seed (Connection $az) 'oursmigrate' $legacyArchive
            $proxy = Start-FaultProxy $az -Settings @{ latencyMs = $latency }
            try {
                $ours = Measure-Ours (& $migrateScript $proxy.ConnectionStrings['devstoreaccount1'])
                $writes = Requests $proxy @('PutBlob claims', 'PutBlob results', 'PutBlob outputs', 'PutBlob installations')
                $blobs = $n + 5 # the legacy container: the legacy claims, one current installation's blobs and the sets
                $minimum = $n + $writes + $n + 2 * [Math]::Ceiling($blobs / 5000) + 2 + 2
                [pscustomobject]@{ Seconds = $ours.Module; Process = $ours.Seconds; Requests = (Field $ours.Output 'REQUESTS'); Minimum = $minimum }
            }
            finally { Stop-FaultProxy $proxy }
        }
        $p6loop = Use-Azurite {
            param($az)
            Seed (Connection $az) 'loopmigrate' $legacyArchive
            $proxy = Start-FaultProxy $az -Settings @{ latencyMs = $latency }
            try { Measure-Native dotnet @($Baseline, 'migrate', $proxy.ConnectionStrings['devstoreaccount1'], 'loopmigrate', "$concurrency") }
            finally { Stop-FaultProxy $proxy }
        }
        Write-Row ('P6 azure migrate {0} at {1} ms: ours {2:N2} s from Import-Module ({3:N2} s as a process), {4}x ours on loopback ({5:N2} s); loop {6:N2} s ({7} at once), throughput ratio {8} ({9} as a process); requests {10} vs minimum {11} ({12}x)' -f $n, $latency, $p6ours.Seconds, $p6ours.Process, (Format-Ratio $p6ours.Seconds $p4.Seconds), $p4.Seconds, $p6loop.Seconds, $concurrency, (Format-Ratio $p6loop.Seconds $p6ours.Seconds), (Format-Ratio $p6loop.Seconds $p6ours.Process), $p6ours.Requests, $p6ours.Minimum, (Format-Ratio $p6ours.Requests $p6ours.Minimum))

        # P7: container backup vs azcopy's download of the same container (copy --from-to BlobLocal), both through the proxy, on
        # loopback (0 ms added) and at 20 ms. Ours also keeps tags and metadata, writes one archive and verifies it.
        if ($Azcopy) {
            Use-Azurite {
                param($az)
                Seed (Connection $az) 'benchcopy' $copyArchive
                $proxy = Start-FaultProxy $az
                $env:AZCOPY_LOG_LOCATION = Join-Path $work 'azcopy-logs'
                $env:AZCOPY_JOB_PLAN_LOCATION = Join-Path $work 'azcopy-plans'
                try {
                    foreach ($ms in 0, $latency) {
                        Set-FaultProxy $proxy @{ latencyMs = $ms } | Out-Null
                        $via = $proxy.ConnectionStrings['devstoreaccount1']
                        $sas = & dotnet $Baseline sas $via benchcopy | Select-Object -First 1
                        $theirs = Measure-Native $Azcopy @('copy', $sas, "$work/azcopy-$ms", '--recursive', '--from-to', 'BlobLocal', '--log-level', 'ERROR', '--output-level', 'quiet')
                        $files = @(Get-ChildItem -LiteralPath "$work/azcopy-$ms" -Recurse -File).Count
                        $ours = Measure-Ours "`$b = Backup-PorterAzureContainer -Storage (Get-PorterAzureStorage -ConnectionString '$via' -Container benchcopy) -Destination '$work/container-$ms.tar.gz'; if (-not `$b.Verified) { throw 'backup not verified' }; 'BLOBS ' + `$b.FileCount"
                        Write-Row ('P7 container backup {0} blobs at {1} ms: ours {2:N2} s from Import-Module ({3:N2} s as a process; tags, metadata, verified), azcopy {4:N2} s ({5} files), ratio {6} ({7} as a process), peak {8} MB' -f (Field $ours.Output 'BLOBS'), $ms, $ours.Module, $ours.Seconds, $theirs.Seconds, $files, (Format-Ratio $ours.Module $theirs.Seconds), (Format-Ratio $ours.Seconds $theirs.Seconds), $ours.PeakMB)
                        Remove-Item -LiteralPath "$work/azcopy-$ms", "$work/container-$ms.tar.gz" -Recurse -Force
                    }
                }
                finally { Stop-FaultProxy $proxy }
            }
        }
        else {
            Write-Row 'P7 container backup vs azcopy: not run (azcopy is not installed; build.ps1 Bench installs it from npm)'
        }

        # P8: the table move's verification at 20 ms, on an Azurite of its own (the script runs alone too).
        Write-Row (& (Join-Path $PSScriptRoot 'Invoke-TableMoveBenchmark.ps1') -ModuleRoot $ModuleRoot -Installations 1000 -LatencyMs $latency)
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
