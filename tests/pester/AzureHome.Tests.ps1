BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
    function New-AzureHome([string] $Name) {
        $h = New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name) -Force
        Set-Content (Join-Path $h 'config.toml') "default-storage = `"team`"`n[[storage]]`nname = `"team`"`nplugin = `"azure.blob`"`n[storage.config]`nenv = `"TEAM_PORTER_STORAGE`"`n"
        $h.FullName
    }
}

Describe 'Get-PorterHome and Test-PorterSchema on an azure.blob home' {
    AfterEach { Remove-Item Env:TEAM_PORTER_STORAGE -ErrorAction SilentlyContinue }

    It 'read the plugin''s container and its schema blob' {
        New-SeededContainer -Connection $script:SourceConnection -Installations 3 -Name porter | Out-Null
        $h = New-AzureHome 'current'
        $env:TEAM_PORTER_STORAGE = $script:SourceConnection
        $s = Test-PorterSchema -Path $h
        $s.State | Should -Be 'Current'
        $s.SchemaPath | Should -Match '/devstoreaccount1/porter/schema$'
        $s.StorageLocation | Should -Match '/devstoreaccount1/porter$'
        $home1 = Get-PorterHome -Path $h
        $home1.StorageIsLocal | Should -BeFalse
        $home1.AzureStorage.AccountName | Should -Be 'devstoreaccount1'
        $home1.Layout | Should -Be 'Current'
        $home1.Items.Claims | Should -Be 3
        $home1.Items.Installations | Should -Be 3
        $home1.Items.Credentials | Should -Be 1
    }

    It 'tell a partly legacy container without schema blob apart' {
        New-SeededContainer -Connection $script:DestinationConnection -Installations 2 -Legacy -NoSchema -Name porter | Out-Null
        $h = New-AzureHome 'mixed'
        $env:TEAM_PORTER_STORAGE = $script:DestinationConnection
        $s = Test-PorterSchema -Path $h
        $s.State | Should -Be 'MissingMixedLayout'
        $s.MigrationRequired | Should -BeTrue
        $items = (Get-PorterHome -Path $h).Items
        $items.LegacyClaims | Should -Be 1
        $items.LegacyCredentials | Should -Be 1
        (Get-PorterHome -Path $h).Layout | Should -Be 'Mixed'
    }

    It 'report an unreachable container as a problem, and as an error from Test-PorterSchema' {
        $h = New-AzureHome 'nocred'
        $p = (Get-PorterHome -Path $h).Problems
        $p.Code | Should -Contain 'StorageUnreachable'
        { Test-PorterSchema -Path $h -ErrorAction Stop } | Should -Throw -ErrorId 'AzureCredentialNotFound,PorterStorage.Commands.TestPorterSchemaCommand'
    }
}
