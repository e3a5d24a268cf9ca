# Runs the Pester suite against the staged module in this (fresh) pwsh process and writes the counts
# as JSON for build.ps1. Started by 'build.ps1 Test'.
param(
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $PackageRoot,
    [Parameter(Mandatory)] [string] $Harness,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Filter
)
$ErrorActionPreference = 'Stop'

# The staged module comes first, so 'Import-Module PorterStorage' finds it and nothing else.
$env:PSModulePath = $ModuleRoot + [IO.Path]::PathSeparator + $env:PSModulePath
$env:PORTERSTORAGE_PACKAGES = $PackageRoot
$env:PORTERSTORAGE_HARNESS = $Harness
$env:PORTERSTORAGE_MODULE = Join-Path $ModuleRoot 'PorterStorage'

Import-Module $PesterManifest -Force
$config = New-PesterConfiguration
$config.Run.Path = if ($Filter) { @(Get-ChildItem -Path $PSScriptRoot -Filter *.Tests.ps1 | Where-Object Name -like "$Filter.Tests.ps1" | ForEach-Object FullName) } else { $PSScriptRoot }
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $config

[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -LiteralPath $ResultPath
