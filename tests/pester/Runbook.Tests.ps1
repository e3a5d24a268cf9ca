BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
    $script:Runbook = Join-Path $PSScriptRoot '../../examples/runbook-migrate-azure.ps1'
}

Describe 'The Azure Automation runbook example' {
    It 'migrates a legacy plugin container without a prompt and writes its results as objects' {
        $s = New-SeededContainer -Installations 2 -LegacyInstallations 3 -NoSchema -Legacy
        $work = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'runbook') -Force
        # A non-interactive pwsh, as in the sandbox: any prompt would fail the run; a connection string stands in for the identity.
        $r = Invoke-ChildPwsh -Command "`$o = & '$script:Runbook' -SourceConnectionString '$($script:SourceConnection)' -Container '$($s.Container)' -WorkFolder '$($work.FullName)'; `$o | ForEach-Object { 'TYPE ' + `$_.GetType().FullName }; 'SUCCEEDED ' + (`$o | Where-Object { `$_.GetType().Name -eq 'PorterMigrationResult' }).Succeeded"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'TYPE PorterStorage.Core.Azure.PorterBlobIndexStatus'
        $r.Output | Should -Match 'TYPE PorterStorage.Core.Backup.PorterBackup'
        $r.Output | Should -Match 'TYPE PorterStorage.Core.Migration.PorterStorageVerification'
        $r.Output | Should -Match 'SUCCEEDED True'
        $s | Test-PorterStorage -Quiet | Should -BeTrue
        Get-ChildItem $work -Filter '*-migrate.log' | Should -Not -BeNullOrEmpty
        Get-ChildItem $work -Filter 'porter-container-*.tar.gz' | Should -Not -BeNullOrEmpty
    }

    It 'fails the job, naming the step, when the container is missing' {
        $r = Invoke-ChildPwsh -Command "& '$script:Runbook' -SourceConnectionString '$($script:SourceConnection)' -Container 'nosuchcontainer' -WorkFolder '$TestDrive'"
        $r.ExitCode | Should -Not -Be 0
        $r.Output | Should -Match 'nosuchcontainer'
        $r.Output | Should -Not -Match 'AccountKey'
    }
}
