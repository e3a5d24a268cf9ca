<#
.SYNOPSIS
    Builds, tests and demonstrates the PorterStorage module.
.DESCRIPTION
    Build  stages an importable module at out/PorterStorage (manifest, root assembly, Dependencies
           folder, formats, MAML help generated from docs/cmdlets, about topics) and fails if an expected
           file is missing, a help page is incomplete, or an assembly of ours does not target netstandard2.0.
    Test   builds, compiles the cmdlet layer and engine for net472 too (tests/compat), then runs the xunit
           tests (tests/unit) and the Pester tests (tests/pester, against the staged module in a fresh pwsh)
           and prints one closing line 'N passed, N failed'. Just before it, the line and branch coverage of
           PorterStorage.Core (coverlet, counted per method as coverlet does), overall and per top-level folder of the
           engine (one namespace each: Azure, Backup, Config, Home, Json, Migration, Storage, ...):
               Coverage (PorterStorage.Core): lines 80.1%, branches 70.2% (xunit and Pester; report out/test/coverage/...)
                 Azure      lines  75.0% (900/1200), branches  60.0% (300/500)
           The xunit run is instrumented by coverlet.msbuild; the Pester run by tests/coverage/PesterCoverage.csproj,
           which instruments the staged Dependencies/PorterStorage.Core.dll (loaded in the module's private load
           context, and by every child pwsh and the .NET 8 harness the suites start), merges the hits of both runs and
           restores the assembly. Reports: out/test/coverage/coverage.json and coverage.cobertura.xml (merged),
           xunit.json and xunit.cobertura.xml (xunit alone). Coverage is reported, never enforced: a coverage failure
           does not fail Test (the line then says which runs it counts, or that nothing was measured).
           With -PesterFile, the figures are those of the chosen Pester files alone.
    Package builds, then writes under out/package the PowerShell Gallery package (PorterStorage.<version>.nupkg, no .pdb),
           the Azure Automation zip (PorterStorage.zip: the folder PorterStorage at its root) and the symbols
           (PorterStorage.<version>.symbols.zip); it fails where the Gallery would refuse the manifest. The version has
           one source, the manifest's ModuleVersion, and the release notes come from its section of CHANGELOG.md.
           Test makes them too, installs the .nupkg with Install-PSResource from a folder repository and imports the zip.
    Demo   builds, then runs the main job on a sample legacy Porter home in a temporary folder and on a
           sample plugin container in Azurite (started and stopped by the task).
    Bench  builds, then runs bench/Invoke-Benchmark.ps1 (ours against a baseline in the same run, as ratios);
           -Quick for small sizes (under three minutes); a full run writes bench/RESULTS.md. Installs azcopy (npm)
           for P7 and starts an Azurite of its own for each Azure row. Not part of Test.
    Fuzz   builds tests/fuzz, instruments PorterStorage.Core.dll with SharpFuzz (dotnet tool sharpfuzz), installs
           AFL++ with apt-get when afl-fuzz is missing, and runs each fuzz target (claim, credential-json,
           credential-yaml, parameter, roundtrip) under afl-fuzz for -Seconds N (default 60) from the seed corpus
           tests/fuzz/corpus/<target>/; prints executions per target and fails on any crash (inputs are kept in
           out/fuzz/<target>/; add each to tests/fuzz/crashes/<target>-N.bin, where xunit replays it). Without AFL++
           it fuzzes in-process instead. Then the invariant's property tests run over max(1000, 50 x -Seconds)
           generated homes from a fresh seed. Test runs a bounded in-process fuzz pass with a fixed seed
           (Invoke-FuzzSmoke, about 25 seconds) and the property tests over 250 homes from a fixed seed.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Package', 'Test', 'Demo', 'Bench', 'Fuzz')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Test: run only the Pester files whose names match this wildcard (and no xunit), for a quick loop.
    [string] $PesterFile,

    # Bench: small sizes, no RESULTS.md.
    [switch] $Quick,

    # Fuzz: seconds per target.
    [int] $Seconds = 60
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

