BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
}

Describe 'Repair-PorterAzureBlobTag' {
    It 'declares its output type and supports ShouldProcess' {
        $c = Get-Command Repair-PorterAzureBlobTag
        $c.OutputType.Name | Should -Contain 'PorterStorage.PorterTagRepairResult'
        $c.Parameters.Keys | Should -Contain 'WhatIf'
    }

    It 'rebuilds stripped tags from names and content so Porter''s queries find everything again' {
        $tagged = New-SeededContainer -Installations 4
        $expected = Get-ContainerDigest $tagged
        $stripped = New-SeededContainer -Installations 4 -NoTags
        ($stripped | Test-PorterAzureBlobIndex).UntaggedBlobs | Should -Be 18
        $stripped | Repair-PorterAzureBlobTag -WhatIf | Should -BeNullOrEmpty -Because 'nothing is written with -WhatIf, and no result either'
        ($stripped | Test-PorterAzureBlobIndex).UntaggedBlobs | Should -Be 18

        $r = $stripped | Repair-PorterAzureBlobTag -Confirm:$false
        $r.Checked | Should -Be 18
        $r.Repaired | Should -Be 18
        ($r.Changes | Where-Object Blob -like 'outputs/*')[0].After['result-id'] | Should -Match '^01'
        ($stripped | Test-PorterAzureBlobIndex).UntaggedBlobs | Should -Be 0
        Get-ContainerDigest $stripped | Should -Be $expected
        ($stripped | Repair-PorterAzureBlobTag -Confirm:$false).Repaired | Should -Be 0
        $copy = Copy-PorterAzureContainer -Source $stripped -Destination (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)) -Confirm:$false
        $copy.Verified | Should -BeTrue
    }

    It 'tags a legacy claim document with its type only, as the plugin''s own migration did' {
        $s = New-SeededContainer -Installations 1 -Legacy -NoTags
        $r = $s | Repair-PorterAzureBlobTag -Confirm:$false
        ($r.Changes | Where-Object Blob -eq 'claims/oldapp').After.Keys | Should -Be @('type')
    }

    It 'reports a blob it cannot retag as an error and goes on with the others' {
        $stripped = New-SeededContainer -Installations 2 -NoTags
        $proxy = Start-SuiteFaultProxy @{
            failRules = @(@{ operation = 'SetBlobTags'; pathContains = '/installations/'; status = 403; code = 'AuthorizationPermissionMismatch' })
        }
        try {
            $via = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Container $stripped.Container
            $r = $via | Repair-PorterAzureBlobTag -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
            $stats = Get-FaultProxyStats $proxy
        }
        finally { Stop-FaultProxy $proxy }
        $failures.Count | Should -Be 2
        $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'AzureAuthFailed,PorterStorage.Commands.RepairPorterAzureBlobTagCommand' }
        $failures.TargetObject | Should -Match '^installations/'
        $r.Failed | Should -Be 2
        $r.Repaired | Should -Be ($r.Planned - 2)
        $stats.operations.SetBlobTags | Should -Be $r.Planned -Because 'every planned blob was tried once'
        ($stripped | Test-PorterAzureBlobIndex).UntaggedBlobs | Should -Be 2
    }
}
