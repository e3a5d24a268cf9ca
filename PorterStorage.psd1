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
            ProjectUri   = 'https://github.com/PorterStorage/PorterStorage'
            LicenseUri   = 'https://github.com/PorterStorage/PorterStorage/blob/main/LICENSE'
            # build.ps1 fills this in the staged manifest with the CHANGELOG.md section of ModuleVersion.
            ReleaseNotes = ''
        }
    }
}