# Every restore this script starts (and the dotnet its children start) takes exactly the packages the lock files name
# (NU1004 otherwise), so the module and its packages are built from locked dependencies and a run never rewrites a
# tracked packages.lock.json. After changing a package reference: dotnet restore <project> --force-evaluate.
$env:RestoreLockedMode = 'true'

$RepoRoot = $PSScriptRoot
$OutRoot = Join-Path $RepoRoot 'out'
$ModuleOut = Join-Path $OutRoot 'PorterStorage'
$TestOut = Join-Path $OutRoot 'test'
$PackageOut = Join-Path $OutRoot 'package'
. (Join-Path $RepoRoot 'tools/Release.ps1')

# The pwsh of this session, started the same way for child processes (works outside the repo too).
$PwshHost = [Environment]::ProcessPath
$PwshArgs = @()
if ([IO.Path]::GetFileNameWithoutExtension($PwshHost) -eq 'dotnet') {
    $PwshArgs = @(Join-Path $PSHOME 'pwsh.dll')
}

function Invoke-Native {
    param([string] $FilePath, [string[]] $Arguments)
    & $FilePath @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($Arguments -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Get-NuGetPackageRoot {
    $line = & dotnet nuget locals global-packages --list
    if ($LASTEXITCODE -ne 0) { throw 'Could not find the NuGet packages folder.' }
    return ($line -replace '^global-packages:\s*', '').Trim()
}

# The TargetFrameworkAttribute of an assembly, read from its metadata without loading it.
function Get-TargetFramework {
    param([string] $Path)
    $stream = [IO.File]::OpenRead($Path)
    $pe = $null
    try {
        $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
        $md = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
        foreach ($handle in $md.GetAssemblyDefinition().GetCustomAttributes()) {
            $attribute = $md.GetCustomAttribute($handle)
            $ctor = $md.GetMemberReference([Reflection.Metadata.MemberReferenceHandle]$attribute.Constructor)
            $type = $md.GetTypeReference([Reflection.Metadata.TypeReferenceHandle]$ctor.Parent)
            if ($md.GetString($type.Name) -eq 'TargetFrameworkAttribute') {
                $blob = $md.GetBlobReader($attribute.Value)
                [void]$blob.ReadUInt16() # prolog
                return $blob.ReadSerializedString()
            }
        }
    }
    finally {
        # The reader maps the file; until it is disposed the file stays open (and locked against writers, such as
        # the coverage instrumentation of the staged engine).
        if ($pe) { $pe.Dispose() }
        $stream.Dispose()
    }
    $null
}

function Invoke-Build {
    $src = Join-Path $RepoRoot 'src/PorterStorage'
    Invoke-Native dotnet @('build', (Join-Path $src 'PorterStorage/PorterStorage.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet')

    $rootBin = Join-Path $src "PorterStorage/bin/$Configuration/netstandard2.0"
    $coreBin = Join-Path $src "PorterStorage.Core/bin/$Configuration/netstandard2.0"

    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $deps = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'Dependencies') -Force
    $help = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'en-US') -Force

    Copy-Item (Join-Path $RepoRoot 'PorterStorage.psd1'), (Join-Path $RepoRoot 'LICENSE') $ModuleOut
    $version = Get-ModuleVersion (Join-Path $ModuleOut 'PorterStorage.psd1')
    Set-ManifestReleaseNotes (Join-Path $ModuleOut 'PorterStorage.psd1') (Get-ChangelogSection (Join-Path $RepoRoot 'CHANGELOG.md') $version)
    Copy-Item (Join-Path $src 'PorterStorage.format.ps1xml') $ModuleOut
    Copy-Item (Join-Path $rootBin 'PorterStorage.dll'), (Join-Path $rootBin 'PorterStorage.pdb') $ModuleOut
    Get-ChildItem $coreBin -File | Where-Object Extension -in '.dll', '.pdb' | Copy-Item -Destination $deps
    foreach ($about in 'about_PorterStorage', 'about_PorterStorage_Runbooks') {
        Copy-Item (Join-Path $RepoRoot "docs/$about.md") (Join-Path $help "$about.help.txt")
    }
    # MAML help from docs/cmdlets, checked against the staged cmdlets (in a fresh pwsh: the module is imported there).
    Invoke-Native $PwshHost ($PwshArgs + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'tools/New-MamlHelp.ps1'),
        '-ModulePath', (Join-Path $ModuleOut 'PorterStorage.psd1'), '-DocsPath', (Join-Path $RepoRoot 'docs/cmdlets'),
        '-OutFile', (Join-Path $help 'PorterStorage.dll-Help.xml')))

    $expected = @(
        'PorterStorage.psd1'
        'LICENSE'
        'PorterStorage.dll'
        'PorterStorage.format.ps1xml'
        'en-US/about_PorterStorage.help.txt'
        'en-US/about_PorterStorage_Runbooks.help.txt'
        'en-US/PorterStorage.dll-Help.xml'
        'Dependencies/PorterStorage.Core.dll'
        'Dependencies/Tomlyn.dll'
        'Dependencies/YamlDotNet.dll'
        'Dependencies/System.Text.Json.dll'
    )
    $missing = $expected | Where-Object { -not (Test-Path (Join-Path $ModuleOut $_)) }
    if ($missing) { throw "The staged module lacks: $($missing -join ', ')" }
    foreach ($forbidden in 'System.Management.Automation.dll', 'PorterStorage.Core.dll') {
        if (Test-Path (Join-Path $ModuleOut $forbidden)) { throw "The module root must not hold $forbidden." }
    }
    # One build for Windows PowerShell 5.1 and PowerShell 7: every shipped assembly of ours targets netstandard2.0.
    foreach ($ours in (Join-Path $ModuleOut 'PorterStorage.dll'), (Join-Path $ModuleOut 'Dependencies/PorterStorage.Core.dll')) {
        $framework = Get-TargetFramework $ours
        if ($framework -ne '.NETStandard,Version=v2.0') { throw "$ours targets '$framework', not .NETStandard,Version=v2.0." }
        $fileVersion = [Diagnostics.FileVersionInfo]::GetVersionInfo($ours).FileVersion
        if ($fileVersion -ne "$version.0") { throw "$ours is version $fileVersion, not the manifest's $version." }
    }
    $manifest = Test-ModuleManifest (Join-Path $ModuleOut 'PorterStorage.psd1') -ErrorAction Stop
    Write-Host "Staged $($manifest.Name) $($manifest.Version) at $ModuleOut"
}

