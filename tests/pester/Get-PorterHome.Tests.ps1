BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Get-PorterHome' {
    BeforeAll {
        $legacy = (New-PorterSampleHome -Path (Join-Path $TestDrive 'legacy') -Kind Legacy).FullName
        $current = (New-PorterSampleHome -Path (Join-Path $TestDrive 'current') -Kind Current).FullName
    }
    AfterEach {
        Remove-Item Env:PORTER_HOME -ErrorAction SilentlyContinue
    }

    It 'declares its output type' {
        (Get-Command Get-PorterHome).OutputType.Name | Should -Contain 'PorterStorage.PorterHome'
    }

    It 'describes a legacy home: layout, counts, storage, problems' {
        $h = Get-PorterHome -Path $legacy
        $h.Path | Should -Be $legacy
        $h.Exists | Should -BeTrue
        $h.Layout | Should -Be 'Legacy'
        $h.Items.LegacyClaims | Should -Be 2
        $h.Items.YamlCredentials | Should -Be 1
        $h.Storage.Plugin | Should -Be 'filesystem'
        $h.ConfigPath | Should -Be (Join-Path $legacy 'config.toml')
        $h.Schema.State | Should -Be 'Missing'
        $h.Problems.Code | Should -Contain 'FilePermissions'
        $h.Problems.Code | Should -Contain 'YamlOnlyCredential'
        $h.SizeBytes | Should -BeGreaterThan 0
    }

    It 'describes a current home' {
        $h = Get-PorterHome -LiteralPath $current
        $h.Layout | Should -Be 'Current'
        $h.Schema.State | Should -Be 'Current'
        $h.Problems | Should -BeNullOrEmpty
    }

    It 'uses PORTER_HOME when no path is given' {
        $env:PORTER_HOME = $current
        $h = Get-PorterHome
        $h.Path | Should -Be $current
        $h.ResolvedFrom | Should -Be 'PORTER_HOME'
    }

    It 'resolves a relative PORTER_HOME against the current location' {
        Push-Location $TestDrive
        try {
            $env:PORTER_HOME = 'legacy'
            (Get-PorterHome).Path | Should -Be $legacy
        }
        finally { Pop-Location }
    }

    It 'falls back to ~/.porter' {
        $h = Get-PorterHome
        $h.Path | Should -Be (Join-Path ([Environment]::GetFolderPath('UserProfile')) '.porter')
        $h.ResolvedFrom | Should -Be 'UserHome'
    }

    It 'reports a missing home without an error' {
        $h = Get-PorterHome -Path (Join-Path $TestDrive 'nothing-here') -ErrorAction Stop
        $h.Exists | Should -BeFalse
        $h.Layout | Should -Be 'Empty'
    }

    It 'takes paths from the pipeline, by value and by property name' {
        ($legacy, $current | Get-PorterHome).Path | Should -Be @($legacy, $current)
        ([pscustomobject]@{ HomePath = $current } | Get-PorterHome).Path | Should -Be $current
        ([pscustomobject]@{ Path = $legacy } | Get-PorterHome).Path | Should -Be $legacy
        (Get-Item $current | Get-PorterHome).Path | Should -Be $current
    }

    It 'expands wildcards in -Path but not in -LiteralPath' {
        (Get-PorterHome -Path (Join-Path $TestDrive 'c*')).Path | Should -Be $current
        (Get-PorterHome -LiteralPath (Join-Path $TestDrive 'c*')).Exists | Should -BeFalse
    }

    It 'acts on every match of a wildcard and every path of an array; piped homes bind literally (a home named c[1])' {
        $root = Join-Path $TestDrive 'bracket-homes'
        $names = 'a', 'b', 'c[1]'
        foreach ($n in $names) { $null = New-PorterSampleHome -Path (Join-Path $root $n) -Kind Current }
        Set-Content -LiteralPath (Join-Path $root 'README.txt') -Value 'not a home'
        # a pattern acts on folders only: the file beside the homes is not one
        (Get-PorterHome -Path (Join-Path $root '*')).Count | Should -Be 3
        { Get-PorterHome -Path (Join-Path $root '*.txt') -ErrorAction Stop } | Should -Throw -ErrorId 'HomeNotFound,PorterStorage.Commands.GetPorterHomeCommand'
        (Get-PorterHome -Path (Join-Path $root 'a'), (Join-Path $root 'b')).Path | Should -Be @((Join-Path $root 'a'), (Join-Path $root 'b'))
        # The README's pipeline: every home found is checked, the one whose name looks like a pattern too.
        $checked = Get-PorterHome -Path (Join-Path $root '*') | Test-PorterSchema -ErrorAction Stop
        $checked.Count | Should -Be 3
        ($checked | Where-Object { $_.HomePath -like '*c`[1`]' }) | Should -Not -BeNullOrEmpty
        (Get-PorterHome -Path (Join-Path $root '*') | Test-PorterStorage -ErrorAction Stop).Count | Should -Be 3
        (Get-PorterHome -Path (Join-Path $root '*') | Get-PorterConfig -ErrorAction Stop).Count | Should -Be 3
        (Get-PorterHome -Path (Join-Path $root '*') | Get-PorterMigrationPlan -ErrorAction Stop).Count | Should -Be 3
        (Get-PorterHome -LiteralPath (Join-Path $root 'c[1]') | Get-PorterHome).Exists | Should -BeTrue
        # -LiteralPath never globs: 'c[1]' is the folder, not 'c1'.
        (Get-PorterHome -LiteralPath (Join-Path $root 'c[1]')).Exists | Should -BeTrue
    }

    It 'names an unmatched wildcard with HomeNotFound' {
        { Get-PorterHome -Path (Join-Path $TestDrive 'zz*') -ErrorAction Stop } | Should -Throw -ErrorId 'HomeNotFound,PorterStorage.Commands.GetPorterHomeCommand'
    }

    It 'rejects a path outside the file system with HomePathInvalid' {
        { Get-PorterHome -Path 'Env:\PATH' -ErrorAction Stop } | Should -Throw -ErrorId 'HomePathInvalid,PorterStorage.Commands.GetPorterHomeCommand'
    }

    It 'keeps a broken config as a problem, not an error' {
        $broken = (New-PorterSampleHome -Path (Join-Path $TestDrive 'broken') -Kind Current).FullName
        Set-Content -LiteralPath (Join-Path $broken 'config.toml') -Value 'x = = 1'
        $h = Get-PorterHome -Path $broken -ErrorAction Stop
        $h.Problems.Code | Should -Contain 'ConfigUnreadable'
        $h.Config | Should -BeNullOrEmpty
    }

    It 'has a default table view' {
        (Get-FormatData -TypeName PorterStorage.PorterHome).FormatViewDefinition[0].Control |
            Should -BeOfType System.Management.Automation.TableControl
        $text = Get-PorterHome -Path $legacy | Out-String -Width 250
        $text | Should -Match 'Layout'
        $text | Should -Match 'Legacy'
    }
}
