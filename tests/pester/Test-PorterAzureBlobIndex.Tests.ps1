BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
}

Describe 'Test-PorterAzureBlobIndex' {
    It 'declares both output types' {
        $types = (Get-Command Test-PorterAzureBlobIndex).OutputType.Name
        $types | Should -Contain 'PorterStorage.PorterBlobIndexStatus'
        $types | Should -Contain 'System.Boolean'
    }

    It 'finds Blob Index supported on Azurite, reads the account kind, and cleans up its probe' {
        $s = New-SeededContainer -Installations 2
        $status = $s | Test-PorterAzureBlobIndex
        $status.Supported | Should -BeTrue
        $status.AccountKind | Should -Be 'StorageV2'
        $status.UntaggedBlobs | Should -Be 0
        $s | Test-PorterAzureBlobIndex -Quiet | Should -BeExactly $true
        ($s | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'after')).FileCount | Should -Be 11
    }

    It 'writes nothing under -WhatIf: says what it would probe and runs the read-only checks' {
        $s = New-SeededContainer -Installations 2 -Legacy
        $proxy = Start-SuiteFaultProxy @{}
        try {
            $via = Get-ProxiedStorage $proxy $s
            $status = Test-PorterAzureBlobIndex -Storage $via -WhatIf
            $status.State | Should -Be 'NotProbed'
            $status.Supported | Should -BeFalse
            $status.Reason | Should -Match 'tag query for installations answered'
            $status.UntaggedBlobs | Should -Be 2
            $ops = (Get-FaultProxyStats $proxy).operations.PSObject.Properties.Name
            $ops | Should -Not -Contain 'PutBlob'
            $ops | Should -Not -Contain 'DeleteBlob'
            $ops | Should -Contain 'FindBlobsByTags'
            # The host shows what it would do.
            $child = Invoke-ChildPwsh "Test-PorterAzureBlobIndex -Storage (Get-PorterAzureStorage -ConnectionString '$($proxy.ConnectionStrings['devstoreaccount1'])' -Container $($s.Container)) -WhatIf | Out-Null"
            $child.Output | Should -Match 'What if: .*tagged probe blob'
            (Get-FaultProxyStats $proxy).operations.PSObject.Properties.Name | Should -Not -Contain 'PutBlob'
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'counts the blobs per Porter prefix that lack the plugin''s tags' {
        $s = New-SeededContainer -Installations 2 -Legacy
        $status = Test-PorterAzureBlobIndex -Storage $s
        ($status.Prefixes | Where-Object Prefix -eq 'claims').MissingTags | Should -Be 1
        ($status.Prefixes | Where-Object Prefix -eq 'claims').Blobs | Should -Be 3
        ($status.Prefixes | Where-Object Prefix -eq 'credentials').MissingTags | Should -Be 1
        $status.UntaggedBlobs | Should -Be 2
    }

    It 'names a missing container (ContainerNotFound)' {
        $s = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Container (New-TestContainerName)
        { $s | Test-PorterAzureBlobIndex -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNotFound,PorterStorage.Commands.TestPorterAzureBlobIndexCommand'
        $s | Test-PorterAzureBlobIndex -Quiet -ErrorAction SilentlyContinue | Should -BeExactly $false
    }

    It 'tells a lagging index (Lagging) from a missing one (Unsupported)' {
        $s = New-SeededContainer -Installations 1
        $blobs = ($s | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'before-probe')).FileCount
        $proxy = Start-SuiteFaultProxy @{ indexLagMs = 30000 }
        try {
            $lagging = Get-ProxiedStorage $proxy $s | Test-PorterAzureBlobIndex -TimeoutSeconds 1
            $lagging.Supported | Should -BeFalse
            $lagging.State | Should -Be 'Lagging'
            $lagging.Reason | Should -Match 'lagging'
            Set-FaultProxy $proxy @{ indexLagMs = 1500 } | Out-Null
            $caughtUp = Get-ProxiedStorage $proxy $s | Test-PorterAzureBlobIndex -TimeoutSeconds 30
            $caughtUp.State | Should -Be 'Supported'
            Set-FaultProxy $proxy @{ indexLagMs = 0; noBlobIndexAccounts = @('devstoreaccount1') } | Out-Null
            $none = Get-ProxiedStorage $proxy $s | Test-PorterAzureBlobIndex -TimeoutSeconds 5
            $none.State | Should -Be 'Unsupported'
            $none.Supported | Should -BeFalse
        }
        finally { Stop-FaultProxy $proxy }
        ($s | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'no-probe-left')).FileCount | Should -Be $blobs -Because 'no probe blob is left behind'
    }
}