function Get-TrxCounts {
    param([string] $Path)
    [xml] $trx = Get-Content -Raw $Path
    $c = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Skipped = [int]$c.notExecuted }
}

function Invoke-Package {
    $packages = New-ModulePackage -ModulePath $ModuleOut -OutputPath $PackageOut
    Write-Host "Packaged PorterStorage $($packages.Version): $($packages.Gallery), $($packages.Automation)"
}

function Invoke-Test {
    $script:TreeBefore = Get-WorkTreeChange $RepoRoot
    Invoke-Build
    Invoke-Package
    if (Test-Path $TestOut) { Remove-Item $TestOut -Recurse -Force }
    New-Item -ItemType Directory -Path $TestOut -Force | Out-Null

    # The cmdlet layer and the engine must also compile against .NET Framework 4.7.2 (Windows PowerShell 5.1).
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'tests/compat/Cmdlets/PorterStorage.Net472.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet')
    Write-Host 'The cmdlet layer and the engine compile for net472.'

    # Test-only tools: Pester and the older assemblies the isolation test preloads.
    Invoke-Native dotnet @('restore', (Join-Path $RepoRoot 'tests/pester/PesterTools.csproj'), '--nologo', '-v', 'quiet')
    $packages = Get-NuGetPackageRoot
    # The .NET 8 host that proves the core loads on PowerShell 7.4's runtime.
    Invoke-Native dotnet @('publish', (Join-Path $RepoRoot 'tests/isolation/Net8Harness/Net8Harness.csproj'), '-c', $Configuration,
        '-o', (Join-Path $TestOut 'net8-harness'), '--nologo', '-v', 'quiet')

    $env:PORTERSTORAGE_CHROMIUM = Install-Chromium

    # Azurite, the real Azure Blob and Table endpoints for the Azure suites: two accounts on one 127.0.0.1 port per service;
    # each connection string names both endpoints.
    . (Join-Path $RepoRoot 'tests/Azurite.ps1')
    $azurite = Start-PorterAzurite -WithTable
    $env:PORTERSTORAGE_AZURITE_ENDPOINT = $azurite.Endpoint
    $env:PORTERSTORAGE_AZURITE_CS1 = $azurite.ConnectionStrings['devstoreaccount1']
    $env:PORTERSTORAGE_AZURITE_CS2 = $azurite.ConnectionStrings['destaccount']
    $env:PORTERSTORAGE_AZURITE_CS3 = $azurite.ConnectionStrings['tablestore']
    try {
        $ok = Invoke-TestSuites
    }
    finally {
        Stop-PorterAzurite $azurite
    }
    if (-not $ok) { exit 1 }
}

