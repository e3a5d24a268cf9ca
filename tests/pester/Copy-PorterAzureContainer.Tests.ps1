BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
}

Describe 'Copy-PorterAzureContainer' {
    It 'declares its output type and supports ShouldProcess' {
        $c = Get-Command Copy-PorterAzureContainer
        $c.OutputType.Name | Should -Contain 'PorterStorage.Core.Azure.PorterContainerCopyResult'
        $c.Parameters.Keys | Should -Contain 'WhatIf'
    }

    It 'copies a plugin store to another account keeping every tag, and verifies with Porter''s queries' {
        $secret = 'SasSecret-' + [Guid]::NewGuid().ToString('N')
        $source = New-SeededContainer -Installations 6 -Legacy -Secret $secret
        $dest = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $all = Copy-PorterAzureContainer -Source $source -Destination $dest -ConcurrentTaskCount 4 -Confirm:$false -Verbose *>&1
        $result = $all | Where-Object { $_.GetType().Name -eq 'PorterContainerCopyResult' }
        $result.Total | Should -Be 29
        $result.Copied | Should -Be 29
        $result.Failed | Should -Be 0
        $result.TagsCopied | Should -Be 26
        $result.Verified | Should -BeTrue
        $result.Mismatches | Should -BeNullOrEmpty
        $text = $all | Out-String -Width 400
        $text | Should -Not -Match 'sig='
        $text | Should -Not -Match $secret
        ($dest | Test-PorterAzureBlobIndex).Prefixes | Where-Object MissingTags -gt 0 | ForEach-Object Prefix | Should -Be @('claims', 'credentials')

        $again = Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false
        $again.Copied | Should -Be 0
        $again.Skipped | Should -Be 29
        $again.Verified | Should -BeTrue
    }

    It 'refuses a destination holding different data unless -Force (ContainerNotEmpty)' {
        $source = New-SeededContainer -Installations 1
        $other = New-SeededContainer -Connection $script:DestinationConnection -Installations 2
        { Copy-PorterAzureContainer -Source $source -Destination $other -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ContainerNotEmpty,PorterStorage.Commands.CopyPorterAzureContainerCommand'
        $forced = Copy-PorterAzureContainer -Source $source -Destination $other -Force -Confirm:$false
        $forced.Verified | Should -BeTrue
    }

    It 'changes nothing with -WhatIf' {
        $source = New-SeededContainer -Installations 1
        $dest = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        Copy-PorterAzureContainer -Source $source -Destination $dest -WhatIf | Should -BeNullOrEmpty
        { $dest | Test-PorterAzureBlobIndex -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNotFound,PorterStorage.Commands.TestPorterAzureBlobIndexCommand'
    }

    It 'stops promptly on Ctrl+C (StopProcessing) and a rerun finishes the copy' {
        # Enough blobs that one task is still copying when Stop comes, however fast the machine is that day.
        $source = New-SeededContainer -Installations 600
        $dest = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:PORTERSTORAGE_MODULE).AddStatement()
            $null = $ps.AddCommand('Copy-PorterAzureContainer').AddParameter('Source', $source).AddParameter('Destination', $dest).
                AddParameter('ConcurrentTaskCount', 1).AddParameter('Confirm', $false)
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1000
            $ps.InvocationStateInfo.State | Should -Be 'Running'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        $finish = Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false
        $finish.Verified | Should -BeTrue
        $finish.Skipped | Should -BeGreaterThan 0
    }

    It 'finishes after Azurite is killed mid-copy and restarted, with every tag verified' {
        $location = Join-Path $TestDrive 'azurite-data'
        $own = Start-PorterAzurite -Location $location
        try {
            $src = $own.ConnectionStrings['devstoreaccount1']
            $dst = $own.ConnectionStrings['porterdest']
            $source = New-SeededContainer -Connection $src -Installations 120
            # Restart gracefully so the seeded source is on disk before the crash.
            Stop-PorterAzurite $own -Graceful -KeepData
            $own = Start-PorterAzurite -Location $location -Port $own.Port
            $destName = New-TestContainerName
            $crash = Invoke-AzuriteCrashDuring $own -Command "`$s = Get-PorterAzureStorage -ConnectionString '$src' -Container '$($source.Container)'; `$d = Get-PorterAzureStorage -ConnectionString '$dst' -Container '$destName'; Copy-PorterAzureContainer -Source `$s -Destination `$d -ConcurrentTaskCount 2 -Confirm:`$false"
            $own = $crash.Azurite
            $dest = Get-PorterAzureStorage -ConnectionString $dst -Container $destName
            $result = Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false
            $result.Total | Should -Be 483
            $result.Failed | Should -Be 0
            $result.Verified | Should -BeTrue
            ($result.Copied + $result.Skipped) | Should -Be 483
            $crash.Interrupted | Should -BeTrue -Because 'Azurite must die while the first copy is still running'
        }
        finally { Stop-PorterAzurite $own }
    }
}
