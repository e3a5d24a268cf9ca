BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Test-PorterSchema' {
    BeforeAll {
        $legacy = (New-PorterSampleHome -Path (Join-Path $TestDrive 'legacy') -Kind Legacy).FullName
        $current = (New-PorterSampleHome -Path (Join-Path $TestDrive 'current') -Kind Current).FullName
        $mixed = (New-PorterSampleHome -Path (Join-Path $TestDrive 'mixed') -Kind Mixed).FullName
    }

    It 'declares both output types' {
        $types = (Get-Command Test-PorterSchema).OutputType.Name
        $types | Should -Contain 'PorterStorage.PorterSchemaStatus'
        $types | Should -Contain 'System.Boolean'
    }

    It 'finds a legacy home needing migration' {
        $s = Test-PorterSchema -Path $legacy
        $s.MigrationRequired | Should -BeTrue
        $s.State | Should -Be 'Missing'
        $s.SchemaExists | Should -BeFalse
        $s.Subsystems.Name | Should -Be @('claims', 'credentials', 'parameters')
        $s.Subsystems.Expected | Should -Contain 'cnab-claim-1.0.0-DRAFT+b5ed2f3'
    }

    It 'finds a current home needing nothing' {
        $s = Test-PorterSchema -Path $current
        $s.MigrationRequired | Should -BeFalse
        $s.State | Should -Be 'Current'
    }

    It 'names the partly migrated home Porter gets stuck on' {
        (Test-PorterSchema -Path $mixed).State | Should -Be 'MissingMixedLayout'
    }

    It 'names the current layout whose schema.json was lost (E1)' {
        $lost = (New-PorterSampleHome -Path (Join-Path $TestDrive 'lost') -Kind Current).FullName
        Remove-Item (Join-Path $lost 'schema.json')
        $s = Test-PorterSchema -Path $lost
        $s.State | Should -Be 'MissingCurrentLayout'
        $s.MigrationRequired | Should -BeTrue
        $s.Reason | Should -Match 'already in the current layout'
    }

    It 'returns only a bool with -Quiet' {
        Test-PorterSchema -Path $current -Quiet | Should -BeExactly $true
        Test-PorterSchema -Path $legacy -Quiet | Should -BeExactly $false
    }

    It 'treats an empty home as needing nothing and never writes schema.json' {
        $empty = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'empty')).FullName
        Test-PorterSchema -Path $empty -Quiet | Should -BeTrue
        Get-ChildItem -LiteralPath $empty -Force | Should -BeNullOrEmpty
    }

    It 'reports a corrupt schema.json with SchemaParseError and the path' {
        $bad = (New-PorterSampleHome -Path (Join-Path $TestDrive 'bad') -Kind Current).FullName
        Set-Content -LiteralPath (Join-Path $bad 'schema.json') -Value '{"claims":'
        $err = $null
        Test-PorterSchema -Path $bad -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'SchemaParseError,PorterStorage.Commands.TestPorterSchemaCommand'
        $err[0].TargetObject | Should -Be (Join-Path $bad 'schema.json')
        { Test-PorterSchema -Path $bad -ErrorAction Stop } | Should -Throw -ErrorId 'SchemaParseError,PorterStorage.Commands.TestPorterSchemaCommand'
        Test-PorterSchema -Path $bad -Quiet -ErrorAction SilentlyContinue | Should -BeExactly $false
    }

    It 'reports a missing home with HomeNotFound' {
        { Test-PorterSchema -Path (Join-Path $TestDrive 'none') -ErrorAction Stop } | Should -Throw -ErrorId 'HomeNotFound,PorterStorage.Commands.TestPorterSchemaCommand'
    }

    It 'binds homes from Get-PorterHome on the pipeline' {
        $states = Get-PorterHome -Path $legacy, $current | Test-PorterSchema
        $states.State | Should -Be @('Missing', 'Current')
        $states.HomePath | Should -Be @($legacy, $current)
    }

    It 'has a default table view' {
        (Get-FormatData -TypeName PorterStorage.PorterSchemaStatus).FormatViewDefinition[0].Control |
            Should -BeOfType System.Management.Automation.TableControl
    }
}

Describe 'Test-PorterSchema of a container given directly' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
    }

    It 'takes a container from Get-PorterAzureStorage on the pipeline and reads its schema blob' {
        $current = New-SeededContainer -Installations 2
        $s = $current | Test-PorterSchema
        $s.State | Should -Be 'Current'
        $s.MigrationRequired | Should -BeFalse
        $s.StorageLocation | Should -Match "/devstoreaccount1/$([regex]::Escape($current.Container))$"
        $current | Test-PorterSchema -Quiet | Should -BeTrue
    }

    It 'tells a partly legacy container without schema blob apart, by -Storage too' {
        $mixed = New-SeededContainer -Installations 2 -Legacy -NoSchema
        $s = Test-PorterSchema -Storage $mixed
        $s.State | Should -Be 'MissingMixedLayout'
        $s.MigrationRequired | Should -BeTrue
        Test-PorterSchema -Storage $mixed -Quiet | Should -BeFalse
    }

    It 'names a missing container with the storage error, never as a drive or a home path' {
        $missing = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Container (New-TestContainerName)
        $err = $null
        $missing | Test-PorterSchema -Quiet -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeFalse
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Match ',PorterStorage.Commands.TestPorterSchemaCommand$'
        $err[0].FullyQualifiedErrorId | Should -Not -Match '^(HomeNotFound|HomePathInvalid|DriveNotFound)'
        "$($err[0].TargetObject)" | Should -Be $missing.StoreUri.ToString()
    }
}
