BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Get-PorterMigrationPlan' {
    It 'declares its output type' {
        (Get-Command Get-PorterMigrationPlan).OutputType.Name | Should -Contain 'PorterStorage.PorterMigrationPlan'
    }

    It 'lists every item it would write, rewrite, skip or fail, and changes nothing' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'legacy') -Kind Legacy).FullName
        Set-Content -LiteralPath (Join-Path $h 'claims/broken.json') -Value '{' -NoNewline
        $before = Get-TreeDigest $h
        $plan = Get-PorterHome -Path $h | Get-PorterMigrationPlan
        $plan.Source | Should -Be $h
        $plan.Installations | Should -Be 2
        $plan.ToFail | Should -Be 1
        $plan.IsNoOp | Should -BeFalse
        $broken = $plan.Items | Where-Object Name -eq 'broken'
        $broken.Action | Should -Be 'Fail'
        $broken.ErrorId | Should -Be 'ClaimParseError'
        ($plan.Items | Where-Object Name -eq 'mybun' | Where-Object Kind -eq 'Installation').Writes | Should -Contain 'installations/mybun'
        ($plan.Items | Where-Object Kind -eq 'Schema').Action | Should -Be 'WriteSchema'
        (Get-TreeDigest $h).Keys | Should -Be $before.Keys
    }

    It 'finds nothing to do in a current home' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'current') -Kind Current).FullName
        (Get-PorterMigrationPlan -Path $h).IsNoOp | Should -BeTrue
    }

    It 'reports a missing home (HomeNotFound)' {
        { Get-PorterMigrationPlan -Path (Join-Path $TestDrive 'none') -ErrorAction Stop } |
            Should -Throw -ErrorId 'HomeNotFound,PorterStorage.Commands.GetPorterMigrationPlanCommand'
    }
}
