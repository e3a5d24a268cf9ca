# Builds sample Porter homes from Porter's own fixtures (tests/fixtures, Apache-2.0, origin in its README).
# Dot-source it; used by the demo and the Pester tests. It writes only under the -Path it is given.

$script:PorterFixtures = Join-Path $PSScriptRoot 'fixtures'

function Set-SampleMode {
    param([string] $Path, [string] $Mode)
    if (-not $IsWindows) { & chmod $Mode $Path }
}

function Copy-SampleFile {
    param([string] $Fixture, [string] $HomePath, [string] $Relative, [string] $Mode = '644')
    $target = Join-Path $HomePath $Relative
    New-Item -ItemType Directory -Path (Split-Path $target) -Force | Out-Null
    [IO.File]::WriteAllBytes($target, [IO.File]::ReadAllBytes((Join-Path $script:PorterFixtures $Fixture)))
    Set-SampleMode $target $Mode
    $target
}

<#
.SYNOPSIS
    Creates a sample Porter home.
.PARAMETER Kind
    Legacy  - the pre-v0.28 layout as Porter v0.27 left it (0644 files, a YAML-era credential set, a config
              file with two stores and the filesystem plugin in use).
    Current - a real home written by Porter v0.38.10 (schema.json, installations index, split claims).
    Mixed   - Current plus one legacy claim and no schema.json (an interrupted earlier migration).
#>
function New-PorterSampleHome {
    param(
        [Parameter(Mandatory)] [string] $Path,
        [ValidateSet('Legacy', 'Current', 'Mixed')] [string] $Kind = 'Legacy'
    )
    New-Item -ItemType Directory -Path $Path -Force | Out-Null
    $v38 = 'porter-v0.38.9/pkg/storage/testdata'
    if ($Kind -eq 'Legacy') {
        Copy-SampleFile "$v38/claims/has-name.json" $Path 'claims/example-exec-outputs.json' | Out-Null
        Copy-SampleFile "$v38/claims/upgraded.json" $Path 'claims/mybun.json' | Out-Null
        Copy-SampleFile "$v38/credentials/mybun.json" $Path 'credentials/mybun.json' | Out-Null
        Copy-SampleFile 'porter-v0.27.2/pkg/credentials/testdata/mybuns.yaml' $Path 'credentials/mybuns.yaml' | Out-Null
        Copy-SampleFile "$v38/parameters/mybun.json" $Path 'parameters/mybun.json' | Out-Null
        $config = Join-Path $Path 'config.toml'
        Set-Content -LiteralPath $config -NoNewline -Value @"
# Sample Porter config: two stores are defined, none is the default, so the filesystem plugin applies.
[[storage]]
  name = "local"
  plugin = "filesystem"

[[storage]]
  name = "team"
  plugin = "azure.blob"
  [storage.config]
    env = "TEAM_PORTER_STORAGE"
"@
        Set-SampleMode $config '644'
    }
    else {
        $source = Join-Path $script:PorterFixtures 'porter-v1.0.0/tests/testdata/porter_home/v0'
        foreach ($file in Get-ChildItem -LiteralPath $source -Recurse -File) {
            $relative = [IO.Path]::GetRelativePath($source, $file.FullName)
            if ($relative -eq 'README.md') { continue }
            Copy-SampleFile ([IO.Path]::GetRelativePath($script:PorterFixtures, $file.FullName)) $Path $relative '600' | Out-Null
        }
        if ($Kind -eq 'Mixed') {
            Remove-Item -LiteralPath (Join-Path $Path 'schema.json')
            Copy-SampleFile "$v38/claims/upgraded.json" $Path 'claims/mybun.json' '600' | Out-Null
        }
    }
    Get-Item -LiteralPath $Path
}
