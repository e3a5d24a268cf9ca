BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
    function New-WriterClaim([string] $Installation) {
        "{`"installation`":`"$Installation`",`"created`":`"2020-01-01T00:00:00Z`",`"modified`":`"2020-01-02T00:00:00Z`",`"bundle`":{`"name`":`"$Installation`"},`"result`":{`"action`":`"install`",`"status`":`"success`"}}"
    }
}

Describe 'A container migration while an older Porter writes the same container' {
    # Each case holds the run at a pause point of the fault proxy (after the n-th blob write or removal was answered), lets another
    # client rewrite, remove or create a legacy claim straight at Azurite, and resumes. Whatever the point, the other writer's last
    # version survives: as the legacy blob it wrote, or migrated by the run or by the rerun. The points are seeded, so every run
    # tries the same interleavings.
    It 'keeps the other writer''s last version at every pause point tried' {
        $rng = [Random]::new(26)
        $cases = foreach ($k in 1..8) {
            $operation = ('PutBlob', 'DeleteBlob')[$rng.Next(2)]
            [pscustomobject]@{
                Operation = $operation
                Count     = if ($operation -eq 'PutBlob') { $rng.Next(1, 24) } else { $rng.Next(1, 6) }
                Act       = ('rewrite', 'remove', 'create')[$rng.Next(3)]
                Target    = $rng.Next(1, 5)
            }
        }
        $proxy = Start-SuiteFaultProxy @{}
        $module = $env:PORTERSTORAGE_MODULE
        try {
            $n = 0; $held = 0; $kept = 0
            foreach ($case in $cases) {
                $n++
                $s = New-SeededContainer -Installations 1 -LegacyInstallations 4 -NoSchema
                Set-FaultProxy $proxy @{ pauseAfter = @{ operation = $case.Operation; count = $case.Count } } | Out-Null
                $child = Start-ChildPwsh -Command "Import-Module '$module'; `$s = Get-PorterAzureStorage -ConnectionString '$($proxy.ConnectionStrings['devstoreaccount1'])' -Container '$($s.Container)'; Invoke-PorterStorageMigration -Storage `$s -SkipBackupCheck -LogPath '$TestDrive' -Confirm:`$false -ErrorAction SilentlyContinue -ErrorVariable e | Out-Null; 'IDS:' + ((`$e | ForEach-Object { `$_.FullyQualifiedErrorId.Split(',')[0] }) -join ' ')"
                $paused = $false
                while (-not $paused -and -not $child.HasExited) { $paused = Wait-FaultProxyPaused $proxy -TimeoutSeconds 2 }
                $because = "case $n ($($case.Act) claims/legacy$($case.Target) after $($case.Count) $($case.Operation), held: $paused)"
                $marker = "w$n"
                switch ($case.Act) {
                    'rewrite' { Invoke-OtherBlobWriter -ConnectionString $script:SourceConnection -Container $s.Container -Blob "claims/legacy$($case.Target)" -Content (New-WriterClaim $marker) }
                    'create' { Invoke-OtherBlobWriter -ConnectionString $script:SourceConnection -Container $s.Container -Blob "claims/$marker" -Content (New-WriterClaim $marker) }
                    'remove' { Invoke-OtherBlobWriter -ConnectionString $script:SourceConnection -Container $s.Container -Blob "claims/legacy$($case.Target)" -Action Delete }
                }
                Set-FaultProxy $proxy @{ pauseAfter = $null } | Out-Null
                Resume-FaultProxy $proxy
                $child.WaitForExit(120000) | Should -BeTrue -Because $because
                $said = $child.StandardOutput.ReadToEnd()
                if ($paused) { $held++ }
                if ($said -match 'IDS:.*ItemChangedDuringMigration') { $kept++ }

                $rerun = Invoke-PorterStorageMigration -Storage $s -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
                $rerun.Succeeded | Should -BeTrue -Because $because
                $digest = Get-ContainerDigest $s
                if ($case.Act -ne 'remove') {
                    $digest | Where-Object { $_ -like "installations/$marker *" } | Should -Not -BeNullOrEmpty -Because "$because`: the other writer's version is migrated"
                }
                # No legacy claim is left behind, and every untouched one is migrated.
                $digest | Where-Object { $_ -match '^claims/[^/ ]+ \[\]' } | Should -BeNullOrEmpty -Because $because
                foreach ($i in 1..4) {
                    if ($i -ne $case.Target -or $case.Act -eq 'create') {
                        $digest | Where-Object { $_ -like "installations/legacy$i *" } | Should -Not -BeNullOrEmpty -Because "$because`: legacy$i"
                    }
                }
            }
            # The interleavings are real: the run was held mid-way in most cases, and in some the other writer's change came between
            # the run's read and its removal (the removal refused, the version kept).
            $held | Should -BeGreaterOrEqual 6
            $kept | Should -BeGreaterOrEqual 1
        }
        finally { Stop-FaultProxy $proxy }
    }
}