function Invoke-TestSuites {
    $packages = Get-NuGetPackageRoot
    $unit = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    if (-not $PesterFile) {
        $unitTrx = Join-Path $TestOut 'unit.trx'
        # coverlet.msbuild instruments PorterStorage.Core for this run and writes its report to out/test/coverage/xunit.json.
        & dotnet test (Join-Path $RepoRoot 'tests/unit/PorterStorage.Tests.csproj') -c $Configuration --nologo `
            --logger "trx;LogFileName=$unitTrx" --logger 'console;verbosity=minimal' `
            -p:CollectCoverage=true "-p:Include=$CoverageFilter" "-p:CoverletOutput=$(Join-Path $CoverageOut 'xunit')" -p:CoverletOutputFormat=json%2ccobertura | Out-Host
        $unit = if (Test-Path $unitTrx) { Get-TrxCounts $unitTrx } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    }
    Write-Host "xunit: $($unit.Passed) passed, $($unit.Failed) failed, $($unit.Skipped) skipped"

    $pesterJson = Join-Path $TestOut 'pester.json'
    $runner = Join-Path $RepoRoot 'tests/pester/Invoke-PesterSuite.ps1'
    $pesterArgs = $PwshArgs + @('-NoProfile', '-NonInteractive', '-File', $runner, '-ModuleRoot', $OutRoot,
        '-PesterManifest', (Join-Path $packages 'pester/5.7.1/tools/Pester.psd1'), '-PackageRoot', $packages,
        '-Harness', (Join-Path $TestOut "net8-harness/Net8Harness"), '-ResultPath', $pesterJson, '-Filter', "$PesterFile")
    $coverage = Invoke-CoveredPester $pesterArgs
    if (-not (Test-Path $pesterJson)) {
        # The instrumentation did not get as far as starting Pester: run it as it is, without coverage.
        & $PwshHost @pesterArgs | Out-Host
    }
    $pester = if (Test-Path $pesterJson) { Get-Content -Raw $pesterJson | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    Write-Host "Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"

    $fuzz = [pscustomobject]@{ Passed = 0; Failed = 0 }
    if (-not $PesterFile) {
        $fuzz = Invoke-FuzzSmoke
    }

    Write-CoverageSummary $coverage

    # The run leaves the clone as it found it: no tracked file rewritten (a lock file), nothing new outside what git ignores.
    $tree = [pscustomobject]@{ Passed = 0; Failed = 0 }
    if ($null -ne $script:TreeBefore -and $null -ne ($after = Get-WorkTreeChange $RepoRoot)) {
        $new = @($after | Where-Object { $_ -notin $script:TreeBefore })
        if ($new) { Write-Host "The test command changed the clone:`n  $($new -join "`n  ")"; $tree.Failed = 1 } else { $tree.Passed = 1 }
    }

    $passed = $unit.Passed + $pester.Passed + $fuzz.Passed + $tree.Passed
    $failed = $unit.Failed + $pester.Failed + $fuzz.Failed + $tree.Failed
    $skipped = $unit.Skipped + $pester.Skipped
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Host $line
    return ($failed -eq 0 -and $passed -gt 0)
}

$CoverageOut = Join-Path $TestOut 'coverage'
$CoverageFilter = '[PorterStorage.Core]*'

# Runs the Pester suite (pwsh with these arguments) under coverlet: tests/coverage/PesterCoverage.csproj instruments the
# staged Dependencies/PorterStorage.Core.dll in place, runs the suite, merges its hits with the xunit run's and writes
# out/test/coverage/coverage.json and coverage.cobertura.xml. Returns the best report there is (the merged one, else the
# xunit run's, else nothing); a coverage failure never fails the tests.
function Invoke-CoveredPester {
    param([string[]] $Arguments)
    $xunitReport = Join-Path $CoverageOut 'xunit.json'
    $merged = Join-Path $CoverageOut 'coverage.json'
    $staged = Join-Path $ModuleOut 'Dependencies/PorterStorage.Core.dll'
    $quote = if ($IsWindows) { { '"' + $args[0] + '"' } } else { { "'" + ($args[0] -replace "'", "'\''") + "'" } }
    $env:PORTERSTORAGE_COVERAGE_COMMAND = (@($PwshHost) + $Arguments | ForEach-Object { & $quote $_ }) -join ' '
    $msbuild = @('msbuild', (Join-Path $RepoRoot 'tests/coverage/PesterCoverage.csproj'), '-t:CoverPester', '-nologo', '-v:m',
        '-tl:off', '-m:1', '-nodeReuse:false', "-p:CoreAssembly=$staged", "-p:CoverletOutput=$([IO.Path]::TrimEndingDirectorySeparator($CoverageOut))$([IO.Path]::DirectorySeparatorChar)")
    if (Test-Path $xunitReport) { $msbuild += "-p:MergeWith=$xunitReport" }
    try {
        & dotnet restore (Join-Path $RepoRoot 'tests/coverage/PesterCoverage.csproj') --nologo -v quiet | Out-Host
        & dotnet @msbuild | Out-Host
        if ($LASTEXITCODE -ne 0) { Write-Host "Coverage of the Pester run failed (dotnet msbuild exit code $LASTEXITCODE)." }
    }
    finally {
        Remove-Item Env:PORTERSTORAGE_COVERAGE_COMMAND -ErrorAction SilentlyContinue
        # The staged module goes back to the assembly the build made, whatever happened above.
        $built = Join-Path $RepoRoot "src/PorterStorage/PorterStorage.Core/bin/$Configuration/netstandard2.0/PorterStorage.Core.dll"
        try { Copy-Item $built $staged -Force } catch { Write-Host "Could not put the built PorterStorage.Core.dll back in the staged module: $_" }
    }
    if (Test-Path $merged) { return [pscustomobject]@{ Path = $merged; Runs = if (Test-Path $xunitReport) { 'xunit and Pester' } else { 'Pester' } } }
    if (Test-Path $xunitReport) { return [pscustomobject]@{ Path = $xunitReport; Runs = 'xunit only' } }
    $null
}

# Prints the core assembly's line and branch coverage from a coverlet JSON report, overall and per top-level folder of
# src/PorterStorage/PorterStorage.Core (one folder per namespace), counted as coverlet counts them (per method).
function Write-CoverageSummary {
    param([object] $Coverage)
    if (-not $Coverage) { Write-Host 'Coverage (PorterStorage.Core): not measured (no coverlet report).'; return }
    $report = Get-Content -Raw $Coverage.Path | ConvertFrom-Json -AsHashtable
    $folders = [ordered]@{}
    $total = [pscustomobject]@{ Lines = 0; LinesHit = 0; Branches = 0; BranchesHit = 0 }
    foreach ($module in $report.Values) {
        foreach ($file in $module.Keys) {
            $folder = if ($file -match '[\\/]PorterStorage\.Core[\\/]([^\\/]+)[\\/]') { $Matches[1] } else { '(root)' }
            if (-not $folders.Contains($folder)) { $folders[$folder] = [pscustomobject]@{ Lines = 0; LinesHit = 0; Branches = 0; BranchesHit = 0 } }
            foreach ($class in $module[$file].Values) {
                foreach ($method in $class.Values) {
                    $lines = @($method['Lines'].Values)
                    $branches = @($method['Branches'])
                    foreach ($counts in $folders[$folder], $total) {
                        $counts.Lines += $lines.Count
                        $counts.LinesHit += @($lines | Where-Object { $_ -gt 0 }).Count
                        $counts.Branches += $branches.Count
                        $counts.BranchesHit += @($branches | Where-Object { $_['Hits'] -gt 0 }).Count
                    }
                }
            }
        }
    }
    $percent = { param($hit, $all) if ($all -eq 0) { 'n/a' } else { '{0:0.0}%' -f (100.0 * $hit / $all) } }
    Write-Host ("Coverage (PorterStorage.Core): lines {0}, branches {1} ({2}; report {3})" -f (& $percent $total.LinesHit $total.Lines),
        (& $percent $total.BranchesHit $total.Branches), $Coverage.Runs, [IO.Path]::GetRelativePath($RepoRoot, [IO.Path]::ChangeExtension($Coverage.Path, '.cobertura.xml')))
    foreach ($name in @($folders.Keys | Sort-Object)) {
        $c = $folders[$name]
        Write-Host ("  {0,-10} lines {1,6} ({2}/{3}), branches {4,6} ({5}/{6})" -f $name, (& $percent $c.LinesHit $c.Lines), $c.LinesHit, $c.Lines,
            (& $percent $c.BranchesHit $c.Branches), $c.BranchesHit, $c.Branches)
    }
}

$FuzzProject = Join-Path $RepoRoot 'tests/fuzz/PorterStorage.Fuzz.csproj'
$FuzzCorpus = Join-Path $RepoRoot 'tests/fuzz/corpus'

# The bounded fuzz run of the test command: every target in-process for a few seconds (corpus replay, then random
# mutations); one test per target in the closing line. Well under 90 seconds.
function Invoke-FuzzSmoke {
    param([double] $SecondsPerTarget = 4)
    $bin = Join-Path $OutRoot 'fuzz/smoke'
    # The same mutations on every run of the test command; build.ps1 Fuzz and PORTERSTORAGE_FUZZ_SEED explore others.
    if (-not $env:PORTERSTORAGE_FUZZ_SEED) { $env:PORTERSTORAGE_FUZZ_SEED = '20261130' }
    Invoke-Native dotnet @('build', $FuzzProject, '-c', $Configuration, '-o', $bin, '--nologo', '-v', 'quiet') | Out-Host
    $output = & dotnet (Join-Path $bin 'PorterStorage.Fuzz.dll') smoke $SecondsPerTarget $FuzzCorpus (Join-Path $OutRoot 'fuzz/smoke-findings')
    $output | Out-Host
    $summary = $output | Where-Object { $_ -match '^fuzz: (\d+) passed, (\d+) failed$' } | Select-Object -Last 1
    if (-not $summary) { return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    $null = $summary -match '^fuzz: (\d+) passed, (\d+) failed$'
    Write-Host "fuzz smoke: $($Matches[1]) passed, $($Matches[2]) failed"
    [pscustomobject]@{ Passed = [int]$Matches[1]; Failed = [int]$Matches[2] }
}

# Headless Chromium, which renders the migration report in a test (Debian's chromium, with apt-get when it is missing).
function Install-Chromium {
    foreach ($name in 'chromium', 'chromium-browser') {
        $found = Get-Command $name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($found) { return $found.Source }
    }
    if (-not (Get-Command apt-get -ErrorAction SilentlyContinue)) { return $null }
    Write-Host 'Installing Chromium (apt-get install chromium)...'
    & apt-get install -y -qq chromium *> $null
    if ($LASTEXITCODE -ne 0) { & apt-get update -qq *> $null; & apt-get install -y -qq chromium *> $null }
    $found = Get-Command chromium -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($found) { $found.Source } else { $null }
}

function Install-Afl {
    if (Get-Command afl-fuzz -ErrorAction SilentlyContinue) { return $true }
    if (-not (Get-Command apt-get -ErrorAction SilentlyContinue)) { return $false }
    Write-Host 'Installing AFL++ (apt-get install afl++)...'
    & apt-get update -qq | Out-Null
    & apt-get install -y -qq afl++ | Out-Null
    return [bool](Get-Command afl-fuzz -ErrorAction SilentlyContinue)
}

function Invoke-Fuzz {
    $fuzzOut = Join-Path $OutRoot 'fuzz'
    $bin = Join-Path $fuzzOut 'bin'
    # A fresh copy each run: SharpFuzz refuses an assembly it already instrumented.
    if (Test-Path $bin) { Remove-Item $bin -Recurse -Force }
    Invoke-Native dotnet @('publish', $FuzzProject, '-c', 'Release', '-o', $bin, '--nologo', '-v', 'quiet')
    $fuzzDll = Join-Path $bin 'PorterStorage.Fuzz.dll'
    $targets = & dotnet $fuzzDll targets
    if (-not (Install-Afl)) {
        Write-Warning 'afl-fuzz is not available; fuzzing in-process instead.'
        & dotnet $fuzzDll smoke $Seconds $FuzzCorpus (Join-Path $fuzzOut 'findings') | Out-Host
        if ($LASTEXITCODE -ne 0) { exit 1 }
        Invoke-LongPropertyRun
        return
    }
    # SharpFuzz instruments the engine so AFL++ sees which branches an input reaches.
    Invoke-Native dotnet @('tool', 'restore')
    Push-Location $RepoRoot
    try { Invoke-Native dotnet @('tool', 'run', 'sharpfuzz', (Join-Path $bin 'PorterStorage.Core.dll')) } finally { Pop-Location }

    $env:AFL_SKIP_BIN_CHECK = '1'; $env:AFL_SKIP_CPUFREQ = '1'; $env:AFL_NO_UI = '1'
    $env:AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES = '1'; $env:AFL_NO_AFFINITY = '1'
    $crashes = 0
    foreach ($target in $targets) {
        $out = Join-Path $fuzzOut $target
        if (Test-Path $out) { Remove-Item $out -Recurse -Force }
        & afl-fuzz -V $Seconds -i (Join-Path $FuzzCorpus $target) -o $out -t 5000 -m none -- dotnet $fuzzDll afl $target > (Join-Path $fuzzOut "$target.log") 2>&1
        $stats = Join-Path $out 'default/fuzzer_stats'
        if (-not (Test-Path $stats)) { Write-Host "${target}: afl-fuzz did not start (see $fuzzOut/$target.log)"; $crashes++; continue }
        $values = @{}
        foreach ($line in Get-Content $stats) { if ($line -match '^(\w+)\s*:\s*(.*)$') { $values[$Matches[1]] = $Matches[2].Trim() } }
        $found = [int]$values['saved_crashes'] + [int]$values['saved_hangs']
        $crashes += $found
        Write-Host ("{0}: {1} executions in {2}s ({3}/s), {4} crash(es) or hang(s)" -f $target, $values['execs_done'], $Seconds, $values['execs_per_sec'], $found)
    }
    if ($crashes -gt 0) {
        Write-Host "Fuzz: $crashes finding(s) under $fuzzOut/<target>/default/crashes and hangs; add each to tests/fuzz/crashes/<target>-N.bin."
        exit 1
    }
    Write-Host 'Fuzz: no crash.'
    Invoke-LongPropertyRun
}

# The invariant's property tests over many more generated homes than the test command's fixed 250, from a fresh seed
# (a failure prints the seed that replays it: CsCheck_Seed=<seed>).
function Invoke-LongPropertyRun {
    $env:PORTERSTORAGE_PROPERTY_SEED = 'random'
    $env:PORTERSTORAGE_PROPERTY_ITER = [string]([Math]::Max(1000, $Seconds * 50))
    try {
        Write-Host "Property tests: $($env:PORTERSTORAGE_PROPERTY_ITER) generated homes from a fresh seed."
        & dotnet test (Join-Path $RepoRoot 'tests/unit/PorterStorage.Tests.csproj') -c $Configuration --nologo --filter 'FullyQualifiedName~Properties' --logger 'console;verbosity=minimal' | Out-Host
        if ($LASTEXITCODE -ne 0) { exit 1 }
    }
    finally {
        Remove-Item Env:PORTERSTORAGE_PROPERTY_SEED, Env:PORTERSTORAGE_PROPERTY_ITER -ErrorAction SilentlyContinue
    }
}

function Invoke-Demo {
    Invoke-Build
    . (Join-Path $RepoRoot 'tests/Azurite.ps1')
    $azurite = Start-PorterAzurite -WithTable
    try {
        & $PwshHost @PwshArgs -NoProfile -NonInteractive -File (Join-Path $RepoRoot 'examples/demo.ps1') -ModuleRoot $OutRoot `
            -SourceConnectionString $azurite.ConnectionStrings['devstoreaccount1'] -DestinationConnectionString $azurite.ConnectionStrings['destaccount'] `
            -TableConnectionString $azurite.ConnectionStrings['tablestore'] | Out-Host
        $code = $LASTEXITCODE
    }
    finally {
        Stop-PorterAzurite $azurite
    }
    if ($code -ne 0) { exit $code }
}

# azcopy 10.32 for the benchmark's P7 baseline: the npm package ships the Linux binary, which needs Debian's libsecret-1-0.
# Returns the binary's path, or $null (with the reason printed) where it cannot be had.
function Install-Azcopy {
    if (-not $IsLinux) { Write-Host 'azcopy: the benchmark installs it on Linux only.'; return $null }
    $prefix = Join-Path $OutRoot 'tools/azcopy'
    $binary = Join-Path $prefix 'node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64'
    if (-not (Test-Path $binary)) {
        New-Item -ItemType Directory -Path $prefix -Force | Out-Null
        & npm install --no-audit --no-fund --loglevel=error --prefix $prefix '@azure-tools/azcopy-linux@10.32.2' | Out-Host
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path $binary)) { Write-Host 'azcopy: npm install failed.'; return $null }
    }
    & chmod +x $binary
    & $binary --version *> $null
    if ($LASTEXITCODE -ne 0 -and (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        Write-Host 'Installing libsecret-1-0 for azcopy (apt-get)...'
        & apt-get install -y -qq libsecret-1-0 *> $null
        if ($LASTEXITCODE -ne 0) { & apt-get update -qq *> $null; & apt-get install -y -qq libsecret-1-0 *> $null }
        & $binary --version *> $null
    }
    if ($LASTEXITCODE -ne 0) { Write-Host 'azcopy: the binary does not run here (libsecret-1-0 missing?).'; return $null }
    $binary
}

function Invoke-Bench {
    Invoke-Build
    $baselineOut = Join-Path $OutRoot 'bench-baseline'
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'bench/Baseline/Baseline.csproj'), '-c', 'Release', '-o', $baselineOut, '--nologo', '-v', 'quiet')
    . (Join-Path $RepoRoot 'tests/Azurite.ps1')
    $null = Install-Azurite
    $azcopy = Install-Azcopy
    $arguments = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'bench/Invoke-Benchmark.ps1'), '-ModuleRoot', $OutRoot,
        '-Baseline', (Join-Path $baselineOut 'Baseline.dll'))
    if ($azcopy) { $arguments += '-Azcopy', $azcopy }
    if ($Quick) { $arguments += '-Quick' } else { $arguments += '-ResultsPath', (Join-Path $RepoRoot 'bench/RESULTS.md') }
    & $PwshHost @PwshArgs @arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Package' { Invoke-Build; Invoke-Package }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Fuzz' { Invoke-Fuzz }
}
