@{
    RootModule           = 'PorterStorage.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f4c2f0e-3b1d-4d8e-9a57-2c61f0b7e4a1'
    Author               = 'PorterStorage contributors'
    CompanyName          = 'PorterStorage'
    Copyright            = '(c) PorterStorage contributors. MIT licence.'
    Description          = 'Moves Porter''s stored data (PORTER_HOME, the azure.blob plugin''s container and the azure.table plugin''s table) safely to the storage format of Porter v0.28-v0.38: inspect, back up, migrate, verify and restore, as cmdlets that pipe into each other.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    FormatsToProcess     = @('PorterStorage.format.ps1xml')
    CmdletsToExport      = @(
        'Get-PorterHome'
        'Get-PorterConfig'
        'Test-PorterSchema'
        'Backup-PorterHome'
        'Test-PorterBackup'
        'Restore-PorterHome'
        'Get-PorterMigrationPlan'
        'Invoke-PorterStorageMigration'
        'Test-PorterStorage'
        'Get-PorterAzureStorage'
        'Backup-PorterAzureContainer'
        'Restore-PorterAzureContainer'
        'Test-PorterAzureBlobIndex'
        'Copy-PorterAzureContainer'
        'Repair-PorterAzureBlobTag'
        'Get-PorterBackup'
        'Remove-PorterBackup'
        'ConvertTo-PorterMigrationReport'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Porter', 'CNAB', 'Migration', 'Storage', 'Backup', 'Azure', 'PSEdition_Core', 'PSEdition_Desktop')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = 'Get-PorterHome, Get-PorterConfig and Test-PorterSchema read a Porter home, its config and its schema state. Backup-PorterHome, Test-PorterBackup and Restore-PorterHome write, check and restore verified backups; Get-PorterBackup and Remove-PorterBackup list and prune them. Get-PorterMigrationPlan, Invoke-PorterStorageMigration and Test-PorterStorage plan, run and verify the migration of a home; ConvertTo-PorterMigrationReport writes an HTML or Markdown report of a plan or a run. Get-PorterAzureStorage, Backup-/Restore-PorterAzureContainer, Test-PorterAzureBlobIndex and Copy-PorterAzureContainer handle the Azure plugin''s container; Repair-PorterAzureBlobTag rebuilds lost index tags, and the migration cmdlets work on the container too. Full help (Get-Help -Full), about_PorterStorage, about_PorterStorage_Runbooks.'
        }
    }
}
