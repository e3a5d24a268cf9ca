BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Test-PorterStorage' {
    It 'declares both output types' {
        $types = (Get-Command Test-PorterStorage).OutputType.Name
        $types | Should -Contain 'PorterStorage.PorterStorageVerification'
        $types | Should -Contain 'System.Boolean'
    }

    It 'accepts a real v0.38 home, warning about its non-ULID IDs' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'current') -Kind Current).FullName
        $v = Test-PorterStorage -Path $h
        $v.IsValid | Should -BeTrue
        $v.Installations | Should -Be 4
        $v.Findings.Code | Should -Contain 'InvalidUlid'
        Test-PorterStorage -Path $h -Quiet | Should -BeExactly $true
    }

    It 'names what is wrong with a legacy or damaged home' {
        $legacy = (New-PorterSampleHome -Path (Join-Path $TestDrive 'legacy') -Kind Legacy).FullName
        $codes = (Test-PorterStorage -Path $legacy).Findings.Code
        $codes | Should -Contain 'SchemaMissing'
        $codes | Should -Contain 'LegacyClaim'
        Test-PorterStorage -Path $legacy -Quiet | Should -BeExactly $false

        $damaged = (New-PorterSampleHome -Path (Join-Path $TestDrive 'damaged') -Kind Current).FullName
        Remove-Item -Recurse (Join-Path $damaged 'claims/hello1')
        Set-Content (Join-Path $damaged 'installations/ghost') ''
        $codes = (Test-PorterStorage -Path $damaged).Findings.Code
        $codes | Should -Contain 'IndexWithoutClaims'
        $codes | Should -Contain 'ResultWithoutClaim'
    }

    It 'warns of every set Porter will not see because it is only YAML, naming each file, and keeps the home valid' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'yaml-only') -Kind Current).FullName
        $files = 'credentials/old.yaml', 'credentials/other.yml', 'parameters/params.yaml' | ForEach-Object {
            $f = Join-Path $h $_
            New-Item -ItemType Directory -Force -Path (Split-Path $f) | Out-Null
            Set-Content -LiteralPath $f -Value 'name: x' -NoNewline
            if (-not $IsWindows) { [IO.File]::SetUnixFileMode($f, [IO.UnixFileMode]'UserRead, UserWrite') } # no FilePermissions error
            $f
        }
        $v = Test-PorterStorage -Path $h
        $v.IsValid | Should -BeTrue -Because ($v.Findings -join '; ')
        $warned = @($v.Findings | Where-Object Code -eq 'YamlOnlySet')
        ($warned.Path | Sort-Object) | Should -Be ($files | Sort-Object)
        $warned.Severity | Sort-Object -Unique | Should -Be 'Warning'
    }

    It 'reports a missing home (HomeNotFound)' {
        { Test-PorterStorage -Path (Join-Path $TestDrive 'none') -ErrorAction Stop } |
            Should -Throw -ErrorId 'HomeNotFound,PorterStorage.Commands.TestPorterStorageCommand'
    }
}
